import {containerName, type RawContainer} from './containers.js';
import type {Engine} from './engine.js';
import {sessionLabel} from './sessions.js';
import {safeText} from '../text.js';

/**
 * Kasm's own services are the `kasm_*` containers of its docker-compose file (kasm_agent,
 * kasm_api, …), each from `kasmweb/<service>:<release>`: their image tags say which Kasm
 * release runs on the host.
 */
export function releaseOfImage(image: string): string | undefined {
	const slash = image.lastIndexOf('/');
	const colon = image.lastIndexOf(':');
	if (colon <= slash) {
		return undefined;
	}

	return /^(\d+\.\d+\.\d+)(?:$|[-+.])/.exec(image.slice(colon + 1))?.[1];
}

/** The Kasm releases the host's `kasm_*` service containers run, newest first; none when Kasm is not installed here. */
export function kasmReleases(containers: readonly RawContainer[]): string[] {
	const releases = new Set<string>();
	for (const container of containers) {
		const release = isKasmService(container) && typeof container.Image === 'string' ? releaseOfImage(container.Image) : undefined;
		if (release) {
			releases.add(release);
		}
	}

	return [...releases].sort((a, b) => compareVersions(b, a));
}

/** The Kasm releases on the daemon now: one listing of the containers named kasm_… */
export async function kasmReleasesNow(engine: Engine): Promise<string[]> {
	const raw = await engine.readList<RawContainer>('list Kasm services', async ({docker, signal}) =>
		docker.listContainers({all: true, filters: {name: ['kasm_']}, abortSignal: signal}),
	);
	return kasmReleases(Array.isArray(raw) ? raw : []);
}

/** A container of Kasm's own services: named kasm_… (its compose file's), not a user's session. */
export function isKasmService(container: RawContainer): boolean {
	return containerName(container).startsWith('kasm_') && typeof container.Labels?.[sessionLabel] !== 'string';
}

/** Kasm's service containers on the daemon now, by name (made safe), with whether each runs. */
export async function kasmServicesNow(engine: Engine): Promise<Array<{name: string; running: boolean}>> {
	const raw = await engine.readList<RawContainer>('list Kasm services', async ({docker, signal}) =>
		docker.listContainers({all: true, filters: {name: ['kasm_']}, abortSignal: signal}),
	);
	return (Array.isArray(raw) ? raw : [])
		.filter(container => isKasmService(container))
		.map(container => ({name: safeText(containerName(container)), running: container.State === 'running'}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** `20.10.24+dfsg1` → [20, 10, 24]: the numbers a version starts with. */
export function versionNumbers(version: string): number[] {
	const numbers = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
	return numbers ? [Number(numbers[1]), Number(numbers[2] ?? 0), Number(numbers[3] ?? 0)] : [];
}

export function compareVersions(a: string, b: string): number {
	const [left, right] = [versionNumbers(a), versionNumbers(b)];
	for (let index = 0; index < 3; index++) {
		const difference = (left[index] ?? 0) - (right[index] ?? 0);
		if (difference !== 0) {
			return difference;
		}
	}

	return 0;
}
