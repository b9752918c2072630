import {readSettings} from '../../config.js';
import {HostPool, type HostPoolOptions} from '../../hosts/pool.js';
import type {FleetHost} from '../../hosts/selection.js';
import type {Plugin} from '../../docker/plugins.js';
import {readFleet, type HostReading} from '../../flows/fleet.js';
import {readFleetImages, type FleetImagesReading} from '../../flows/fleet-images.js';
import {pullToFleet, type FleetPullOutcome} from '../../flows/fleet-pull.js';
import type {LayerProgress} from '../../docker/image-pull.js';
import {closeRollout, planRollout, runRollout, type RolloutEvent, type RolloutPlan, type RolloutReport, type RolloutRequest} from '../../flows/rollout.js';
import {createHostServices, type HostServices, type PluginDetails} from './host-services.js';

/** How a rollout from the screen goes: as `fleet upgrade --canary … --batch N --max-failed N`. */
export interface RolloutOptions {
	canaries: readonly string[];
	batch?: number;
	maxFailed?: number;
}

/**
 * Everything the fleet screen asks of the hosts, in one place, so its views only ever get
 * state: the matrix through readFleet, a cell's detail through that host's single-host
 * services, rollouts through the same planner and runner as `kasm-tui fleet upgrade`.
 */
export interface FleetServices {
	hosts: readonly FleetHost[];
	readOnly: boolean;
	/** The --canary, --batch and --max-failed the screen was opened with. */
	rollout: RolloutOptions;
	/** Every host through the pool; `onHost` as each answers or is given up, `onSilent` while one says nothing; the result with builds named and drift marked. */
	read(onHost: (reading: HostReading) => void, onSilent?: (host: string, silentMs: number) => void): Promise<HostReading[]>;
	/** The images × hosts matrix, as `fleet images` reads it. */
	readImages(): Promise<FleetImagesReading>;
	/** `fleet pull`: the images to these hosts, --max-pulls (the setting) on each; counted as work under way. */
	pull(images: readonly string[], hosts: readonly string[], events: {onProgress: (host: string, progress: LayerProgress) => void; onOutcome: (outcome: FleetPullOutcome) => void}, signal: AbortSignal): Promise<FleetPullOutcome[]>;
	/** A plugin's history and registry tags on one host, as the single-host detail shows them. */
	details(host: string, plugin: Plugin): Promise<PluginDetails>;
	/** Plans every host; nothing changes on any daemon. */
	plan(request: RolloutRequest, options: RolloutOptions): Promise<RolloutPlan>;
	/** Runs a plan; counted as work under way until every host has finished or been undone. */
	run(plan: RolloutPlan, onEvent: (event: RolloutEvent) => void, signal: AbortSignal): Promise<RolloutReport>;
	/** A plan that will not run: its hosts' connections end. */
	discard(plan: RolloutPlan): void;
	/** The screen has quit: every host's connections end (each detail's and each ssh process). */
	close(): void;
}

export interface FleetServiceOptions {
	readOnly: boolean;
	ledgerDir?: string;
	rollout?: Partial<RolloutOptions>;
	/** Aborted by SIGTERM or SIGHUP: a rollout under way finishes or undoes its hosts and starts no other. */
	signal?: AbortSignal;
	/** Called when the last piece of work under way has ended. */
	onIdle?: () => void;
	/** --parallel, --step-timeout, and a read's deadline: the pool every read, detail and rollout borrows from. */
	pool?: HostPoolOptions;
}

/** A read begun before the screen was there to draw it: what arrived is handed over when it asks. */
interface EarlyRead {
	seen: HostReading[];
	onHost?: (reading: HostReading) => void;
	onSilent?: (host: string, silentMs: number) => void;
	done: Promise<HostReading[]>;
}

export function createFleetServices(hosts: readonly FleetHost[], options: FleetServiceOptions): FleetServices & {busy: () => boolean; prefetch: () => void; pool: HostPool} {
	let running = 0;
	let early: EarlyRead | undefined;
	// One pool for the screen's life: reads, details and rollouts all connect through it, and quitting closes it.
	const pool = new HostPool(options.pool);
	const readAll = async (onHost: (reading: HostReading) => void, onSilent?: (host: string, silentMs: number) => void) =>
		readFleet(hosts, {ledgerDir: options.ledgerDir, readOnly: options.readOnly, onHost, onSilent, pool});
	// Each host's single-host services, opened the first time its detail is asked for.
	const perHost = new Map<string, HostServices>();
	const hostServices = (name: string) => {
		let services = perHost.get(name);
		if (!services) {
			const host = hosts.find(candidate => candidate.name === name);
			if (!host) {
				throw new Error(`no host named ${name} in this fleet`);
			}

			services = createHostServices(host.target, {readOnly: options.readOnly, ledgerDir: options.ledgerDir, engine: async () => pool.connect(host)});
			perHost.set(name, services);
		}

		return services;
	};

	return {
		pool,
		hosts,
		readOnly: options.readOnly,
		rollout: {canaries: options.rollout?.canaries ?? [], batch: options.rollout?.batch, maxFailed: options.rollout?.maxFailed},
		async read(onHost, onSilent) {
			if (!early) {
				return readAll(onHost, onSilent);
			}

			const started = early;
			early = undefined;
			for (const reading of started.seen) {
				onHost(reading);
			}

			started.onHost = onHost;
			started.onSilent = onSilent;
			return started.done;
		},
		async readImages() {
			return readFleetImages(hosts, {pool});
		},
		async pull(images, names, events, signal) {
			running++;
			try {
				const {settings} = await readSettings();
				const stop = options.signal ? AbortSignal.any([signal, options.signal]) : signal;
				return await pullToFleet(
					hosts.filter(host => names.includes(host.name)),
					images,
					{maxPulls: settings.maxPulls, pool, readOnly: options.readOnly, signal: stop, ...events},
				);
			} finally {
				running--;
				if (running === 0) {
					options.onIdle?.();
				}
			}
		},
		async details(host, plugin) {
			return hostServices(host).details(plugin);
		},
		async plan(request, rollout) {
			return planRollout(hosts, request, {
				ledgerDir: options.ledgerDir,
				readOnly: options.readOnly,
				canaries: rollout.canaries,
				batch: rollout.batch,
				maxFailed: rollout.maxFailed,
				pool,
			});
		},
		async run(plan, onEvent, signal) {
			running++;
			try {
				const {settings} = await readSettings();
				const stop = options.signal ? AbortSignal.any([signal, options.signal]) : signal;
				return await runRollout(plan, {onEvent, signal: stop, settleMs: settings.rolloutSettleSeconds * 1000});
			} finally {
				closeRollout(plan);
				running--;
				if (running === 0) {
					options.onIdle?.();
				}
			}
		},
		discard(plan) {
			closeRollout(plan);
		},
		close() {
			pool.close();
		},
		busy: () => running > 0,
		prefetch() {
			const started: EarlyRead = {seen: [], done: Promise.resolve([])};
			started.done = readAll(
				reading => (started.onHost ? started.onHost(reading) : started.seen.push(reading)),
				(host, silentMs) => started.onSilent?.(host, silentMs),
			);
			// Read again by the screen; an early failure must not be reported as unhandled.
			started.done.catch(() => {});
			early = started;
		},
	};
}
