import type {EngineVersion} from '../docker/engine.js';
import {listAllContainers, type RawContainer} from '../docker/containers.js';
import {containersByImage, imagesWithUsage, listRawImages, type ImageWithUsage} from '../docker/images.js';
import {isLiveSession} from '../docker/sessions.js';
import {HostPool, unreachableReason, withDeadline} from '../hosts/pool.js';
import type {FleetHost} from '../hosts/selection.js';
import {RegistrySession} from '../registry/session.js';
import {digestPattern} from '../registry/manifest.js';
import {usesContainerdStore} from '../docker/generation.js';
import {compareNames} from '../text.js';
import {insecureRegistriesOf} from './context.js';
import {ImageUpdateChecker, type ImageUpdate} from './image-updates.js';

/** The label Kasm puts on its workspace images. */
export const kasmImageLabel = 'com.kasmweb.image';

/** One repository:tag as one host has it. */
export interface FleetImageCell {
	/** `current`: the registry's build for the tag; `behind`: an older one; `unknown`: the registry could not say. */
	state: 'current' | 'behind' | 'unknown';
	/** The build, by the digest the registry knows it by (else its image id): the same build has the same one on every host. */
	build: string;
	id: string;
	size: number;
	/** The containers (running or not) made from it. */
	containers: string[];
	/** Of those, the running Kasm sessions (label kasm.kasmid). */
	sessions: number;
	/** Why `unknown`. */
	updateError?: string;
}

/** A repository:tag across the fleet: each host that answered has it (a cell) or is missing it. */
export interface FleetImageRow {
	repository: string;
	tag: string;
	/** A Kasm workspace image (com.kasmweb.image=true) on some host. */
	kasmImage: boolean;
	/** The tag's digest in its registry, from one HEAD for the whole fleet; null when it could not be read. */
	registryDigest: string | null;
	/** Host name → its build, or 'missing'. Hosts that did not answer are not here. */
	hosts: Record<string, FleetImageCell | 'missing'>;
	/** The hosts that answered do not all have the same build (or some are missing it). */
	drift: boolean;
}

export type ImageHostReading =
	| {host: FleetHost; reachable: true; engine: EngineVersion; images: number}
	| {host: FleetHost; reachable: false; error: string};

export interface FleetImagesReading {
	hosts: ImageHostReading[];
	images: FleetImageRow[];
	/** Each registry that reported its pull allowance: `ratelimit-remaining` as it sent it. */
	rateLimits: Array<{registry: string; remaining: string}>;
}

export interface FleetImagesOptions {
	/** The connections, bounded and closed by its owner; default: a pool of its own, closed at the end. */
	pool?: HostPool;
	/** Each host as soon as it answered (or was given up), before the registry is asked. */
	onHost?: (reading: ImageHostReading) => void;
	/** How long the registry checks may take, all together; default 30 s. */
	updateTimeoutMs?: number;
	/** The run's registry answers and credentials; default: a session of its own. */
	registries?: RegistrySession;
}

interface HostImages {
	reading: Extract<ImageHostReading, {reachable: true}>;
	images: ImageWithUsage[];
	kasmIds: Set<string>;
	sessionsByImage: Map<string, number>;
	insecureRegistries: string[];
}

async function readHostImages(host: FleetHost, pool: HostPool): Promise<HostImages | ImageHostReading> {
	const began = performance.now();
	try {
		const engine = await pool.hold(host);
		const [version, info, raw, containers] = await withDeadline(
			Promise.all([engine.version(), engine.info(), listRawImages(engine), listAllContainers(engine)]),
			pool.readTimeLeft(host, began),
			host.target.address,
			() => pool.disconnect(host),
			pool.readTimeoutMs,
		);
		const containerdStore = usesContainerdStore(info);
		const images = imagesWithUsage(raw, containers)
			.filter(image => !image.dangling && image.tag !== '<none>')
			.map(image => (containerdStore ? withIdAsDigest(image) : image));
		return {
			reading: {host, reachable: true, engine: version, images: images.length},
			images,
			kasmIds: new Set(raw.filter(image => image.Labels?.[kasmImageLabel] === 'true').map(image => image.Id ?? '')),
			sessionsByImage: sessionsByImage(containers),
			insecureRegistries: insecureRegistriesOf(info),
		};
	} catch (error) {
		return {host, reachable: false, error: unreachableReason(error)};
	} finally {
		pool.release(host);
	}
}

function sessionsByImage(containers: readonly RawContainer[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const [id, names] of containersByImage(containers.filter(container => isLiveSession(container)))) {
		counts.set(id, names.length);
	}

	return counts;
}

/**
 * On the containerd store (where the Id is the manifest or index digest it was pulled by, and
 * RepoDigests may be missing) an image is known by its Id too, so `current` can be told on every
 * store. Never on the classic one: its Id is a config digest, and every local tag would be asked of a registry.
 */
function withIdAsDigest(image: ImageWithUsage): ImageWithUsage {
	const named = image.repoDigests.some(repoDigest => repoDigest.startsWith(`${image.repository}@`));
	if (named || !digestPattern.test(image.id)) {
		return image;
	}

	return {...image, repoDigests: [...image.repoDigests, `${image.repository}@${image.id}`]};
}

function buildOf(image: ImageWithUsage): string {
	const own = image.repoDigests.find(repoDigest => repoDigest.startsWith(`${image.repository}@`));
	return own ? own.slice(own.lastIndexOf('@') + 1) : image.id;
}

function cellOf(image: ImageWithUsage, update: ImageUpdate, host: HostImages): FleetImageCell {
	return {
		state: update.updateAvailable === null ? 'unknown' : update.updateAvailable ? 'behind' : 'current',
		build: buildOf(image),
		id: image.id,
		size: image.size,
		containers: image.usedBy.containers,
		sessions: host.sessionsByImage.get(image.id) ?? 0,
		...(update.updateAvailable === null ? {updateError: update.updateError} : {}),
	};
}

/**
 * The images × hosts matrix: every host through the pool, each within its own deadline; then one
 * registry check per repository:tag for the whole fleet (a HEAD, kept for the run), and each
 * host's build marked current, behind or unknown; missing where a host that answered lacks it.
 */
export async function readFleetImages(hosts: readonly FleetHost[], options: FleetImagesOptions = {}): Promise<FleetImagesReading> {
	const pool = options.pool ?? new HostPool();
	const registries = options.registries ?? new RegistrySession({timeoutMs: pool.readTimeoutMs});
	try {
		const answers = await Promise.all(
			hosts.map(async host => {
				const answer = await readHostImages(host, pool);
				options.onHost?.('reading' in answer ? answer.reading : answer);
				return answer;
			}),
		);
		const answered = answers.filter((answer): answer is HostImages => 'reading' in answer);
		// One checker for the fleet: its tag digests are asked once however many hosts hold the tag.
		const checker = new ImageUpdateChecker({
			registry: registries.clientFor([...new Set(answered.flatMap(answer => answer.insecureRegistries))]),
			concurrency: 8,
		});
		const subjects = answered.flatMap(host => host.images.map(image => ({host, image})));
		const updates = await checker.checkAll(
			subjects.map(subject => subject.image),
			{timeoutMs: options.updateTimeoutMs ?? 30_000},
		);
		const rows = new Map<string, FleetImageRow>();
		for (const [index, {host, image}] of subjects.entries()) {
			const key = `${image.repository}:${image.tag}`;
			let row = rows.get(key);
			if (!row) {
				row = {repository: image.repository, tag: image.tag, kasmImage: false, registryDigest: null, hosts: {}, drift: false};
				rows.set(key, row);
			}

			const update = updates[index]!;
			row.kasmImage ||= host.kasmIds.has(image.id);
			if (update.updateAvailable !== null) {
				row.registryDigest = update.registryDigest;
			}

			row.hosts[host.reading.host.name] = cellOf(image, update, host);
		}

		for (const row of rows.values()) {
			for (const host of answered) {
				row.hosts[host.reading.host.name] ??= 'missing';
			}

			const builds = new Set(Object.values(row.hosts).map(cell => (cell === 'missing' ? 'missing' : cell.build)));
			row.drift = builds.size > 1;
		}

		return {
			hosts: answers.map(answer => ('reading' in answer ? answer.reading : answer)),
			images: [...rows.values()].sort((a, b) => compareNames(a.repository, b.repository) || compareNames(a.tag, b.tag)),
			rateLimits: [...registries.rateLimitRemaining()].map(([registry, remaining]) => ({registry, remaining})),
		};
	} finally {
		if (!options.pool) {
			pool.close();
		}
	}
}
