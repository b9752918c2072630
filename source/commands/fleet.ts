import {readSettings} from '../config.js';
import {HostPool} from '../hosts/pool.js';
import {readInventory} from '../hosts/inventory.js';
import {hostsFromFlags, pickHosts, selectHosts, type FleetHost} from '../hosts/selection.js';
import {describeUsage, isInUse} from '../docker/usage.js';
import {sharedEngineIdWarning} from '../docker/identity.js';
import {KasmTuiError} from '../errors.js';
import {readFleet, type FleetPlugin, type HostReading} from '../flows/fleet.js';
import type {CommandContext} from './context.js';
import {pluginJson} from './plugins.js';
import {table} from './table.js';
import {compareNames} from '../text.js';
import {tlsVerifiedOf, unverifiedTlsWarning} from './tls.js';

/** The hosts the command line and the settings name, narrowed to the HOST… arguments given. */
export async function fleetHosts(context: CommandContext, names: string[]): Promise<FleetHost[]> {
	const selection = context.hostSelection ?? {};
	// Hosts on the command line need no settings: reading them (conf) is ~50 ms of every start.
	const loaded = hostsFromFlags(selection) ? undefined : await readSettings();
	if (loaded?.warning) {
		context.warn(loaded.warning);
	}

	const inventory = selection.inventory === undefined ? undefined : await readInventory(selection.inventory);
	return pickHosts(selectHosts(selection, {settingsHosts: loaded?.settings.hosts, inventory}), names);
}

/**
 * `kasm-tui fleet plugins [HOST…]`: each host's engine and whether it answered, and the build of
 * each plugin it runs, drift marked. Exit 1 only when no host answered.
 */
export async function fleetPluginsCommand(context: CommandContext, names: string[], pool = new HostPool({parallel: context.parallel})): Promise<void> {
	let readings: HostReading[];
	try {
		const hosts = await fleetHosts(context, names);
		warnUnverifiedTls(context, hosts);
		readings = await readFleet(hosts, {ledgerDir: context.ledgerDir, readOnly: context.readOnly, pool});
	} finally {
		// Every host's connections end here, an ssh each: nothing of ours outlives the command.
		pool.close();
	}

	warnSharedEngineIds(context, readings.map(reading => ({name: reading.host.name, sharesEngineIdWith: reading.reachable ? reading.sharesEngineIdWith : undefined})));
	if (context.json) {
		context.print(JSON.stringify({hosts: readings.map(reading => hostJson(reading))}, null, 2));
	} else {
		context.print(describeFleet(readings));
	}

	if (!readings.some(reading => reading.reachable)) {
		throw new KasmTuiError(`no host of the fleet answered (${readings.map(reading => reading.host.name).join(', ').slice(0, 300)})`);
	}
}

/** For headless fleet commands: one line on standard error naming the hosts whose certificate is not checked. */
export function warnUnverifiedTls(context: CommandContext, hosts: FleetHost[]): void {
	const warning = unverifiedTlsWarning(hosts);
	if (warning) {
		context.warn(warning);
	}
}

/** For headless fleet commands: one line on standard error for each host that shares another's engine ID (a clone). */
export function warnSharedEngineIds(context: CommandContext, hosts: ReadonlyArray<{name: string; sharesEngineIdWith?: string}>): void {
	for (const host of hosts) {
		if (host.sharesEngineIdWith) {
			context.warn(`kasm-tui: warning: ${sharedEngineIdWarning(host.name, host.sharesEngineIdWith)}`);
		}
	}
}

/** `{name, address, tlsVerified, reachable, error, engine, plugins}`: the plugin as `kasm-tui plugins --json` has it, plus its build and drift. */
export function hostJson(reading: HostReading) {
	const base = {name: reading.host.name, address: reading.host.target.address, tlsVerified: tlsVerifiedOf(reading.host.target), group: reading.host.group ?? null};
	if (!reading.reachable) {
		return {...base, reachable: false, error: reading.error, engine: null, plugins: []};
	}

	return {
		...base,
		reachable: true,
		error: null,
		engine: reading.engine.version,
		apiVersion: reading.engine.apiVersion,
		daemonId: reading.daemonId,
		daemonName: reading.identity.name,
		dataRoot: reading.identity.dataRoot,
		sameDaemonAs: reading.sameDaemonAs ?? null,
		sharesEngineIdWith: reading.sharesEngineIdWith ?? null,
		liveSessions: reading.liveSessions,
		kasm: reading.kasm,
		disk: reading.disk ?? null,
		diskError: reading.diskError ?? null,
		plugins: reading.plugins.map(plugin => ({...pluginJson(plugin), build: plugin.build ?? null, buildError: plugin.buildError ?? null, drift: plugin.drift})),
	};
}

/** Two tables for people: the hosts, then each plugin on each host. */
export function describeFleet(readings: HostReading[]): string {
	const hosts = table(readings, [
		{title: 'HOST', value: reading => reading.host.name, max: 40},
		{title: 'ADDRESS', value: reading => reading.host.target.address, max: 60},
		{title: 'ENGINE', value: reading => (reading.reachable ? reading.engine.version : '-')},
		{title: 'PLUGINS', value: reading => (reading.reachable ? String(reading.plugins.length) : '-')},
		...(readings.some(reading => reading.reachable && reading.kasm.length > 0)
			? [{title: 'KASM', value: (reading: HostReading) => (reading.reachable && reading.kasm.length > 0 ? reading.kasm.join(', ') : '-')}]
			: []),
		// Only when Kasm's users are at work somewhere: a fleet without Kasm sessions keeps its columns.
		...(readings.some(reading => reading.reachable && reading.liveSessions > 0)
			? [{title: 'SESSIONS', value: (reading: HostReading) => (reading.reachable ? String(reading.liveSessions) : '-')}]
			: []),
		{
			title: 'STATE',
			value: reading =>
				reading.reachable
					? reading.sameDaemonAs
						? `answers (the same daemon as ${reading.sameDaemonAs})`
						: reading.sharesEngineIdWith
							? `answers (! ${reading.sharesEngineIdWith}'s engine ID, another machine)`
							: 'answers'
					: `unreachable: ${reading.error}`,
			max: 120,
		},
	]);
	const rows: Array<{plugin: FleetPlugin; host: string}> = [];
	for (const reading of readings) {
		for (const plugin of reading.reachable ? reading.plugins : []) {
			rows.push({plugin, host: reading.host.name});
		}
	}

	rows.sort((a, b) => compareNames(a.plugin.name, b.plugin.name));
	if (rows.length === 0) {
		return `${hosts}\n\nno plugins installed on the hosts that answered`;
	}

	const plugins = table(rows, [
		{title: 'PLUGIN', value: ({plugin}) => `${plugin.name}${plugin.drift ? ' !' : ''}`, max: 62},
		{title: 'HOST', value: ({host}) => host, max: 40},
		{title: 'BUILD', value: ({plugin}) => plugin.build ?? `? (${plugin.tag || 'no tag'})`, max: 40},
		{title: 'ENABLED', value: ({plugin}) => (plugin.enabled ? 'yes' : 'no')},
		{title: 'ROLLING', value: ({plugin}) => (plugin.rolling ? 'yes' : 'pinned')},
		{title: 'IN USE BY', value: ({plugin}) => (isInUse(plugin.usedBy) ? describeUsage(plugin.usedBy) : '-'), max: 80},
	]);
	const drifting = [...new Set(rows.filter(row => row.plugin.drift).map(row => row.plugin.name))];
	const legend = drifting.length > 0 ? `\n\n! drift: ${drifting.join(', ')} ${drifting.length === 1 ? 'runs' : 'run'} different builds on different hosts` : '';
	return `${hosts}\n\n${plugins}${legend}`;
}
