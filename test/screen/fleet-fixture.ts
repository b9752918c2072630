import {parseHost} from '../../source/hosts/resolve.js';
import type {FleetHost} from '../../source/hosts/selection.js';
import type {FleetPlugin, HostReading} from '../../source/flows/fleet.js';
import type {HostJob, RolloutEvent, RolloutPlan, RolloutReport, RolloutRequest} from '../../source/flows/rollout.js';
import {orderRollout} from '../../source/flows/rollout-plan.js';
import type {FleetServices, RolloutOptions} from '../../source/app/services/fleet-services.js';
import {HostPool} from '../../source/hosts/pool.js';
import {RegistrySession} from '../../source/registry/session.js';
import type {FleetImageCell, FleetImagesReading} from '../../source/flows/fleet-images.js';
import type {FleetPullOutcome} from '../../source/flows/fleet-pull.js';
import {plugins as hostPlugins, rollingDetails, upgradePlan} from './fixture-services.js';

/**
 * A fixed fleet for the fleet screen's views: four hosts, two engine generations, one over
 * ssh://, one that never answers; a rolling plugin that drifts (bravo runs another build),
 * one disabled, one in use. What the screen asks to do is recorded.
 */
const build = (id: string) => [`sha256:${id.repeat(64).slice(0, 64)}`];
const [pinned, , rolling] = hostPlugins as [FleetPlugin, FleetPlugin, FleetPlugin];

const fleetPlugin = (base: FleetPlugin, fields: Partial<FleetPlugin>): FleetPlugin => ({...base, drift: false, ...fields});

export const fleetHosts: FleetHost[] = [
	{name: 'alpha', target: parseHost('unix:///var/run/docker.sock', 'flag', {})},
	{name: 'bravo', target: parseHost('ssh://kasm-agent-1', 'flag', {})},
	// TLS checked, as DOCKER_TLS_VERIFY says: unchecked would need --tls-insecure.
	{name: 'charlie', group: 'east', target: parseHost('tcp://10.0.0.3:2376', 'flag', {DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent'})},
	{name: 'down', target: parseHost('tcp://10.0.0.9:2376', 'flag', {DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent'})},
];

const noUsage = {networks: [], volumes: [], containers: []};

function readingsOf(named: boolean): HostReading[] {
	const name = (tag: string) => (named ? tag : undefined);
	return [
		{
			host: fleetHosts[0]!,
			reachable: true,
			engine: {version: '20.10.24', apiVersion: '1.41'},
			daemonId: 'AAAA:1111',
			identity: {id: 'AAAA:1111', name: 'agent', dataRoot: '/var/lib/docker'},
			disk: {imagesSize: 12_300_000_000, reclaimable: 4_100_000_000, builds: 41},
			liveSessions: 0,
			kasm: [],
			plugins: [
				fleetPlugin(rolling, {id: 'a1'.repeat(32), build: name('amd64-1.2.9'), diffIds: build('9'), drift: named}),
				fleetPlugin(pinned, {id: 'a2'.repeat(32), enabled: false, build: name('amd64-1.2.9'), usedBy: noUsage}),
				fleetPlugin(rolling, {name: 'vieux/sshfs:latest', reference: 'vieux/sshfs:latest', tag: 'latest', rolling: false, id: 'a3'.repeat(32), diffIds: build('5'), buildError: named ? 'no release tag in its registry holds this build' : undefined}),
			],
		},
		{
			host: fleetHosts[1]!,
			reachable: true,
			engine: {version: '26.1.5', apiVersion: '1.45'},
			daemonId: 'BBBB:2222',
			identity: {id: 'BBBB:2222', name: 'agent', dataRoot: '/var/lib/docker'},
			// Kasm's users at work there: the hosts pane counts them.
			disk: {imagesSize: 8_650_000_000, reclaimable: 0, builds: 12},
			liveSessions: 3,
			kasm: ['1.17.0'],
			plugins: [fleetPlugin(rolling, {id: 'b1'.repeat(32), build: name('amd64-1.2.10'), diffIds: build('3'), drift: named})],
		},
		{
			host: fleetHosts[2]!,
			reachable: true,
			engine: {version: '26.1.5', apiVersion: '1.45'},
			daemonId: 'CCCC:3333',
			identity: {id: 'CCCC:3333', name: 'agent', dataRoot: '/var/lib/docker'},
			// Its daemon did not count its disk in time: the hosts pane says nothing of it, the detail says why.
			diskError: 'no answer within 10 s',
			liveSessions: 0,
			kasm: [],
			plugins: [
				fleetPlugin(rolling, {id: 'c1'.repeat(32), build: name('amd64-1.2.9'), diffIds: build('9'), drift: named, usedBy: {networks: [], volumes: ['kasm-profiles'], containers: []}}),
				fleetPlugin(pinned, {id: 'c2'.repeat(32), build: name('amd64-1.2.9'), usedBy: noUsage}),
			],
		},
		{host: fleetHosts[3]!, reachable: false, error: 'no answer within 10 s'},
	];
}

const imageCell = (state: FleetImageCell['state'], digit: string, fields: Partial<FleetImageCell> = {}): FleetImageCell => ({
	state,
	build: `sha256:${digit.repeat(64)}`,
	id: `sha256:${'c'.repeat(63)}${digit}`,
	size: 1_234_000_000,
	containers: [],
	sessions: 0,
	...fields,
});

/**
 * The images × hosts matrix of the fixed fleet: a Kasm workspace image that alpha has current,
 * bravo behind (under two live Kasm sessions) and charlie missing; one image every host has
 * current; one whose registry could not be asked; and Docker Hub's pull allowance.
 */
export function imagesReading(): FleetImagesReading {
	const answered = (index: number, images: number) => ({host: fleetHosts[index]!, reachable: true as const, engine: {version: index === 0 ? '20.10.24' : '26.1.5', apiVersion: index === 0 ? '1.41' : '1.45'}, images});
	return {
		hosts: [answered(0, 3), answered(1, 2), answered(2, 1), {host: fleetHosts[3]!, reachable: false, error: 'no answer within 10 s'}],
		images: [
			{
				repository: 'kasmweb/chrome',
				tag: '1.16.0-rolling',
				kasmImage: true,
				registryDigest: `sha256:${'a'.repeat(64)}`,
				drift: true,
				hosts: {
					alpha: imageCell('current', 'a'),
					bravo: imageCell('behind', '9', {containers: ['kasm_session_1', 'kasm_session_2'], sessions: 2}),
					charlie: 'missing',
				},
			},
			{
				repository: 'kasmweb/nginx',
				tag: '1.25.3',
				kasmImage: false,
				registryDigest: `sha256:${'4'.repeat(64)}`,
				drift: false,
				hosts: {alpha: imageCell('current', '4', {containers: ['kasm_proxy']}), bravo: imageCell('current', '4'), charlie: imageCell('current', '4')},
			},
			{
				repository: 'registry.example:5000/team/app',
				tag: 'latest',
				kasmImage: false,
				registryDigest: null,
				drift: true,
				hosts: {alpha: imageCell('unknown', '7', {updateError: 'cannot reach registry registry.example:5000 (connection refused)'}), bravo: 'missing', charlie: 'missing'},
			},
		],
		rateLimits: [{registry: 'docker.io', remaining: '97;w=21600'}],
	};
}

export interface FleetRecorded {
	reads: number;
	plans: Array<{request: RolloutRequest; options: RolloutOptions}>;
	runs: RolloutPlan[];
	discarded: number;
	/** Whether each run's signal was aborted when it ended. */
	aborted: boolean[];
	/** Times the screen closed its connections. */
	closed: number;
	/** Each pull asked: the images and the hosts. */
	pulls: Array<{images: readonly string[]; hosts: readonly string[]}>;
}

export interface FleetFixtureOptions {
	readOnly?: boolean;
	/** The hosts that answer only once `answer(name)` is called. */
	heldHosts?: string[];
	/** Each run waits for `release()` after its first host has started. */
	holdRuns?: boolean;
	/** A held host (or a held run's host) has said nothing for this long: reported as the pool would. */
	silentMs?: number;
	/** charlie is a clone of alpha's machine: alpha's engine ID, another name. */
	clonedCharlie?: boolean;
}

function jobsFor(request: RolloutRequest, readOnly: boolean): HostJob[] {
	const skip = (host: FleetHost, kind: NonNullable<HostJob['verdict']['skip']>['kind'], reason: string): HostJob => ({host, verdict: {host: host.name, skip: {kind, reason}}});
	return fleetHosts.map((host, index) => {
		if (readOnly) {
			return skip(host, 'refused', 'kasm-tui is read-only (--read-only): it will not upgrade plugins');
		}

		if (index === 2) {
			return skip(host, 'in-use', 'the plugin kasmweb/sidecar:amd64-1.2-rolling is in use by 1 volume (kasm-profiles)');
		}

		if (index === 3) {
			return skip(host, 'unreachable', 'unreachable: no answer within 10 s');
		}

		const plan = {...upgradePlan(rolling), action: request.action === 'auto-update' ? 'upgrade' : request.action} as HostJob['plan'];
		return request.action === 'auto-update' ? {host, verdict: {host: host.name}, updates: [{plugin: rolling.name}]} : {host, verdict: {host: host.name}, plan};
	});
}

export function fleetFixture(options: FleetFixtureOptions = {}) {
	const recorded: FleetRecorded = {reads: 0, plans: [], runs: [], discarded: 0, aborted: [], closed: 0, pulls: []};
	const waiting = new Map<string, () => void>();
	const held: Array<() => void> = [];
	const services: FleetServices = {
		hosts: fleetHosts,
		readOnly: Boolean(options.readOnly),
		rollout: {canaries: []},
		async read(onHost, onSilent) {
			recorded.reads++;
			const early = readingsOf(false);
			await Promise.all(
				early.map(async reading => {
					if (options.heldHosts?.includes(reading.host.name)) {
						const held = new Promise<void>(resolve => waiting.set(reading.host.name, resolve));
						if (options.silentMs) {
							onSilent?.(reading.host.name, options.silentMs);
						}

						await held;
					}

					onHost(reading);
				}),
			);
			const readings = readingsOf(true);
			if (options.clonedCharlie) {
				const [alpha, , charlie] = readings as [Extract<HostReading, {reachable: true}>, HostReading, Extract<HostReading, {reachable: true}>];
				Object.assign(charlie, {daemonId: alpha.daemonId, identity: {...alpha.identity, name: 'charlie'}, sharesEngineIdWith: 'alpha'});
			}

			return readings;
		},
		async readImages() {
			return imagesReading();
		},
		async pull(images, hosts, events) {
			recorded.pulls.push({images, hosts});
			const outcomes: FleetPullOutcome[] = hosts.flatMap(host =>
				images.map((image): FleetPullOutcome => {
					events.onProgress(host, {image, id: '1a2b3c4d5e6f', status: 'Downloading', current: 1000, total: 2000});
					return host === 'charlie'
						? {host, image, result: 'failed', error: 'unauthorized: authentication required (the registry refused the credentials in the docker config: log in again with "docker login")'}
						: {host, image, result: 'pulled', digest: `sha256:${'a'.repeat(64)}`};
				}),
			);
			for (const outcome of outcomes) {
				events.onOutcome(outcome);
			}

			return outcomes;
		},
		async details(host, plugin) {
			return plugin.name === rolling.name && host !== 'bravo' ? rollingDetails : {history: [], tags: ['amd64-1.2.9', 'amd64-1.2.1']};
		},
		async plan(request, rollout) {
			recorded.plans.push({request, options: rollout});
			const jobs = jobsFor(request, Boolean(options.readOnly));
			return {
				request,
				jobs,
				order: orderRollout(
					jobs.map(job => job.verdict),
					{canaries: rollout.canaries, batch: rollout.batch},
				),
				maxFailed: rollout.maxFailed ?? 0,
				pool: new HostPool({readTimeoutMs: 10_000}),
				ownsPool: false,
				registries: new RegistrySession(),
			};
		},
		async run(plan, onEvent: (event: RolloutEvent) => void, signal): Promise<RolloutReport> {
			recorded.runs.push(plan);
			const outcomes = new Map(plan.jobs.filter(job => job.verdict.skip).map(job => [job.host.name, {host: job.host.name, result: 'skipped' as const, reason: job.verdict.skip!.reason, skipKind: job.verdict.skip!.kind}]));
			let stopped: string | undefined;
			for (const [index, stage] of plan.order.stages.entries()) {
				if (signal.aborted) {
					stopped ??= `interrupted (${String(signal.reason)})`;
					for (const host of stage.hosts) {
						outcomes.set(host, {host, result: 'not-started', reason: `not started: ${stopped}`} as never);
					}

					continue;
				}

				onEvent({kind: 'stage', stage, index, count: plan.order.stages.length});
				for (const host of stage.hosts) {
					onEvent({kind: 'host-started', host});
					const hostPlan = plan.jobs.find(job => job.host.name === host)!.plan!;
					onEvent({kind: 'flow', host, plugin: rolling.name, event: {kind: 'step', step: hostPlan.steps[1]!, index: 1, count: 3}});
					if (options.holdRuns) {
						const release = new Promise<void>(resolve => held.push(resolve));
						if (options.silentMs) {
							onEvent({kind: 'silent', host, silentMs: options.silentMs, doing: 'step 2/3, pull', stalled: false});
						}

						await release;
					}

					onEvent({kind: 'gate', host, plugin: rolling.name, check: {check: 'volume probe', ok: true, detail: 'created, inspected and removed kasm-tui-probe-1'}});
					const outcome = signal.aborted
						? {host, result: 'restored' as const, reason: `interrupted (${String(signal.reason)}): put back as it was`}
						: {host, result: 'done' as const, reason: 'amd64-1.2.9 → amd64-1.2.10; kasmweb/sidecar:amd64-1.2-rolling is enabled', from: 'amd64-1.2.9', to: 'amd64-1.2.10'};
					outcomes.set(host, outcome as never);
					onEvent({kind: 'outcome', outcome});
				}
			}

			if (stopped) {
				onEvent({kind: 'stopped', reason: stopped});
			}

			recorded.aborted.push(signal.aborted);
			return {outcomes: plan.jobs.map(job => outcomes.get(job.host.name)!), stopped};
		},
		discard() {
			recorded.discarded++;
		},
		close() {
			recorded.closed++;
		},
	};
	return {
		services,
		recorded,
		answer: (name: string) => waiting.get(name)?.(),
		release: () => held.splice(0).forEach(resolve => resolve()),
	};
}
