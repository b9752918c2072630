import {humanSize, safeText} from '../text.js';
import type {Engine} from './engine.js';

/** What one image build takes on the daemon's disk, as `/system/df` says. */
export interface BuildDisk {
	/** All its layers, shared ones included. */
	size: number;
	/** Its layers that other builds use too (-1 when the daemon did not count). */
	sharedSize: number;
	/** Containers created from it, running or not (-1 when the daemon did not count). */
	containers: number;
}

/** A host's image disk: what images take and what removing every build nothing uses would give back. */
export interface DiskUsage {
	/** Every image layer on the host, each counted once (`docker system df`'s SIZE of Images). */
	imagesSize: number;
	/** What is not held by a build a container uses (`docker system df`'s RECLAIMABLE). */
	reclaimable: number;
	/** Image builds (ids) listed. */
	builds: number;
	/** Each build by its id. */
	byId: Map<string, BuildDisk>;
}

/** What a screen or a host's JSON keeps of it: the figures, not each build. */
export type DiskSummary = Pick<DiskUsage, 'imagesSize' | 'reclaimable' | 'builds'>;

export function diskSummary(disk: DiskUsage): DiskSummary {
	return {imagesSize: disk.imagesSize, reclaimable: disk.reclaimable, builds: disk.builds};
}

interface RawDiskUsage {
	LayersSize?: number;
	Images?: Array<{Id?: string; Size?: number; SharedSize?: number; Containers?: number} | null> | null;
}

const count = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

/**
 * GET /system/df, images only (`type=image`, API 1.42+; older daemons ignore it and count the
 * rest too), within the engine's read deadline. The same figures on the classic store and the
 * containerd one: both count each layer once in LayersSize.
 */
export async function readDiskUsage(engine: Engine): Promise<DiskUsage> {
	const raw = await engine.readObject<RawDiskUsage>('read the disk usage', async ({dial, signal}) => dial({method: 'GET', path: '/system/df', query: {type: 'image'}, signal}));
	return diskUsageOf(raw);
}

export function diskUsageOf(raw: RawDiskUsage): DiskUsage {
	const byId = new Map<string, BuildDisk>();
	for (const image of Array.isArray(raw.Images) ? raw.Images : []) {
		if (image && typeof image.Id === 'string') {
			byId.set(safeText(image.Id), {size: Math.max(0, count(image.Size, 0)), sharedSize: count(image.SharedSize, -1), containers: count(image.Containers, -1)});
		}
	}

	const imagesSize = Math.max(0, count(raw.LayersSize, 0));
	// As the docker CLI reckons it: what the builds containers use hold on their own is not reclaimable.
	let used = 0;
	for (const build of byId.values()) {
		if (build.containers > 0 && build.sharedSize >= 0) {
			used += build.size - build.sharedSize;
		}
	}

	return {imagesSize, reclaimable: Math.max(0, imagesSize - used), builds: byId.size, byId};
}

/** What removing the build alone gives back: its layers no other build shares. */
export function ownSize(build: BuildDisk | undefined): number {
	if (!build) {
		return 0;
	}

	return build.sharedSize >= 0 ? Math.max(0, build.size - build.sharedSize) : build.size;
}

/** `images 61.2MB, 3.1MB reclaimable`: a host's image disk in a few words, sizes as the docker CLI prints them. */
export function describeDisk(disk: Pick<DiskUsage, 'imagesSize' | 'reclaimable'>): string {
	return `images ${humanSize(disk.imagesSize)}, ${humanSize(disk.reclaimable)} reclaimable`;
}
