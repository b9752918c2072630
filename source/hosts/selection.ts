import {hostNamePattern, type HostSetting} from '../config.js';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from '../docker/target.js';
import {inventoryAddress, selectInventoryHosts, type Inventory} from './inventory.js';
import {contextTarget, defaultSocket, dockerConfigDir, listContexts, parseHost, resolveTarget} from './resolve.js';

/** One daemon of the fleet, by the name the operator gave it (or one made from its address). */
export interface FleetHost {
	name: string;
	group?: string;
	target: EngineTarget;
}

/** Where the hosts come from: flags first (`--host`…, `--context`…, `--all-contexts`), else the settings' `hosts`. */
export interface HostSelection {
	/** `--host [NAME=]ADDRESS`, as given. */
	hosts?: readonly string[];
	contexts?: readonly string[];
	allContexts?: boolean;
	/** `--inventory FILE`: a Kasm Ansible inventory names the hosts (read into HostSources.inventory). */
	inventory?: string;
	/** `--group G`: the settings' hosts of that group, or the inventory's. */
	group?: string;
	/** `--role R`: the inventory's hosts of that Kasm role, every zone's. */
	role?: string;
	/** `--tls-insecure`: TLS whose certificate nothing checks is allowed (connection.ts refuses it otherwise). */
	tlsInsecure?: boolean;
}

export interface HostSources {
	settingsHosts?: readonly HostSetting[];
	env?: NodeJS.ProcessEnv;
	/** The docker CLI's config folder (contexts); default DOCKER_CONFIG, else ~/.docker. */
	configDir?: string;
	/** `--inventory`'s file, read (readInventory): selection itself reads no file. */
	inventory?: Inventory;
}

const namePattern = new RegExp(hostNamePattern);

/** `agent-1=ssh://ops@kasm-agent-1` → a name and the address; a bare address has no name. */
export function splitHostFlag(text: string): {name?: string; address: string} {
	const match = /^([^=:/]+)=(.+)$/.exec(text.trim());
	if (!match) {
		return {address: text};
	}

	const name = match[1]!;
	if (!namePattern.test(name)) {
		throw new BadInput(`"${safeText(name).slice(0, 70)}" is not a host name: a name holds letters, digits and . _ - (at most 63), as in --host agent-1=ssh://ops@kasm-agent-1`);
	}

	return {name, address: match[2]!};
}

/** The name a host gets when none is given: the ssh or tcp host, `local` for the default socket. */
export function hostNameOf(target: EngineTarget): string {
	if (target.context) {
		return target.context;
	}

	switch (target.transport.kind) {
		case 'unix': {
			return target.transport.socketPath === defaultSocket ? 'local' : target.transport.socketPath;
		}

		case 'tcp': {
			return `${target.transport.host}:${target.transport.port}`;
		}

		case 'ssh': {
			return target.transport.host;
		}
	}
}

/** Whether the command line names the hosts (`--host`, `--context`, `--all-contexts`): then the settings' are not read. */
export function hostsFromFlags(selection: HostSelection): boolean {
	return (selection.hosts?.length ?? 0) > 0 || (selection.contexts?.length ?? 0) > 0 || Boolean(selection.allContexts) || selection.inventory !== undefined;
}

/**
 * The hosts a fleet command acts on, in the order given. Without flags: the settings' hosts (all,
 * or `--group`'s); without those either, a fleet of one, the daemon a single-host command uses.
 */
export function selectHosts(selection: HostSelection, sources: HostSources = {}): FleetHost[] {
	const env = sources.env ?? process.env;
	const folder = sources.configDir ?? dockerConfigDir(env);
	const fromFlags = hostsFromFlags(selection);
	const {tlsInsecure} = selection;
	if (selection.inventory !== undefined) {
		return distinct(inventoryHosts(selection, sources.inventory, env));
	}

	if (selection.role !== undefined) {
		throw new BadInput('--role picks from a Kasm inventory: give it with --inventory FILE');
	}

	if (fromFlags && selection.group !== undefined) {
		throw new BadInput('--group picks from the settings\' hosts or an inventory\'s: give it without --host, --context and --all-contexts');
	}

	const hosts: FleetHost[] = [];
	if (fromFlags) {
		for (const text of selection.hosts ?? []) {
			const {name, address} = splitHostFlag(text);
			const target = parseHost(address, 'flag', env, {tlsInsecure});
			hosts.push({name: name ?? hostNameOf(target), target});
		}

		const contexts = selection.allContexts ? listContexts(folder) : [];
		if (selection.allContexts && contexts.length === 0) {
			throw new BadInput(`--all-contexts found no docker context in ${safeText(folder).slice(0, 200)}: create them with "docker context create", or name hosts with --host`);
		}

		for (const context of [...(selection.contexts ?? []), ...contexts]) {
			hosts.push({name: context, target: contextTarget(context, folder)});
		}
	} else if ((sources.settingsHosts?.length ?? 0) > 0) {
		const chosen = (sources.settingsHosts ?? []).filter(host => selection.group === undefined || host.group === selection.group);
		if (chosen.length === 0) {
			const groups = [...new Set((sources.settingsHosts ?? []).map(host => host.group).filter(Boolean))].join(', ') || 'none';
			throw new BadInput(`no host in the settings is in the group "${safeText(selection.group).slice(0, 70)}" (groups: ${safeText(groups).slice(0, 200)})`);
		}

		for (const host of chosen) {
			hosts.push({name: host.name, group: host.group, target: parseHost(host.address, 'settings', env, {tlsInsecure})});
		}
	} else if (selection.group === undefined) {
		const target = resolveTarget({env, configDir: folder, tlsInsecure});
		hosts.push({name: hostNameOf(target), target});
	} else {
		throw new BadInput('--group picks from the settings\' hosts, and the settings name none: add a "hosts" list (name, address, group) to the settings');
	}

	return distinct(hosts);
}

/** An inventory's hosts (`--group`'s, `--role`'s), each `ssh://USER@HOST:PORT` with its key, through the user's own ssh. */
function inventoryHosts(selection: HostSelection, inventory: Inventory | undefined, env: NodeJS.ProcessEnv): FleetHost[] {
	if ((selection.hosts?.length ?? 0) > 0 || (selection.contexts?.length ?? 0) > 0 || selection.allContexts) {
		throw new BadInput('--inventory names the hosts: give it without --host, --context and --all-contexts');
	}

	if (!inventory) {
		throw new Error('the inventory is read before hosts are selected (readInventory)');
	}

	return selectInventoryHosts(inventory, {group: selection.group, role: selection.role}).map(host => {
		const target = parseHost(inventoryAddress(host), 'inventory', env);
		if (target.transport.kind === 'ssh' && host.keyFile) {
			target.transport.identityFile = host.keyFile;
		}

		return {name: host.name, group: host.groups[0], target};
	});
}

/** Names are how hosts are picked and reported: each must be one host's. */
function distinct(hosts: FleetHost[]): FleetHost[] {
	const byName = new Map<string, FleetHost>();
	const byAddress = new Map<string, FleetHost>();
	for (const host of hosts) {
		const sameAddress = byAddress.get(host.target.address);
		if (sameAddress) {
			throw new BadInput(`${host.target.address} is given twice (as ${sameAddress.name} and ${host.name}): give each host once`);
		}

		if (byName.has(host.name)) {
			throw new BadInput(`two hosts are named ${safeText(host.name).slice(0, 70)}: name each with --host NAME=ADDRESS`);
		}

		byName.set(host.name, host);
		byAddress.set(host.target.address, host);
	}

	return hosts;
}

/** The hosts named on the command line (`fleet upgrade PLUGIN agent-1 agent-3`), in the fleet's order; none named: all. */
export function pickHosts(hosts: FleetHost[], names: readonly string[]): FleetHost[] {
	if (names.length === 0) {
		return hosts;
	}

	const unknown = names.filter(name => !hosts.some(host => host.name === name));
	if (unknown.length > 0) {
		throw new BadInput(
			`no host named ${unknown.map(name => safeText(name).slice(0, 70)).join(', ')} in the fleet (${hosts.map(host => host.name).join(', ').slice(0, 300)})`,
		);
	}

	return hosts.filter(host => names.includes(host.name));
}
