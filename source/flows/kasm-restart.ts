import {PluginInUse} from '../docker/errors.js';
import {kasmServicesNow} from '../docker/kasm.js';
import {describeUsage, isInUse, usageBesidesKasm, usedOnlyByKasm, type PluginUsage, type PluginWithUsage} from '../docker/usage.js';
import {Refused} from '../errors.js';
import {kasmControl} from '../machine/kasm-control.js';
import type {FlowContext} from './context.js';
import {gateBaseline, healthGate} from './health-gate.js';
import type {Plan, Step} from './plan.js';

/**
 * Kasm's procedure as one plan (`--with-kasm-restart`, K on the screen): a plugin that Kasm's own
 * services use (its `kasm_*` containers, its `kasm_default_network`) cannot be disabled while they
 * run, so Kasm is stopped with its own script, the plugin changed, and Kasm started again with its
 * own script; then the health gate and a check that its services run again. The undo of the stop
 * is the start: Kasm is started again even when the change fails and is undone.
 */
export interface KasmRestartRequest {
	/** `--kasm-dir DIR`; default: /opt/kasm/current, else /opt/kasm. */
	dir?: string;
}

/**
 * The in-use refusal when it is Kasm's services that use the plugin: it says the way through,
 * and with --with-kasm-restart asked for there is none to make (the plan stops Kasm first).
 */
export class UsedByKasm extends PluginInUse {
	override name = 'UsedByKasm';
	constructor(plugin: string, usedBy: PluginUsage) {
		super(plugin, usedBy);
		this.message += `; it is Kasm's services that use it: --with-kasm-restart (K on the screen) stops Kasm with its own script, makes the change and starts Kasm again`;
	}
}

/** The in-use refusal of a change, or none when the Kasm restart asked for frees the plugin. */
export function inUseRefusal(context: FlowContext, plugin: PluginWithUsage): PluginInUse | undefined {
	if (!isInUse(plugin.usedBy) || !plugin.enabled) {
		return undefined;
	}

	if (!usedOnlyByKasm(plugin.usedBy)) {
		return new PluginInUse(plugin.name, plugin.usedBy);
	}

	return context.kasmRestart ? undefined : new UsedByKasm(plugin.name, plugin.usedBy);
}

/** Steps that Docker refuses while something uses the plugin. */
const blockedByUse = (step: Step, name: string) => (step.kind === 'disable' || step.kind === 'remove') && step.name === name;

/**
 * The plan with Kasm's stop before its steps and Kasm's start after them, when a Kasm restart was
 * asked for and Kasm's services use the plugin; refused (nothing changed) when the host gives no
 * way to run Kasm's scripts or they are not there. A plan that does not need it is left as it is,
 * and says so.
 */
export async function withKasmRestart(context: FlowContext, plan: Plan): Promise<Plan> {
	const request = context.kasmRestart;
	if (!request || plan.refusal) {
		return plan;
	}

	const {plugin} = plan;
	if (!plugin.enabled || !usedOnlyByKasm(plugin.usedBy) || !plan.steps.some(step => blockedByUse(step, plan.origin.name))) {
		const why = plugin.enabled && isInUse(plugin.usedBy) ? `${describeUsage(usageBesidesKasm(plugin.usedBy))} use it besides Kasm` : 'none of its services uses it';
		return {...plan, warnings: [...plan.warnings, `Kasm is not stopped for this change: ${why}`]};
	}

	try {
		const kasm = await kasmControl(context.engine.target, context.hostName, request.dir);
		const services = (await kasmServicesNow(context.engine)).filter(service => service.running).map(service => service.name);
		const steps: Step[] = [{kind: 'kasm-stop', kasm, services}, ...plan.steps, {kind: 'kasm-start', kasm, services}];
		return {
			...plan,
			steps,
			kasm: {dir: kasm.dir, where: kasm.where, services},
			warnings: [
				...plan.warnings,
				`Kasm on ${context.hostName} is stopped from step 1 to step ${steps.length}: no one can log in or start a session until it is started again; if the change fails, it is undone and Kasm started again`,
			],
		};
	} catch (error) {
		if (error instanceof Refused) {
			return {...plan, refusal: error};
		}

		throw error;
	}
}

/** How long the changed plugin must stay enabled before Kasm is started on it (the rollouts' default settle time). */
const kasmSettleMs = 5000;

/**
 * The health gate of a plan that restarts Kasm, run once the changed plugin is enabled and before
 * Kasm is started on it: what worked before the change (its probes, its socket) must work after.
 * None for other plans.
 */
export async function kasmRestartGate(context: FlowContext, plan: Plan): Promise<(() => Promise<void>) | undefined> {
	if (!plan.kasm) {
		return undefined;
	}

	const baseline = await gateBaseline(context.engine, plan.plugin);
	return async () => {
		await healthGate(context.engine, plan.destination.name, {baseline, settleMs: kasmSettleMs});
	};
}
