import {isSilence, KasmTuiError} from '../errors.js';
import {safeText} from '../text.js';
import type {Engine} from './engine.js';
import {daemonWords, encodeName} from './request.js';

/**
 * Probes of a plugin through the daemon, as its users reach it: the daemon calls the driver on
 * the plugin's socket, on any host, local or remote. Each makes one throw-away object of its own
 * (a unique name and the label kasm-tui.probe), never touches an existing one, and removes it.
 */

export type ProbeKind = 'volume' | 'network';

export interface ProbeResult {
	kind: ProbeKind;
	ok: boolean;
	ms: number;
	/** One line, safe to print. */
	detail: string;
}

export const probeLabel = 'kasm-tui.probe';

/** The probes a plugin's interface types allow: a volume driver's and a network driver's. */
export function probeKindsFor(types: readonly string[]): ProbeKind[] {
	const kinds: ProbeKind[] = [];
	if (types.some(type => /^docker\.volumedriver\//i.test(type))) {
		kinds.push('volume');
	}

	if (types.some(type => /^docker\.networkdriver\//i.test(type))) {
		kinds.push('network');
	}

	return kinds;
}

function probeName(): string {
	// node:crypto is loaded here, not with this module: every command loads it (source/cli/commands.ts).
	return `kasm-tui-probe-${(process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex')}`;
}

async function timed(kind: ProbeKind, work: () => Promise<string>): Promise<ProbeResult> {
	const started = process.hrtime.bigint();
	const ms = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
	try {
		const detail = await work();
		return {kind, ok: true, ms: ms(), detail};
	} catch (error) {
		// A host that stopped answering is not a probe that failed: the change's flow must know it is silence.
		if (isSilence(error)) {
			throw error;
		}

		const words = error instanceof KasmTuiError ? error.message : daemonWords(error);
		return {kind, ok: false, ms: ms(), detail: safeText(words).slice(0, 300)};
	}
}

/** Create, inspect and remove a volume of the driver (`docker volume create -d DRIVER`). */
export async function probeVolumeDriver(engine: Engine, driver: string): Promise<ProbeResult> {
	return timed('volume', async () => {
		const name = probeName();
		await engine.change(`create the probe volume ${name} with ${driver}`, async ({docker, signal}) =>
			docker.createVolume({Name: name, Driver: driver, Labels: {[probeLabel]: 'health-gate'}, ...(signal ? {abortSignal: signal} : {})}),
		);
		try {
			const inspected = await engine.read(`inspect the probe volume ${name}`, async ({docker, signal}) => docker.getVolume(encodeName(name)).inspect({abortSignal: signal}));
			if (safeText((inspected as {Driver?: unknown} | undefined)?.Driver) === '') {
				throw new KasmTuiError(`the daemon shows the probe volume ${name} without its driver`);
			}
		} finally {
			// dockerode's Volume.remove drops `force`.
			await engine.change(`remove the probe volume ${name}`, async api => api.dial({method: 'DELETE', path: `/volumes/${encodeName(name)}`, query: {force: true}, signal: api.signal}));
		}

		return `created, inspected and removed a volume through ${driver}`;
	});
}

/**
 * Create and remove an internal network of the driver: the daemon asks the plugin to create it
 * (NetworkDriver.CreateNetwork) and to delete it; no container joins, nothing leaves the host.
 */
export async function probeNetworkDriver(engine: Engine, driver: string): Promise<ProbeResult> {
	return timed('network', async () => {
		const name = probeName();
		const created = await engine.change(`create the probe network ${name} with ${driver}`, async ({docker, signal}) =>
			docker.createNetwork({Name: name, Driver: driver, Internal: true, CheckDuplicate: true, Labels: {[probeLabel]: 'health-gate'}, ...(signal ? {abortSignal: signal} : {})}),
		);
		const id = safeText(created?.id) || name;
		await engine.change(`remove the probe network ${name}`, async ({docker, signal}) => docker.getNetwork(encodeName(id)).remove(signal ? {abortSignal: signal} : {}));
		return `created and removed an internal network through ${driver}`;
	});
}

export async function probeDriver(engine: Engine, kind: ProbeKind, driver: string): Promise<ProbeResult> {
	return kind === 'volume' ? probeVolumeDriver(engine, driver) : probeNetworkDriver(engine, driver);
}
