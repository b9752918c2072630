import type {RawContainer} from './containers.js';
import type {Engine} from './engine.js';

/** The label Kasm puts on every session container (its uninstall removes `--filter=label=kasm.kasmid`). */
export const sessionLabel = 'kasm.kasmid';

/** A session is live while its container runs: someone is, or may be, working in it. */
export function isLiveSession(container: RawContainer): boolean {
	return container.State === 'running' && typeof container.Labels?.[sessionLabel] === 'string';
}

/** The live Kasm sessions of a listing already fetched. */
export function countLiveSessions(containers: readonly RawContainer[]): number {
	return containers.filter(container => isLiveSession(container)).length;
}

/** The live Kasm sessions on the daemon now: one listing, filtered by the daemon. */
export async function liveSessionsNow(engine: Engine): Promise<number> {
	const raw = await engine.readList<RawContainer>('list Kasm sessions', async ({docker, signal}) =>
		docker.listContainers({filters: {label: [sessionLabel], status: ['running']}, abortSignal: signal}),
	);
	// The daemon filtered them; counted again so a daemon that ignores the filter cannot inflate it.
	return countLiveSessions(Array.isArray(raw) ? raw : []);
}
