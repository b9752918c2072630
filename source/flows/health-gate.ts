import type {Engine} from '../docker/engine.js';
import {checkPluginHealth} from '../machine/plugin-socket.js';
import {inspectPlugin} from '../docker/plugin-ops.js';
import type {Plugin} from '../docker/plugins.js';
import {probeDriver, probeKindsFor, type ProbeKind} from '../docker/probes.js';
import {KasmTuiError} from '../errors.js';

/**
 * The check a rollout makes on a host after its change, before it goes on to the next: the
 * plugin is enabled, and still is (the same process) after a settle time; each driver probe that
 * worked before the change works after it; on this machine's daemon, the plugin answers on its
 * socket (the check `h` makes on the screen).
 */

export interface GateCheck {
	/** `enabled`, `still enabled`, `volume probe`, `network probe`, `socket`. */
	check: string;
	ok: boolean;
	detail: string;
}

/** What worked before the change: only those are asked of the new build. */
export interface GateBaseline {
	probes: ProbeKind[];
	socket: boolean;
	/** The checks that did not work before, said in the report instead of failing the new build. */
	notes: string[];
}

export class HealthGateFailed extends KasmTuiError {
	override name = 'HealthGateFailed';
}

/**
 * Runs the probes on the plugin as it is, before anything changes. A probe that fails now says
 * nothing about the new build (the driver may need options a throw-away object lacks), so it is
 * left out of the gate, and said.
 */
export async function gateBaseline(engine: Engine, plugin: Plugin, onCheck: (check: GateCheck) => void = () => {}): Promise<GateBaseline> {
	const baseline: GateBaseline = {probes: [], socket: false, notes: []};
	if (!plugin.enabled) {
		return baseline;
	}

	for (const kind of probeKindsFor(plugin.types)) {
		const result = await probeDriver(engine, kind, plugin.name);
		if (result.ok) {
			baseline.probes.push(kind);
		} else {
			baseline.notes.push(`the ${kind} probe fails before the change too (${result.detail}), so the gate leaves it out`);
			onCheck({check: `${kind} probe before`, ok: false, detail: result.detail});
		}
	}

	const socket = await checkPluginHealth(engine, plugin);
	baseline.socket = socket.state === 'healthy';
	if (socket.state !== 'healthy' && socket.state !== 'not-local') {
		baseline.notes.push(`its socket does not answer before the change either (${socket.detail}), so the gate leaves it out`);
	}

	return baseline;
}

export interface GateOptions {
	baseline: GateBaseline;
	/** How long the plugin must stay enabled; the settings' rolloutSettleSeconds. */
	settleMs: number;
	onCheck?: (check: GateCheck) => void;
}

/** Throws HealthGateFailed with the first check that failed; resolves with every check made. */
export async function healthGate(engine: Engine, name: string, {baseline, settleMs, onCheck = () => {}}: GateOptions): Promise<GateCheck[]> {
	const checks: GateCheck[] = [];
	const record = (check: GateCheck) => {
		checks.push(check);
		onCheck(check);
		if (!check.ok) {
			throw new HealthGateFailed(`the health gate failed: ${check.check}: ${check.detail}`);
		}
	};

	const first = await inspectPlugin(engine, name);
	record({check: 'enabled', ok: first.enabled, detail: first.enabled ? 'the daemon says it is enabled' : 'the daemon says it is not enabled after the change'});
	await new Promise(resolve => setTimeout(resolve, settleMs));
	const settled = await inspectPlugin(engine, name);
	const stayed = settled.enabled && settled.id === first.id;
	record({
		check: 'still enabled',
		ok: stayed,
		detail: stayed ? `still enabled after ${settleMs / 1000} s` : `it did not stay enabled for ${settleMs / 1000} s`,
	});
	for (const kind of baseline.probes) {
		const result = await probeDriver(engine, kind, name);
		record({check: `${kind} probe`, ok: result.ok, detail: result.ok ? `${result.detail} (${result.ms} ms)` : result.detail});
	}

	if (baseline.socket) {
		const socket = await checkPluginHealth(engine, settled);
		record({check: 'socket', ok: socket.state === 'healthy', detail: socket.detail});
	}

	return checks;
}
