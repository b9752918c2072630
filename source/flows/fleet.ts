import packageJson from '../../package.json' with {type: 'json'};
import {diskSummary, readDiskUsage, type DiskSummary} from '../docker/disk.js';
import type {Engine, EngineVersion} from '../docker/engine.js';
import {relateDaemons, type DaemonIdentity} from '../docker/identity.js';
import {HostPool, unreachableReason, withDeadline} from '../hosts/pool.js';
import type {FleetHost} from '../hosts/selection.js';
import {kasmReleases} from '../docker/kasm.js';
import {countLiveSessions} from '../docker/sessions.js';
import {listPluginsAndContainers, type PluginWithUsage} from '../docker/usage.js';
import {currentUser} from '../ledger/ledger.js';
import type {RegistryClient} from '../registry/client.js';
import {RegistrySession} from '../registry/session.js';
import {loadTransport} from '../registry/transport.js';
import {parseReference} from '../docker/reference.js';
import {safeText} from '../text.js';
import {locateBuild} from './builds.js';
import {insecureRegistriesOf} from './context.js';
import {hostLedger} from './host-ledger.js';
import {observePlugins, unobserved} from './observe.js';

/** A plugin as one host of the fleet runs it. */
export interface FleetPlugin extends PluginWithUsage {
	/** The release tag that holds the very build it runs (by content), when its registry says. */
	build?: string;
	/** Why no release tag could be named: the registry did not answer, or no tag holds the build. */
	buildError?: string;
	/** Another host that answered runs a different build under the same name. */
	drift: boolean;
}

export type HostReading =
	| {
			host: FleetHost;
			reachable: true;
			engine: EngineVersion;
			daemonId: string;
			/** The daemon's ID with its name and data root: who it is. */
			identity: DaemonIdentity;
			plugins: FleetPlugin[];
			/** Another host of the fleet is this very daemon (the same ID, name and data root at another address). */
			sameDaemonAs?: string;
			/** Another host of the fleet reports this engine ID but is another machine (a clone): both are kept, each with its own ledger. */
			sharesEngineIdWith?: string;
			/** Running containers labelled kasm.kasmid: Kasm's users at work there. */
			liveSessions: number;
			/** The Kasm releases its kasm_* services run, newest first; empty without Kasm. */
			kasm: string[];
			/** What its images take and what could be reclaimed (/system/df); undefined when it did not say in time, and diskError says why. */
			disk?: DiskSummary;
			diskError?: string;
	  }
	| {host: FleetHost; reachable: false; error: string};

export interface FleetOptions {
	/** Each host's own limit for answering, when this read makes its own pool; one that is slow or down never holds the others up. */
	timeoutMs?: number;
	ledgerDir?: string;
	/** Nothing is written: no `observed` entries. */
	readOnly?: boolean;
	/** Each host as soon as it answered (or was given up), before the builds are named. */
	onHost?: (reading: HostReading) => void;
	/** A host not heard from for a few seconds while it is read (its connect included). */
	onSilent?: (host: string, silentMs: number) => void;
	/** The connections, bounded and closed by its owner (main opens them while this code loads); default: a pool of its own, closed at the end. */
	pool?: HostPool;
}

export {unreachableReason, withDeadline} from '../hosts/pool.js';

interface Answered {
	reading: Extract<HostReading, {reachable: true}>;
	insecureRegistries: string[];
}

interface ReadContext extends FleetOptions {
	pool: HostPool;
	registries: RegistrySession;
}

async function readHost(host: FleetHost, options: ReadContext): Promise<Answered | HostReading> {
	const {pool} = options;
	const began = performance.now();
	try {
		// Inside the try: a host that cannot even be opened (TLS files that are no good) is that host's failure.
		const engine = await pool.hold(host);
		const [version, info, identity, {plugins, containers}] = await withDeadline(
			Promise.all([engine.version(), engine.info(), engine.identity(), listPluginsAndContainers(engine)]),
			pool.readTimeLeft(host, began),
			host.target.address,
			() => pool.disconnect(host),
			pool.readTimeoutMs,
		);
		const answered: Answered = {
			reading: {
				host,
				reachable: true,
				engine: version,
				daemonId: identity.id,
				identity,
				plugins: plugins.map(plugin => ({...plugin, drift: false})),
				liveSessions: countLiveSessions(containers),
				kasm: kasmReleases(containers),
			},
			insecureRegistries: insecureRegistriesOf(info),
		};
		// Drawn now; the ledger's bookkeeping below is no reason to keep the screen waiting.
		options.onHost?.(answered.reading);
		// Then its disk, within what is left of the same deadline: a host whose count is slow (a daemon
		// sizing thousands of layers) has been drawn with its plugins all the same.
		const disk = await withDeadline(readDiskUsage(engine), pool.readTimeLeft(host, began), host.target.address, () => {}, pool.readTimeoutMs).then(
			usage => ({disk: diskSummary(usage)}),
			(error: unknown) => ({diskError: unreachableReason(error)}),
		);
		// The disk's figures join the reading the run returns; the host is drawn without waiting for them.
		// A new object: what onHost was handed is never changed afterwards.
		answered.reading = {...answered.reading, ...disk};
		if (!options.readOnly) {
			await observeHost(engine, plugins, answered.insecureRegistries, options);
		}

		return answered;
	} catch (error) {
		const reading: HostReading = {host, reachable: false, error: unreachableReason(error)};
		options.onHost?.(reading);
		return reading;
	} finally {
		pool.release(host);
	}
}

/** As `kasm-tui plugins` does: what the ledger does not know yet becomes an `observed` entry, its digest proven while its tag names it. */
async function observeHost(engine: Engine, plugins: PluginWithUsage[], insecureRegistries: string[], options: ReadContext): Promise<void> {
	try {
		const ledger = await hostLedger(engine, options);
		if (unobserved(ledger, plugins).length > 0) {
			await observePlugins({ledger, user: currentUser(), version: packageJson.version, registry: options.registries.clientFor(insecureRegistries)}, plugins);
		}
	} catch {
		// A ledger that cannot be written is said when a change is tried; the listing goes on.
	}
}

/**
 * Every host through the pool (at most --parallel connecting at once), each within its own
 * deadline; then the release tag of each build (one registry lookup per distinct build, shared
 * by the hosts that run it, every answer asked once for the run) and the drift marks.
 */
export async function readFleet(hosts: readonly FleetHost[], options: FleetOptions = {}): Promise<HostReading[]> {
	const pool = options.pool ?? new HostPool({readTimeoutMs: options.timeoutMs});
	const registries = new RegistrySession({timeoutMs: pool.readTimeoutMs});
	const stopWatching = options.onSilent ? pool.watchSilence(options.onSilent) : () => {};
	try {
		const answering = hosts.map(async host => readHost(host, {...options, pool, registries}));
		// While the hosts answer, the registry client's code loads: the builds are named right after.
		loadTransport();
		const answers = await Promise.all(answering);
		// Copies: what onHost was handed is never changed afterwards (the screen keeps it as it was drawn).
		const readings = answers.map((answer): HostReading => ('reading' in answer ? {...answer.reading, plugins: answer.reading.plugins.map(plugin => ({...plugin}))} : answer));
		const registry = registries.clientFor([...new Set(answers.flatMap(answer => ('reading' in answer ? answer.insecureRegistries : [])))]);
		await nameBuilds(readings, registry);
		markDrift(readings);
		markSameDaemons(readings);
		return readings;
	} finally {
		stopWatching();
		if (!options.pool) {
			pool.close();
		}
	}
}

/** The release tag of each build by content, asked once per repository and build. */
async function nameBuilds(readings: HostReading[], registry: RegistryClient): Promise<void> {
	const asked = new Map<string, Promise<{tag?: string; error?: string}>>();
	const work: Array<Promise<void>> = [];
	for (const reading of readings) {
		if (!reading.reachable) {
			continue;
		}

		for (const plugin of reading.plugins) {
			let repository: string;
			try {
				const {registry: host, repository: path} = parseReference(plugin.reference || plugin.name);
				repository = `${host}/${path}`;
			} catch {
				plugin.buildError = 'its reference names no repository';
				continue;
			}

			const key = `${repository} ${plugin.diffIds.join(',')}`;
			let answer = asked.get(key);
			if (!answer) {
				answer = locateBuild({registry, engineVersion: reading.engine}, plugin.reference || plugin.name, {diffIds: plugin.diffIds}, plugin.tag).then(
					search => ('location' in search && search.location.tag ? {tag: search.location.tag} : {error: 'no release tag in its registry holds this build'}),
					(error: unknown) => ({error: safeText((error as Error).message).slice(0, 200)}),
				);
				asked.set(key, answer);
			}

			work.push(
				answer.then(({tag, error}) => {
					plugin.build = tag;
					plugin.buildError = error;
				}),
			);
		}
	}

	await Promise.all(work);
}

/** The plugin names that run different builds (by content) on the hosts that answered. */
export function driftingNames(readings: readonly HostReading[]): Set<string> {
	const builds = new Map<string, Set<string>>();
	for (const reading of readings) {
		for (const plugin of reading.reachable ? reading.plugins : []) {
			builds.set(plugin.name, (builds.get(plugin.name) ?? new Set()).add(plugin.diffIds.join(',')));
		}
	}

	return new Set([...builds].filter(([, found]) => found.size > 1).map(([name]) => name));
}

function markDrift(readings: HostReading[]): void {
	const drifting = driftingNames(readings);
	for (const reading of readings) {
		for (const plugin of reading.reachable ? reading.plugins : []) {
			plugin.drift = drifting.has(plugin.name);
		}
	}
}

function markSameDaemons(readings: HostReading[]): void {
	const relations = relateDaemons(readings.map(reading => ({name: reading.host.name, identity: reading.reachable ? reading.identity : undefined})));
	for (const [index, reading] of readings.entries()) {
		if (reading.reachable) {
			Object.assign(reading, relations[index]);
		}
	}
}
