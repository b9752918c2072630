import {parseReference} from './reference.js';
import {isRolling} from '../rolling.js';
import {compareNames, safeText} from '../text.js';
import type {Engine} from './engine.js';
import {settingsOf, type PluginSetting, type RawSettingsSource} from './plugin-settings.js';

/** What the daemon asks an operator to grant, in the daemon's own shape (`docker plugin install`). */
export interface Privilege {
	name: string;
	description: string;
	value: string[];
}

/** A managed plugin as the operator thinks of it. Every string is safe to print. */
export interface Plugin {
	/** The local name, alias included: `kasmweb/sidecar:amd64-1.2-rolling`. */
	name: string;
	/** The remote it was installed from, what an upgrade pulls. */
	reference: string;
	/** The tag of that remote, or '' when it was installed by digest. */
	tag: string;
	id: string;
	enabled: boolean;
	/** Kasm's rule: the name ends in `-rolling…`, so automated updates may replace it. */
	rolling: boolean;
	description: string;
	/** Interface types, e.g. `docker.volumedriver/1.0`. */
	types: string[];
	privileges: Privilege[];
	/** The socket inside the plugin, under /run/docker/plugins/<id>/. */
	socket: string;
	/** Content identity of the installed build: the rootfs layer digests. */
	diffIds: string[];
	/** Its env, mounts, devices and args, with what it runs with and which may be set (`docker plugin set`). */
	settings?: PluginSetting[];
}

/** The Engine API's plugin object; every field optional, because the daemon's text is not trusted. */
export interface RawPlugin {
	Id?: string;
	Name?: string;
	Enabled?: boolean;
	PluginReference?: string;
	Config?: RawPluginConfig;
	Settings?: RawSettingsSource['Settings'];
}

export interface RawPluginConfig {
	Description?: string;
	Interface?: {Types?: Array<string | {Prefix?: string; Capability?: string; Version?: string}>; Socket?: string};
	Network?: {Type?: string};
	IpcHost?: boolean;
	PidHost?: boolean;
	Mounts?: Array<{Source?: string | null}>;
	Linux?: {Capabilities?: string[] | null; AllowAllDevices?: boolean; Devices?: Array<{Path?: string | null}> | null};
	rootfs?: {diff_ids?: string[]};
}

export async function listPlugins(engine: Engine): Promise<Plugin[]> {
	const raw = await engine.readList<RawPlugin>('list plugins', async ({docker, signal}) => docker.listPlugins({abortSignal: signal}));
	return raw.map(plugin => toPlugin(plugin)).sort((a, b) => compareNames(a.name, b.name));
}

export function toPlugin(raw: RawPlugin): Plugin {
	const config = raw.Config ?? {};
	const reference = safeText(raw.PluginReference ?? '');
	return {
		name: safeText(raw.Name),
		reference,
		tag: tagOf(reference),
		id: safeText(raw.Id),
		enabled: Boolean(raw.Enabled),
		rolling: isRolling(safeText(raw.Name)),
		description: safeText(config.Description ?? ''),
		types: (config.Interface?.Types ?? []).map(type =>
			typeof type === 'string' ? safeText(type) : safeText(`${type.Prefix}.${type.Capability}/${type.Version}`),
		),
		privileges: privilegesOf(config),
		socket: safeText(config.Interface?.Socket ?? ''),
		diffIds: (config.rootfs?.diff_ids ?? []).map(id => safeText(id)),
		settings: settingsOf(raw as RawSettingsSource),
	};
}

function tagOf(reference: string): string {
	try {
		return parseReference(reference).tag ?? '';
	} catch {
		return '';
	}
}

/** The daemon's own rule (moby plugin/backend_linux.go computePrivileges), so what we show is what it asks. */
export function privilegesOf(config: RawPluginConfig): Privilege[] {
	const privileges: Privilege[] = [];
	const networkType = config.Network?.Type ?? '';
	if (networkType !== '' && networkType !== 'null' && networkType !== 'bridge') {
		privileges.push({name: 'network', description: 'permissions to access a network', value: [safeText(networkType)]});
	}

	if (config.IpcHost) {
		privileges.push({name: 'host ipc namespace', description: 'allow access to host ipc namespace', value: ['true']});
	}

	if (config.PidHost) {
		privileges.push({name: 'host pid namespace', description: 'allow access to host pid namespace', value: ['true']});
	}

	for (const mount of config.Mounts ?? []) {
		if (mount.Source) {
			privileges.push({name: 'mount', description: 'host path to mount', value: [safeText(mount.Source)]});
		}
	}

	const linux = config.Linux;
	for (const device of linux?.Devices ?? []) {
		if (device.Path) {
			privileges.push({name: 'device', description: 'host device to access', value: [safeText(device.Path)]});
		}
	}

	if (linux?.AllowAllDevices) {
		privileges.push({name: 'allow-all-devices', description: "allow 'rwm' access to all devices", value: ['true']});
	}

	if (linux?.Capabilities?.length) {
		privileges.push({name: 'capabilities', description: 'list of additional capabilities required', value: linux.Capabilities.map(c => safeText(c))});
	}

	return privileges;
}
