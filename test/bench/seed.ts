import {installPlugin, importImage, pushPluginBuild} from '../sandbox/fixtures.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {EngineApi, pool} from './engine-api.js';

/**
 * A busy Kasm host, made fast: a few plugin builds pushed once and installed many times under
 * aliases, a few imported image builds tagged hundreds of times, containers created (never
 * started) and networks on the plugins' driver, all through pools of parallel requests.
 */
export const benchRepository = 'bench/driver';
export const pluginPrefix = 'bench/plugin-';
export const imagePrefix = 'bench/app-';

export interface SeedTimes {
	/** Milliseconds per part. */
	pushBuilds?: number;
	installPlugins?: number;
	importImages?: number;
	tagImages?: number;
	createContainers?: number;
	createNetworks?: number;
	total: number;
}

const builds = ['1.2.7', '1.2.8', '1.2.9', '1.2.10'];

/** `bench/plugin-007:amd64-1.2.9`: the tag is part of the name, as `network create -d` needs it whole. */
export function pluginName(index: number): string {
	const build = builds[index % builds.length]!;
	// Every fifth one is rolling, as Kasm's auto-updated sidecars are.
	const tag = index % 5 === 4 ? 'amd64-1.2-rolling' : `amd64-${build}`;
	return `${pluginPrefix}${String(index).padStart(3, '0')}:${tag}`;
}

/**
 * One after another: dockerd 20.10 pushing several plugins at once to an insecure registry once
 * tried HTTPS and failed ("server gave HTTP response to HTTPS client"); a failed push is tried again.
 */
export async function pushBuilds(sandbox: Sandbox): Promise<void> {
	for (const version of builds) {
		const reference = `${sandbox.registry}/${benchRepository}:amd64-${version}`;
		const push = async () => pushPluginBuild(sandbox, reference, {version, description: `bench driver ${version}`});
		await push().catch(async () => {
			await sandbox.docker(['plugin', 'rm', '--force', reference]).catch(() => {});
			await push();
		});
	}
}

/** Installs (and enables) plugins `from`..`to - 1`, each from one of the pushed builds. */
export async function installPlugins(sandbox: Sandbox, from: number, to: number, concurrency = 4): Promise<void> {
	const indexes = Array.from({length: to - from}, (_, offset) => from + offset);
	await pool(indexes, concurrency, async index => {
		const build = builds[index % builds.length]!;
		await installPlugin(sandbox, `${sandbox.registry}/${benchRepository}:amd64-${build}`, {alias: pluginName(index)});
	});
}

export interface ImageSeed {
	/** Image rows (repository:tag) on the daemon. */
	references: string[];
	/** Distinct builds (image ids). */
	builds: number;
}

/** `distinct` imported builds, then tags of them until there are `total` references. */
export async function seedImages(sandbox: Sandbox, api: EngineApi, total: number, distinct: number, times: SeedTimes): Promise<ImageSeed> {
	let began = Date.now();
	const bases = Array.from({length: distinct}, (_, index) => `${imagePrefix}base-${String(index).padStart(2, '0')}:1.0.${index}`);
	const ids: string[] = [];
	await pool(bases, 4, async (reference, index) => {
		ids[index] = await importImage(sandbox, reference, `bench build ${index}`);
	});
	times.importImages = Date.now() - began;

	began = Date.now();
	const tags = Array.from({length: total - distinct}, (_, index) => ({
		// Fifty repositories of several tags each, as a host that keeps old session images does.
		repo: `${imagePrefix}${String(index % 50).padStart(2, '0')}`,
		tag: `1.${Math.floor(index / 50)}.${index}`,
		id: ids[index % ids.length]!,
	}));
	await pool(tags, 8, async ({repo, tag, id}) => {
		await api.request('POST', `/images/${encodeURIComponent(id)}/tag?repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`);
	});
	times.tagImages = Date.now() - began;
	return {references: [...bases, ...tags.map(({repo, tag}) => `${repo}:${tag}`)], builds: distinct};
}

/** Containers created, not started, with no network: each holds an image, as stopped sessions do. */
export async function createContainers(api: EngineApi, images: string[], count: number): Promise<void> {
	const indexes = Array.from({length: count}, (_, index) => index);
	await pool(indexes, 8, async index => {
		await api.request('POST', `/containers/create?name=bench-session-${String(index).padStart(3, '0')}`, {
			Image: images[(index * 7) % images.length],
			Cmd: ['/bin/sh'],
			HostConfig: {NetworkMode: 'none'},
		});
	});
}

/** One network per plugin on its driver, each on its own /24 of 198.18.0.0/15 (benchmarking space). */
export async function createNetworks(api: EngineApi, drivers: string[]): Promise<void> {
	await pool(drivers, 4, async (driver, index) => {
		await api.request('POST', '/networks/create', {
			Name: `bench-net-${String(index).padStart(2, '0')}`,
			Driver: driver,
			CheckDuplicate: true,
			IPAM: {Driver: 'default', Config: [{Subnet: `198.18.${index}.0/24`}]},
		});
	});
}
