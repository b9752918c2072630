import {PluginAlreadyDisabled, PluginAlreadyEnabled, PluginExists} from '../docker/errors.js';
import {disablePlugin, enablePlugin, inspectPlugin, pluginPrivileges, pullPlugin, removePlugin, setPluginSettings, upgradePlugin, type PluginProgress} from '../docker/plugin-ops.js';
import type {Plugin} from '../docker/plugins.js';
import {keepsBuild} from './describe.js';
import {lookAgain} from './look-again.js';
import {DaemonError, DaemonUnreachable, HostStoppedAnswering, isSilence, KasmTuiError, PluginNotFound, type ExitCode} from '../errors.js';
import type {LedgerEntry, LedgerOutcome} from '../ledger/entry.js';
import {debug} from '../debug.js';
import {sameBuild} from '../registry/same-build.js';
import {safeText} from '../text.js';
import {pullAuth, type FlowContext} from './context.js';
import {describeStep, shownSetting, stepWord, type Plan, type Step} from './plan.js';
import {kasmServicesNow} from '../docker/kasm.js';
import {KasmCommandFailed, runCommand} from '../machine/kasm-control.js';

/** What a running flow reports: each step as it starts, pull progress, each undo. */
export type FlowEvent =
	| {kind: 'step'; step: Step; index: number; count: number}
	| {kind: 'progress'; step: Step; progress: PluginProgress}
	| {kind: 'undo'; step: Step}
	| {kind: 'warning'; text: string};

export interface FlowResult {
	/** The plugin afterwards; undefined once removed. */
	plugin?: Plugin;
	entry: LedgerEntry;
	/** Set when the flow succeeded but left something to tidy (the old plugin could not be removed), or could not read it back. */
	warnings: string[];
	/** Every step was done but the daemon did not answer afterwards: `plugin` is unknown, not removed. */
	notReadBack?: boolean;
}

/**
 * A flow that did not complete. `outcome` says whether the plugin was brought back as it was
 * (`restored`, exit 1) or not (`failed`, exit 4: `state` says what it is now, `recover` what to run).
 */
export class FlowFailed extends KasmTuiError {
	override name = 'FlowFailed';
	override readonly exitCode: ExitCode;
	constructor(
		message: string,
		readonly outcome: Extract<LedgerOutcome, 'failed' | 'restored'>,
		readonly plugin: string,
		/** What the plugin is now, in words. */
		readonly state: string,
		/** The host stopped answering in the middle of it: what it did is not known until it answers. */
		readonly silence = false,
		/** What made the step fail (the daemon's error), for a caller that can do something about it. */
		readonly failure?: unknown,
	) {
		super(message);
		this.exitCode = outcome === 'failed' ? 4 : 1;
	}

	get undoFailed(): boolean {
		return this.outcome === 'failed';
	}

	/** The command that puts the plugin back, when the undo could not. */
	get recover(): string | undefined {
		return this.undoFailed ? `kasm-tui recover ${this.plugin}` : undefined;
	}
}

async function execute(context: FlowContext, step: Step, report: (event: FlowEvent) => void): Promise<{digest?: string}> {
	const {engine} = context;
	const onProgress = (progress: PluginProgress) => report({kind: 'progress', step, progress});
	switch (step.kind) {
		case 'disable': {
			await disablePlugin(engine, step.name);
			return {};
		}

		case 'enable': {
			await enablePlugin(engine, step.name, {timeout: 30});
			return {};
		}

		case 'upgrade': {
			return upgradePlugin(engine, step.name, {remote: step.remote, privileges: step.privileges, onProgress, auth: await pullAuth(context, step.remote)});
		}

		case 'install': {
			return pullPlugin(engine, {
				remote: step.remote,
				name: step.name,
				privileges: step.privileges,
				onProgress,
				auth: await pullAuth(context, step.remote),
			});
		}

		case 'set': {
			await setPluginSettings(engine, step.name, step.settings);
			return {};
		}

		case 'remove': {
			await removePlugin(engine, step.name);
			return {};
		}

		case 'kasm-stop': {
			await runCommand(step.kasm.stop);
			return {};
		}

		case 'kasm-start': {
			await startKasm(context, step);
			return {};
		}
	}
}

/** How long Kasm's services that ran before the change get to run again once its start script is done. */
const servicesBackMs = 120_000;

/** Kasm's start script, then the check that each of its services that ran before runs again. */
export async function startKasm(context: FlowContext, step: Extract<Step, {kind: 'kasm-start' | 'kasm-stop'}>): Promise<void> {
	await runCommand(step.kasm.start);
	const deadline = Date.now() + servicesBackMs;
	for (;;) {
		const running = new Set((await kasmServicesNow(context.engine)).filter(service => service.running).map(service => service.name));
		const missing = step.services.filter(service => !running.has(service));
		if (missing.length === 0) {
			return;
		}

		if (Date.now() > deadline) {
			throw new KasmCommandFailed(`Kasm's services did not all run again within ${servicesBackMs / 1000} s of its start: ${missing.join(', ')} not running`);
		}

		await new Promise(resolve => setTimeout(resolve, 1000));
	}
}

/**
 * Takes one step back. It may run twice (its answer was lost in a daemon restart) or after a step
 * that failed half-way, so a plugin already as the undo wants it counts as undone.
 */
async function undo(context: FlowContext, step: Step): Promise<void> {
	const {engine} = context;
	switch (step.kind) {
		case 'disable': {
			await enablePlugin(engine, step.name, {timeout: 30}).catch(alreadyDone(PluginAlreadyEnabled));
			return;
		}

		case 'enable': {
			await disablePlugin(engine, step.name, {force: true}).catch(alreadyDone(PluginAlreadyDisabled));
			return;
		}

		case 'upgrade': {
			if (!step.restoreRemote) {
				throw new KasmTuiError('no tag in the registry holds the build it had, so it cannot be reinstalled');
			}

			const auth = await pullAuth(context, step.restoreRemote);
			const privileges = await pluginPrivileges(engine, step.restoreRemote, {auth});
			await upgradePlugin(engine, step.name, {remote: step.restoreRemote, privileges, auth});
			return;
		}

		case 'install': {
			await removePlugin(engine, step.name, {force: true}).catch(alreadyDone(PluginNotFound));
			return;
		}

		case 'set': {
			await setPluginSettings(engine, step.name, step.previous);
			return;
		}

		case 'kasm-stop': {
			// Kasm is started again whatever became of the change.
			await startKasm(context, step);
			return;
		}

		case 'kasm-start': {
			// A start that failed, or a change undone after it: Kasm lets go of the plugin again.
			await runCommand(step.kasm.stop);
			return;
		}

		case 'remove': {
			// In a flow's plan the last step, never undone; recover's plans remove a plugin before installing it afresh.
			if (!step.restore) {
				throw new KasmTuiError(`${step.name} was removed and nothing can reinstall it`);
			}

			const auth = await pullAuth(context, step.restore.remote);
			await pullPlugin(engine, {remote: step.restore.remote, name: step.name, privileges: step.restore.privileges, auth}).catch(alreadyDone(PluginExists));
		}
	}
}

function alreadyDone(kind: abstract new (...args: never[]) => Error): (error: unknown) => void {
	return error => {
		if (!(error instanceof kind)) {
			throw error;
		}
	};
}

/** `error creating containerd container: id already in use`: what an enable cut short (a daemon restart, a killed kasm-tui) leaves. */
export function isStaleContainer(error: unknown): boolean {
	return error instanceof DaemonError && /\bid already in use\b/i.test(error.message);
}

/** How long putting a plugin back waits for a daemon that went away (a restart) to answer again; a rollout waits no longer than a step may take. */
const daemonPatienceMs = 90_000;
/** How long a change that is done waits to read the plugin back from a daemon that went away. */
const readBackPatienceMs = 10_000;

/** Whether the plugin now runs another build than `diffIds`; when it cannot be read, assume so (the undo then says what it finds). */
async function runsAnotherBuild(inspect: () => Promise<{diffIds: string[]} | undefined>, diffIds: string[]): Promise<boolean> {
	try {
		return (await inspect())?.diffIds.join() !== diffIds.join();
	} catch {
		return true;
	}
}

/**
 * Runs an undo, and again while the daemon is away: a restart in the middle of a flow must not
 * leave the plugin disabled. Once the daemon has been lost, its 5xx answers (containerd not
 * back yet) are waited out too; other refusals are final.
 */
async function patiently<T>(work: () => Promise<T>, daemon: {lost: boolean; deadline?: number; patienceMs?: number}, onWait: () => void = () => {}): Promise<T> {
	for (;;) {
		try {
			return await work();
		} catch (error) {
			daemon.lost ||= error instanceof DaemonUnreachable;
			// A container the restart left behind never goes by itself: that is for `recover`.
			const transient =
				error instanceof DaemonUnreachable || (daemon.lost && error instanceof DaemonError && (error.statusCode ?? 0) >= 500 && !isStaleContainer(error));
			daemon.deadline ??= Date.now() + (daemon.patienceMs ?? daemonPatienceMs);
			if (!transient || Date.now() > daemon.deadline) {
				throw error;
			}

			debug('flow', 'the daemon is away; trying again', {error});
			onWait();
			await new Promise(resolve => setTimeout(resolve, 1000));
		}
	}
}

function baseEntry(context: FlowContext, plan: Plan): Omit<LedgerEntry, 'time' | 'outcome' | 'name' | 'identity'> {
	const settings = plan.steps.find(step => step.kind === 'set')?.settings.map(setting => shownSetting(setting));
	return {
		action: plan.action,
		reference: plan.destination.remote,
		tag: plan.destination.tag,
		...(settings ? {settings} : {}),
		...(plan.kasm ? {kasm: {dir: plan.kasm.dir, where: plan.kasm.where, services: plan.kasm.services}} : {}),
		pluginId: plan.plugin.id || undefined,
		user: context.user,
		version: context.version,
	};
}

/** What a plugin whose undo failed is now, from the daemon, for the operator who must put it back. */
async function stateNow(context: FlowContext, plan: Plan): Promise<string> {
	const {origin, destination} = plan;
	const describe = async (name: string) => {
		try {
			const plugin = await inspectPlugin(context.engine, name);
			const build = sameBuild(plugin.diffIds, origin.identity.diffIds) ? 'the build it had' : 'not the build it had';
			return `${name} is ${plugin.enabled ? 'enabled' : 'disabled'}, at ${plugin.tag || plugin.reference || 'no reference'} (${build})`;
		} catch (error) {
			return error instanceof PluginNotFound ? `${name} is not installed` : `the daemon did not say what state ${name} is in`;
		}
	};

	const states = [await describe(origin.name)];
	if (destination.name !== origin.name) {
		const added = await describe(destination.name);
		if (!added.endsWith('is not installed')) {
			states.push(added);
		}
	}

	return states.join('; ');
}

/** A refused attempt is part of the history too: who tried what, and why nothing was done. */
export function recordRefusal(context: FlowContext, plan: Plan): void {
	if (!plan.refusal || context.readOnly) {
		return;
	}

	try {
		context.ledger.append({
			...baseEntry(context, plan),
			time: new Date().toISOString(),
			name: plan.plugin.name,
			identity: {diffIds: plan.plugin.diffIds},
			outcome: 'refused',
			error: plan.refusal.message,
		});
	} catch {
		// A refusal must still reach the operator when the ledger cannot take it.
	}
}

/**
 * Runs a plan: a `started` entry first (fsynced), then each step; a failed step runs the undos
 * of the steps before it, newest first, so the plugin ends as it was. The outcome is written
 * before anything is reported, and the plugin is locked against other kasm-tui processes.
 */
export interface RunOptions {
	signal?: AbortSignal;
	/**
	 * A check once the destination is enabled (a rollout's health gate): if it throws, that is a
	 * failed step, and every step done is undone, the enable included.
	 */
	gate?: () => Promise<void>;
	/** How long an undo waits for a daemon that went away (a restart) to answer again; default 90 s. */
	patienceMs?: number;
	/**
	 * The `started` entry of a change that died, which this run (a recover) settles: if this run
	 * dies too, what must be brought back is still what that change had, so its `started` entry
	 * says so.
	 */
	recovers?: LedgerEntry;
}

export async function runPlan(
	context: FlowContext,
	plan: Plan,
	report: (event: FlowEvent) => void = () => {},
	{signal, gate, patienceMs = daemonPatienceMs, recovers}: RunOptions = {},
): Promise<FlowResult> {
	if (plan.refusal) {
		throw plan.refusal;
	}

	context.ledger.assertUsable();
	const lock = context.ledger.lock(plan.origin.name, plan.action);
	// node:crypto is loaded here, not with this module: every command loads it (source/cli/commands.ts).
	const attempt = (process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).randomUUID();
	const {origin, destination} = plan;
	try {
		// Under the lock, so no kasm-tui of ours can change it between this look and the first step.
		const changed = await lookAgain(context, plan, report, signal);
		if (changed) {
			recordRefusal(context, {...plan, refusal: changed});
			throw changed;
		}

		context.ledger.append({
			...baseEntry(context, plan),
			time: new Date().toISOString(),
			name: origin.name,
			identity: recovers?.identity ?? origin.identity,
			outcome: 'started',
			attempt,
			from: recovers?.from ?? {name: origin.name, reference: origin.reference, tag: origin.tag, enabled: origin.enabled, restoreRemote: origin.restoreRemote, absent: origin.absent},
			into: recovers ? recovers.into : destination.name === origin.name ? undefined : destination.name,
		});

		const done: Step[] = [];
		let digest: string | undefined;
		let failure: unknown;
		let failedStep: Step | undefined;
		for (const [index, step] of plan.steps.entries()) {
			// Interrupted (ctrl-c, SIGTERM): the step under way has finished; take back what was done.
			if (signal?.aborted) {
				failure = new KasmTuiError(`interrupted (${String(signal.reason ?? 'aborted')}) before step ${index + 1} of ${plan.steps.length}`);
				break;
			}

			report({kind: 'step', step, index, count: plan.steps.length});
			debug('flow', `${plan.action} step ${index + 1}/${plan.steps.length}: ${describeStep(step)}`, {attempt});
			try {
				const result = await execute(context, step, report);
				digest = result.digest ?? digest;
				// Before the old plugin is removed, so a failed gate can still enable it again; it fails
				// this enable, whose undo (a disable) then comes first.
				if (gate && step.kind === 'enable' && step.name === destination.name) {
					await gate();
				}

				done.push(step);
			} catch (error) {
				// Once the new plugin is enabled and the old one disabled, failing to remove the old one is tidying, not failure.
				if (step.kind === 'remove' && step.name !== destination.name && done.some(item => item.kind === 'enable' && item.name === destination.name)) {
					report({kind: 'warning', text: `could not remove ${step.name}: ${(error as Error).message}; remove it with "docker plugin rm ${step.name}"`});
					done.push(step);
					continue;
				}

				// Said where it went quiet: the operator's recover starts from there.
				failure =
					error instanceof HostStoppedAnswering ? new HostStoppedAnswering(error.address, error.silentMs, `step ${index + 1}/${plan.steps.length} (${stepWord(step)})`, error.stalled) : error;
				failedStep = step;
				debug('flow', `${plan.action} step ${index + 1} failed; undoing ${done.length} step(s)`, {attempt, error});
				break;
			}
		}

		if (failure !== undefined) {
			const silence = isSilence(failure);
			// A host that stopped answering is undone only if it answers again at once (on new
			// connections: a frozen link goes with the old ones); else nothing more is asked of it.
			if (silence && !(await context.engine.answersAgain())) {
				const cause = safeText((failure as Error).message);
				const state = `its state is not known: ${cause}`;
				context.ledger.append({...baseEntry(context, plan), time: new Date().toISOString(), name: origin.name, identity: recovers?.identity ?? origin.identity, outcome: 'failed', error: cause, attempt});
				throw new FlowFailed(
					`${plan.action} of ${origin.name} failed: ${cause}; its state is not known (it does not answer, so it could not be put back): run "kasm-tui recover ${origin.name}" once it answers`,
					'failed',
					origin.name,
					state,
					true,
					failure,
				);
			}

			const daemon = {lost: failure instanceof DaemonUnreachable, patienceMs};
			let told = false;
			const tellWaiting = () => {
				if (!told) {
					told = true;
					report({kind: 'warning', text: `the daemon does not answer: waiting up to ${Math.round(patienceMs / 1000)} s for it to put ${origin.name} back`});
				}
			};

			// An enable whose answer was lost may have happened, a set may have half-happened, a failed
			// install may have left the plugin: take those back too (never a name that was there before).
			const halfDone =
				failedStep?.kind === 'enable' ||
				failedStep?.kind === 'set' ||
				// Kasm's scripts may have done part of their work: the rest of its services stopped, or started.
				failedStep?.kind === 'kasm-stop' ||
				failedStep?.kind === 'kasm-start' ||
				(failedStep?.kind === 'install' && !(failure instanceof PluginExists)) ||
				// An upgrade whose answer the lost daemon cut off may have swapped the build: look, and take it back if so.
				(failedStep?.kind === 'upgrade' && daemon.lost && (await runsAnotherBuild(async () => patiently(async () => inspectPlugin(context.engine, failedStep.name), daemon, tellWaiting), origin.identity.diffIds)));
			const toUndo = halfDone && failedStep ? [failedStep, ...[...done].reverse()] : [...done].reverse();
			const undoErrors: string[] = [];
			for (const step of toUndo) {
				report({kind: 'undo', step});
				try {
					await patiently(async () => undo(context, step), daemon, tellWaiting);
				} catch (error) {
					undoErrors.push(`${describeStep(step)}: ${(error as Error).message}`);
				}
			}

			const outcome = undoErrors.length === 0 ? 'restored' : 'failed';
			const cause = safeText((failure as Error).message ?? failure);
			// A recover's "as it was" is the half-changed plugin it started from, not what the dead change had.
			const was = plan.action === 'recover' ? 'as it was before recover' : 'as it was';
			const asItWas = origin.absent ? `nothing was left installed as ${origin.name}` : `${origin.name} is ${was} (${origin.enabled ? 'enabled' : 'disabled'}, ${origin.tag || origin.reference})`;
			const state = outcome === 'restored' ? asItWas : await stateNow(context, plan);
			const said =
				outcome === 'restored'
					? state
					: `could not put ${origin.name} back (${undoErrors.join('; ')}): ${state}; run "kasm-tui recover ${origin.name}" once the daemon and registry answer`;
			context.ledger.append({
				...baseEntry(context, plan),
				time: new Date().toISOString(),
				name: origin.name,
				identity: origin.identity,
				outcome,
				error: cause,
				attempt,
			});
			throw new FlowFailed(`${plan.action} of ${origin.name} failed: ${cause}; ${said}`, outcome, origin.name, state, silence, failure);
		}

		// Every step is done: the change happened, whatever the daemon does now. Reading the plugin back
		// waits a little for a daemon that is restarting; one that is gone or hangs only loses us its build.
		const removed = plan.steps.at(-1)?.kind === 'remove' && destination.name === origin.name;
		const warnings: string[] = [];
		let after: Plugin | undefined;
		if (!removed) {
			try {
				after = await patiently(async () => inspectPlugin(context.engine, destination.name), {lost: false, deadline: Date.now() + readBackPatienceMs});
			} catch (error) {
				const text = `the ${plan.action} is done, but the daemon did not answer afterwards (${safeText((error as Error).message).slice(0, 200)}): "kasm-tui plugins" shows ${destination.name} once it does`;
				warnings.push(text);
				report({kind: 'warning', text});
			}
		}

		if (destination.name !== origin.name) {
			context.ledger.rename(origin.name, destination.name);
		}

		const entry: LedgerEntry = {
			...baseEntry(context, plan),
			time: new Date().toISOString(),
			name: destination.name,
			previousName: destination.name === origin.name ? undefined : origin.name,
			// Not read back: the build the plan installs where it knew it (the next listing records what runs).
			identity: after ? {diffIds: after.diffIds, digest} : keepsBuild(plan) ? origin.identity : {diffIds: destination.identity?.diffIds ?? [], digest: digest ?? destination.identity?.digest},
			pluginId: after?.id ?? plan.plugin.id,
			outcome: 'ok',
			attempt,
		};
		context.ledger.append(entry);
		return {plugin: after, entry, warnings, ...(removed || after ? {} : {notReadBack: true})};
	} finally {
		lock.release();
	}
}
