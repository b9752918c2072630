import {daemonSupportsDigestReferences, digestCapableReleases} from './digest-support.js';

/**
 * What the engine generations kasm-tui runs on disagree about, and how it evens them out, in
 * one place. Checked on Docker 20.10 (Engine API 1.41) and 26.1 (1.45) with the classic image
 * store, and 28.5 (1.51, containerd 2.1) with the containerd one (the default for new installs
 * from Docker 29); Docker 26.1's containerd store was checked before 28.5 replaced it:
 *
 * - The API version. A path without a version is answered in the daemon's newest, whose shapes
 *   we may never have seen (Docker 29 speaks 1.52 and 29.0-29.2 refuse anything below 1.44), so
 *   every request names the version: the daemon's newest, but no newer than the newest we tested
 *   (`apiVersionToSpeak`, 1.51: every integration test passes on 28.5 spoken to in it), which
 *   docker-modem puts before every path (api.ts). What
 *   1.46-1.51 changed touches nothing kasm-tui reads: /images/json gains `Descriptor` (1.48) and
 *   a real `Containers` count (1.51), events an image `create` (1.46), progress lines keep
 *   `error` beside `errorDetail` (deprecated in 1.48; both are read). 1.52 drops the events'
 *   `status` and `id` (`Action` and `Actor.ID` are read first). `/_ping` says the version in a
 *   header at no cost; `/version` costs the daemon a run of `runc --version` on 26.1 (8-40 ms).
 * - Plugins by digest (`repo@sha256:…`): 26.1 and 28.5 install them; 20.10 dies of them
 *   (moby/moby#47299, digest-support.ts). `generationOf(...).digestReferences` is the one answer
 *   to "may we send one".
 * - Image identity on the containerd store: an image's `Id` is its manifest (or index) digest, not
 *   its config digest; `Size` counts content differently from `docker image inspect`; the
 *   `Containers` count of /images/json is -1 below API 1.51 on every kind (counted from the
 *   containers instead, by `ImageID`, which is the image's `Id` on every kind).
 * - A build whose tag moved on (a re-pull): the classic store keeps it as an untagged row, with
 *   the RepoDigest the registry served; 28.5's containerd store keeps it too, with none; 26.1's
 *   containerd store dropped it from /images/json and from inspect, even while a container ran
 *   on it. `forgottenImages` puts such a row back, so the images pane and `images --json` say
 *   the same on every kind.
 * - RepoDigests: the classic store records one only when an image is pulled or pushed, so it is
 *   a registry's word; the containerd store names every image by its manifest digest, imported
 *   and built ones too (`repoDigestsFromRegistry`), so "is there an update?" asks the registry
 *   whether it has that digest at all before calling the image one of its builds.
 * - Pull progress: the containerd store reports `Download complete` per layer and no
 *   `Extracting` or `Pull complete`; an image id there is the digest the pull printed.
 * - Disk usage (/system/df, docker/disk.ts): `type=image` is taken from API 1.42 (20.10 ignores it
 *   and sizes containers and volumes too); every kind counts each layer once in `LayersSize`, and
 *   removing a build shrinks it by what that build alone held, on both stores; a container's listing
 *   names its image by id once the tag it was created with has moved on (Config.Image keeps the name).
 * - Image events: after an `import`, the classic store sends a `tag` event, 28.5's containerd
 *   store one just before the import, 26.1's none; an `untag` names the tag that went on the
 *   containerd store where the classic store names the image. The screen reloads on any image
 *   event, so it reads neither.
 * - A refused registry login is worded by the daemon: "unauthorized: authentication required"
 *   from the classic store, "unknown: failed to resolve reference …: 401 Unauthorized" from
 *   28.5's containerd store (26.1's said it without "unknown: "); kasm-tui's hint after it is
 *   the same on every kind.
 * - Plugins, their privileges, their errors ("is in use", "is enabled") and their events read
 *   the same on 20.10, 26.1 and 28.5. A daemon stopped in the middle of an enable differs: 20.10
 *   keeps the plugin's containerd container ("id already in use" at every enable after, which
 *   recover mends by installing the build afresh), 26.1 finishes the enable before it stops, and
 *   28.5 gives up an enable not yet past its start (no answer, ~5 s to stop, the plugin back
 *   disabled and enabling cleanly). recover reads the plugin as it finds it, so all three end
 *   settled (test/integration/recover-undo.test.ts).
 * - The docker CLI of 20.10 pushes an imported image as a Docker manifest; from the containerd
 *   store it goes out as an OCI one, which a registry only serves to a client that accepts it:
 *   every manifest read accepts both (registry/manifest.ts).
 */

/** The Engine API versions kasm-tui has been run against. */
export const testedApiVersions = {oldest: '1.41', newest: '1.51'} as const;

/** What a daemon that names no API version is spoken to in, as the docker CLI does. */
const fallbackApiVersion = '1.24';

/** `1.41` → [1, 41]; anything else is no API version. */
function apiRelease(text: string | undefined): [number, number] | undefined {
	const match = /^\s*(\d{1,3})\.(\d{1,3})\s*$/.exec(text ?? '');
	return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Negative when `a` is older than `b`, as API versions compare (1.9 < 1.41). */
export function compareApiVersions(a: string, b: string): number {
	const [aMajor, aMinor] = apiRelease(a) ?? [0, 0];
	const [bMajor, bMinor] = apiRelease(b) ?? [0, 0];
	return aMajor - bMajor || aMinor - bMinor;
}

/** The version to put in every path: the daemon's newest, capped at the newest we have tested. */
export function apiVersionToSpeak(daemonApiVersion: string | undefined): string {
	const daemon = apiRelease(daemonApiVersion);
	if (!daemon) {
		return fallbackApiVersion;
	}

	const spoken = `${daemon[0]}.${daemon[1]}`;
	return compareApiVersions(spoken, testedApiVersions.newest) > 0 ? testedApiVersions.newest : spoken;
}

/** The daemon's "client version 1.45 is too new": it was downgraded under us, so the version is learned again. */
export function isApiVersionTooNew(error: unknown): boolean {
	const cause = error as {statusCode?: unknown; json?: unknown; message?: unknown};
	const words = cause.json && typeof cause.json === 'object' && 'message' in cause.json ? String((cause.json as {message: unknown}).message) : String(cause.message ?? '');
	return cause.statusCode === 400 && /client version \S+ is too new/i.test(words);
}

/** False when the RepoDigests are only the containerd store's names for the image: its `Id` is one of them. */
export function repoDigestsFromRegistry(image: {id: string; repoDigests: readonly string[]}): boolean {
	return !image.repoDigests.some(repoDigest => repoDigest.endsWith(`@${image.id}`));
}

/**
 * The daemon keeps its images in the containerd store (`docker info`: driver-type
 * io.containerd.snapshotter.v1): an image's Id is then the digest it was pulled by.
 */
export function usesContainerdStore(info: {DriverStatus?: unknown}): boolean {
	return Array.isArray(info.DriverStatus) && info.DriverStatus.some(entry => Array.isArray(entry) && entry[0] === 'driver-type' && String(entry[1]).startsWith('io.containerd.snapshotter'));
}

/** What a flow must know of the daemon's generation before it plans. */
export interface Generation {
	/** May a plugin reference by digest be sent (moby/moby#47299)? */
	digestReferences: boolean;
	/** The releases that can, for a refusal to name: `23.0.11+, 25.0.3+ and 26.0.0+`. */
	digestCapableReleases: string;
}

export function generationOf(engineVersion: string): Generation {
	return {digestReferences: daemonSupportsDigestReferences(engineVersion), digestCapableReleases};
}

/** The fields of /images/json that forgottenImages fills in. */
export interface ForgottenImage {
	Id: string;
	RepoTags: string[];
	RepoDigests: string[];
	Size: number;
	Created: number;
}

/**
 * Rows for builds that containers still run but the image listing no longer names (the
 * containerd store forgets a build whose tag moved on; the classic one keeps it untagged):
 * untagged, of unknown size and age, as `docker image ls -a` would show them there.
 */
export function forgottenImages(listed: ReadonlyArray<{Id?: string}>, containers: ReadonlyArray<{ImageID?: string}>): ForgottenImage[] {
	const known = new Set(listed.map(image => image.Id));
	const missing = new Set<string>();
	for (const container of containers) {
		if (container.ImageID && /^sha256:[a-f\d]{64}$/.test(container.ImageID) && !known.has(container.ImageID)) {
			missing.add(container.ImageID);
		}
	}

	return [...missing].sort().map(id => ({Id: id, RepoTags: [], RepoDigests: [], Size: 0, Created: 0}));
}
