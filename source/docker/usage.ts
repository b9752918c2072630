import {normaliseReference} from './reference.js';
import {compareNames, safeText} from '../text.js';
import {containerName, listAllContainers, type RawContainer} from './containers.js';
import type {Engine} from './engine.js';
import {listPlugins, type Plugin} from './plugins.js';

/** Who depends on a plugin: names of the networks, volumes and containers that use it, sorted. */
export interface PluginUsage {
	networks: string[];
	volumes: string[];
	containers: string[];
}

export type PluginWithUsage = Plugin & {usedBy: PluginUsage};

export interface RawNetwork {
	Id?: string;
	Name?: string;
	Driver?: string;
	IPAM?: {Driver?: string} | null;
}

export interface RawVolume {
	Name?: string;
	Driver?: string;
}

/** The three listings the index is built from, as the Engine API returns them. */
export interface UsageListings {
	networks: RawNetwork[];
	volumes: RawVolume[];
	containers: RawContainer[];
}

export function isInUse(usage: PluginUsage): boolean {
	return usage.networks.length > 0 || usage.volumes.length > 0 || usage.containers.length > 0;
}

/** Kasm's compose file names its containers, networks and volumes kasm_…: those go with its stop. */
const isKasms = (name: string) => name.startsWith('kasm_');

/** What uses the plugin besides Kasm's services: stopping Kasm would not free it from these. */
export function usageBesidesKasm(usage: PluginUsage): PluginUsage {
	return {
		networks: usage.networks.filter(name => !isKasms(name)),
		volumes: usage.volumes.filter(name => !isKasms(name)),
		containers: usage.containers.filter(name => !isKasms(name)),
	};
}

/** Only Kasm's services use the plugin: a Kasm restart would free it. */
export function usedOnlyByKasm(usage: PluginUsage): boolean {
	return isInUse(usage) && !isInUse(usageBesidesKasm(usage));
}

/** One line naming what uses a plugin: `2 networks (a, b), 1 container (c)`. */
export function describeUsage(usage: PluginUsage, limit = 3): string {
	const part = (noun: string, names: string[]) =>
		names.length === 0
			? ''
			: `${names.length} ${noun}${names.length === 1 ? '' : 's'} (${names.slice(0, limit).map(name => safeText(name)).join(', ')}${names.length > limit ? ', …' : ''})`;
	return [part('network', usage.networks), part('volume', usage.volumes), part('container', usage.containers)].filter(Boolean).join(', ');
}

/** A driver or plugin name in one spelling: `sshfs`, `sshfs:latest` and `docker.io/library/sshfs` agree. */
export function pluginKey(name: string): string {
	return normaliseReference(name.trim());
}

/**
 * Which networks, volumes and containers use each plugin, from one listing each of networks, volumes
 * and containers fetched in parallel: the cost does not grow with the number of plugins.
 */
export async function usageIndex(engine: Engine, plugins: Array<Pick<Plugin, 'name'>>): Promise<Map<string, PluginUsage>> {
	const listings = await fetchUsageListings(engine);
	return buildUsageIndex(
		plugins.map(plugin => plugin.name),
		listings,
	);
}

/** The plugins, each with what uses it: four API calls in parallel, however many plugins there are. */
export async function listPluginsWithUsage(engine: Engine): Promise<PluginWithUsage[]> {
	return (await listPluginsAndContainers(engine)).plugins;
}

/** The plugins with their usage, and the containers listing it was made from: live Kasm sessions and Kasm's services are read from it too, not asked for again. */
export async function listPluginsAndContainers(engine: Engine): Promise<{plugins: PluginWithUsage[]; containers: RawContainer[]}> {
	const [plugins, listings] = await Promise.all([listPlugins(engine), fetchUsageListings(engine)]);
	const index = buildUsageIndex(
		plugins.map(plugin => plugin.name),
		listings,
	);
	return {plugins: plugins.map(plugin => ({...plugin, usedBy: index.get(plugin.name) ?? emptyUsage()})), containers: listings.containers};
}

/** The three listings the usage index needs, fetched in parallel; the screen shares their containers with the images. */
export async function fetchUsageListings(engine: Engine): Promise<UsageListings> {
	const [networks, volumes, containers] = await Promise.all([
		engine.readList<RawNetwork>('list networks', async ({docker, signal}) => docker.listNetworks({abortSignal: signal})),
		engine.readObject<{Volumes?: RawVolume[] | null}>('list volumes', async ({docker, signal}) => docker.listVolumes({abortSignal: signal})),
		listAllContainers(engine),
	]);
	return {
		networks: Array.isArray(networks) ? networks : [],
		volumes: Array.isArray(volumes?.Volumes) ? volumes.Volumes : [],
		containers,
	};
}

/**
 * The matching itself, without the daemon: a network uses a plugin when its driver or IPAM driver
 * is the plugin; a volume when its driver is; a container when it is attached to such a network or
 * mounts such a volume (or any volume of the plugin's driver, listed or not).
 */
export function buildUsageIndex(pluginNames: string[], listings: UsageListings): Map<string, PluginUsage> {
	const byKey = new Map<string, string>();
	const found = new Map<string, {networks: Set<string>; volumes: Set<string>; containers: Set<string>}>();
	for (const name of pluginNames) {
		byKey.set(pluginKey(name), name);
		found.set(name, {networks: new Set(), volumes: new Set(), containers: new Set()});
	}

	const pluginOf = (driver: unknown) => (typeof driver === 'string' && driver !== '' ? byKey.get(pluginKey(driver)) : undefined);
	// Network name or id, and volume name → the plugins behind it.
	const networkPlugins = new Map<string, Set<string>>();
	const volumePlugins = new Map<string, Set<string>>();
	const remember = (map: Map<string, Set<string>>, key: string | undefined, plugin: string) => {
		if (key) {
			map.set(key, (map.get(key) ?? new Set()).add(plugin));
		}
	};

	for (const network of listings.networks) {
		for (const plugin of new Set([pluginOf(network.Driver), pluginOf(network.IPAM?.Driver)])) {
			if (plugin && network.Name) {
				found.get(plugin)!.networks.add(safeText(network.Name));
				remember(networkPlugins, network.Name, plugin);
				remember(networkPlugins, network.Id, plugin);
			}
		}
	}

	for (const volume of listings.volumes) {
		const plugin = pluginOf(volume.Driver);
		if (plugin && volume.Name) {
			found.get(plugin)!.volumes.add(safeText(volume.Name));
			remember(volumePlugins, volume.Name, plugin);
		}
	}

	for (const container of listings.containers) {
		const users = new Set<string>();
		const settings = container.NetworkSettings?.Networks ?? {};
		const attached = [...Object.keys(settings), ...Object.values(settings).map(endpoint => endpoint?.NetworkID), container.HostConfig?.NetworkMode];
		for (const network of attached) {
			for (const plugin of (network && networkPlugins.get(network)) || []) {
				users.add(plugin);
			}
		}

		for (const mount of container.Mounts ?? []) {
			if (mount.Type !== 'volume') {
				continue;
			}

			for (const plugin of (mount.Name && volumePlugins.get(mount.Name)) || []) {
				users.add(plugin);
			}

			// A plugin's volume missing from the listing (its driver did not list it, or is disabled) still counts.
			const byDriver = pluginOf(mount.Driver);
			if (byDriver) {
				users.add(byDriver);
				if (mount.Name) {
					found.get(byDriver)!.volumes.add(safeText(mount.Name));
				}
			}
		}

		for (const plugin of users) {
			found.get(plugin)!.containers.add(safeText(containerName(container)));
		}
	}

	const sorted = (names: Set<string>) => [...names].sort(compareNames);
	return new Map(
		[...found].map(([name, usage]) => [name, {networks: sorted(usage.networks), volumes: sorted(usage.volumes), containers: sorted(usage.containers)}]),
	);
}

export function emptyUsage(): PluginUsage {
	return {networks: [], volumes: [], containers: []};
}
