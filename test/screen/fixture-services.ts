import {parseHost} from '../../source/hosts/resolve.js';
import type {PluginWithUsage} from '../../source/docker/usage.js';
import type {ImageWithUsage} from '../../source/docker/images.js';
import {PluginExists} from '../../source/docker/errors.js';
import type {PluginLogLine} from '../../source/machine/daemon-log.js';
import {Refused} from '../../source/errors.js';
import {keepsBuild} from '../../source/flows/describe.js';
import {NoPreviousBuild} from '../../source/flows/planners.js';
import type {Plan} from '../../source/flows/plan.js';
import type {FlowEvent} from '../../source/flows/run.js';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {isRolling} from '../../source/rolling.js';
import type {ChangeResult, HostServices, HostSnapshot, PluginDetails} from '../../source/app/services/host-services.js';
import type {FlowContext} from '../../source/flows/context.js';
import type {ChangeRequest} from '../../source/flows/open-change.js';
import {planStateChange} from '../../source/flows/state-changes.js';

/**
 * A fixed state of a Kasm host for the views: views get state, they never call the daemon.
 * What the screen asks to do is recorded, so a test can tell a confirmed change from a
 * cancelled one. (The real services are tested against the real engine in test/integration.)
 */
const noUsage = {networks: [], volumes: [], containers: []};
const build = (id: string) => [`sha256:${id.repeat(64).slice(0, 64)}`];

const plugin = (fields: Partial<PluginWithUsage> & Pick<PluginWithUsage, 'name' | 'reference'>): PluginWithUsage => ({
	tag: fields.reference.split(':').pop() ?? '',
	id: 'a'.repeat(64),
	enabled: true,
	rolling: isRolling(fields.name),
	description: 'Kasm sidecar network plugin',
	types: ['docker.networkdriver/1.0'],
	privileges: [{name: 'network', description: 'permissions to access a network', value: ['host']}],
	socket: 'kasm.sock',
	diffIds: build('1'),
	usedBy: noUsage,
	...fields,
});

export const plugins: PluginWithUsage[] = [
	plugin({
		name: 'kasmweb/kasm-network-plugin:amd64-1.2.9',
		reference: 'kasmweb/sidecar:amd64-1.2.9',
		id: '1'.repeat(64),
		usedBy: {networks: ['kasm-egress'], volumes: ['kasm-profiles'], containers: ['kasm-session-ops']},
	}),
	plugin({name: 'kasmweb/sidecar-edge:amd64-1.2.1', reference: 'kasmweb/sidecar:amd64-1.2.1', id: '2'.repeat(64), enabled: false, diffIds: build('2')}),
	plugin({
		name: 'kasmweb/sidecar:amd64-1.2-rolling',
		reference: 'kasmweb/sidecar:amd64-1.2-rolling',
		id: '3'.repeat(64),
		diffIds: build('3'),
		privileges: [
			{name: 'network', description: 'permissions to access a network', value: ['host']},
			{name: 'capabilities', description: 'list of additional capabilities required', value: ['CAP_NET_ADMIN']},
		],
		settings: [
			{key: 'DEBUG', kind: 'env', value: '0', description: 'log every request', settable: true},
			{key: 'API_TOKEN', kind: 'env', value: 'fixture-token-value', description: 'the egress API token', settable: true},
			{key: 'data.source', kind: 'mount', value: '/srv/kasm', description: 'state', settable: false, destination: '/data'},
		],
	}),
];

/** The fixture's own now: the ages it shows never change with the date the tests run on. */
export const fixtureClock = () => Date.parse('2026-12-01T00:00:00.000Z');

export const images: ImageWithUsage[] = Array.from({length: 60}, (_, index) => ({
	repository: `kasmweb/workspace-${String(index).padStart(2, '0')}`,
	tag: '1.16.0',
	id: `sha256:${String(index).padStart(64, '0')}`,
	size: 1_000_000 * (index + 1),
	created: 1_700_000_000,
	repoDigests: [],
	dangling: false,
	usedBy: {containers: index === 0 ? ['kasm-session-ops'] : []},
}));

export const entry = (time: string, action: LedgerEntry['action'], tag: string, id: string, outcome: LedgerEntry['outcome'] = 'ok', error?: string): LedgerEntry => ({
	time,
	action,
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: `kasmweb/sidecar:${tag}`,
	tag,
	identity: {diffIds: build(id)},
	outcome,
	...(error ? {error} : {}),
	user: 'ops',
	version: '0.1.0',
});

export const rollingDetails: PluginDetails = {
	history: [
		entry('2026-11-20T08:00:00.000Z', 'upgrade', 'amd64-1.2-rolling', '3'),
		entry(
			'2026-11-10T08:00:00.000Z',
			'auto-update',
			'amd64-1.2-rolling',
			'9',
			'restored',
			'enable of kasmweb/sidecar:amd64-1.2-rolling failed: OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "/missing-entrypoint": stat /missing-entrypoint: no such file or directory: unknown',
		),
		entry('2026-10-02T08:00:00.000Z', 'install', 'amd64-1.2.9', '9'),
	],
	tags: ['amd64-2.0.0', 'amd64-1.3.0-rc.1', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1.2-rolling', 'arm64-1.2.10'],
	installedBuild: ['amd64-1.2.10', 'amd64-1.2-rolling'],
	latestPatch: 'amd64-1.2.10',
	previousTag: 'amd64-1.2.9',
	releaseOf: {[build('3').join(',')]: 'amd64-1.2.10', [build('9').join(',')]: 'amd64-1.2.9'},
};

/** What a new plugin asks for, exactly as the daemon lists it: what the install plan must show. */
export const installPrivileges = [
	{name: 'network', description: 'permissions to access a network', value: ['host']},
	{name: 'mount', description: 'host path to mount', value: ['/var/lib/kasm']},
	{name: 'capabilities', description: 'list of additional capabilities required', value: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN']},
	{name: 'allow-all-devices', description: 'no', value: ['false']},
];

function installPlan(request: Extract<ChangeRequest, {kind: 'install'}>, taken: boolean): Plan {
	const remote = request.reference;
	const name = request.alias ?? remote;
	const subject: PluginWithUsage = {...plugins[0]!, name, reference: remote, tag: remote.split(':').pop() ?? '', id: '', enabled: false, rolling: isRolling(name), privileges: installPrivileges, usedBy: noUsage};
	return {
		action: 'install',
		plugin: subject,
		origin: {name, reference: '', tag: '', enabled: false, identity: {diffIds: []}, absent: true},
		destination: {name, remote, tag: subject.tag},
		steps: [
			{kind: 'install', name, remote, privileges: installPrivileges},
			{kind: 'enable', name},
		],
		privileges: installPrivileges,
		privilegeChanges: {added: [], removed: []},
		warnings: [],
		...(taken ? {refusal: new PluginExists(name, {state: 'enabled at amd64-1.2.10', nextStep: 'nothing was changed; install this one under another name with --alias'})} : {}),
	};
}

export function upgradePlan(target: PluginWithUsage): Plan {
	return {
		action: 'upgrade',
		plugin: target,
		origin: {name: target.name, reference: target.reference, tag: target.tag, enabled: target.enabled, identity: {diffIds: target.diffIds}},
		destination: {name: target.name, remote: target.reference, tag: target.tag},
		steps: [
			{kind: 'disable', name: target.name},
			{kind: 'upgrade', name: target.name, remote: target.reference, privileges: target.privileges},
			{kind: 'enable', name: target.name},
		],
		privileges: target.privileges,
		privilegeChanges: {added: [], removed: []},
		warnings: ['a warning the operator must see'],
	};
}

export interface Recorded {
	pulls: string[];
	removedImages: string[];
	plans: ChangeRequest[];
	runs: Plan[];
	autoUpdates: number;
	loads: number;
}

export interface FixtureOptions {
	readOnly?: boolean;
	failLoad?: string;
	refuse?: ChangeRequest['kind'];
	/** Each run waits for `release()`, as a real change takes its time. */
	holdRuns?: boolean;
	/** Each plan waits for `release()` too, as asking a registry takes its time. */
	holdPlans?: boolean;
	/** Each run fails with this. */
	failRun?: Error;
	/** An install of this name is refused: a plugin of that name is installed. */
	taken?: string;
	/** The daemon is on another machine: its log is read there. */
	remoteLog?: boolean;
	/** Entries of the rolling plugin's history before those of rollingDetails. */
	earlierHistory?: LedgerEntry[];
}

export function fixtureServices(options: FixtureOptions = {}) {
	const recorded: Recorded = {pulls: [], removedImages: [], plans: [], runs: [], autoUpdates: 0, loads: 0};
	const logReaders: Array<{onLine: (line: PluginLogLine) => void; signal: AbortSignal}> = [];
	const held: Array<() => void> = [];
	const watchers: Array<{onChange: () => void; onState: (state: 'live' | 'lost') => void}> = [];
	// The header's disk figures, as /system/df would give them for these images (the one in use is not reclaimable, some layers are shared).
	const snapshot: HostSnapshot = {engine: {version: '20.10.24', apiVersion: '1.41', arch: 'amd64'}, plugins, images, disk: {imagesSize: 1_830_000_000, reclaimable: 1_210_000_000, builds: 60}};
	const services: HostServices = {
		target: parseHost('unix:///var/run/docker.sock', 'default'),
		readOnly: Boolean(options.readOnly),
		async load() {
			recorded.loads++;
			if (options.failLoad) {
				throw new Error(options.failLoad);
			}

			return snapshot;
		},
		watch(onChange, onState) {
			const watcher = {onChange, onState};
			watchers.push(watcher);
			return () => watchers.splice(watchers.indexOf(watcher), 1);
		},
		async details(target) {
			return target.name === 'kasmweb/sidecar:amd64-1.2-rolling'
				? {...rollingDetails, history: [...rollingDetails.history, ...(options.earlierHistory ?? [])]}
				: {history: [], tags: ['amd64-1.2.9', 'amd64-1.2.1']};
		},
		async plan(request) {
			recorded.plans.push(request);
			if (options.holdPlans) {
				await new Promise<void>(resolve => held.push(resolve));
			}

			if (request.kind === 'install') {
				return installPlan(request, request.alias === undefined ? request.reference === options.taken : request.alias === options.taken);
			}

			if (request.kind === 'enable' || request.kind === 'disable' || request.kind === 'remove') {
				return planStateChange({readOnly: false} as FlowContext, request.plugin, request.kind);
			}

			const plan = upgradePlan(request.plugin);
			if (request.kind === 'reinstall') {
				const remote = `kasmweb/sidecar:${request.version}`;
				return {...plan, action: 'reinstall', destination: {name: request.alias ?? remote, remote, tag: request.version}};
			}

			if (options.refuse === 'rollback' && request.kind === 'rollback') {
				return {...plan, action: request.kind, refusal: new NoPreviousBuild(request.plugin.name, `the previous version of ${request.plugin.name} cannot be determined: its history holds no earlier build`)};
			}

			if (options.refuse === request.kind) {
				return {...plan, action: request.kind, refusal: new Refused(`${request.plugin.name} cannot be changed now`)};
			}

			return {...plan, action: request.kind};
		},
		async run(plan, onEvent: (event: FlowEvent) => void): Promise<ChangeResult> {
			recorded.runs.push(plan);
			for (const [index, step] of plan.steps.entries()) {
				onEvent({kind: 'step', step, index, count: plan.steps.length});
			}

			if (options.holdRuns) {
				await new Promise<void>(resolve => held.push(resolve));
			}

			if (options.failRun) {
				throw options.failRun;
			}

			const builds = keepsBuild(plan) ? undefined : {from: plan.origin.absent ? undefined : 'amd64-1.2.9', to: 'amd64-1.2.10', same: false};
			const kinds = plan.steps.map(step => step.kind);
			const enabled = kinds.includes('enable') || (plan.plugin.enabled && !kinds.includes('disable'));
			return {plugin: {...plan.plugin, name: plan.destination.name, enabled}, entry: entry(new Date().toISOString(), 'upgrade', plan.destination.tag, '3'), warnings: [], builds};
		},
		async tags(repository) {
			return repository.endsWith('/missing') ? [] : ['amd64-1.2.10', 'amd64-1.2.9', 'amd64-1.3.0-rc.1', 'arm64-1.2.10'];
		},
		async logs(target, onLine, signal) {
			if (options.remoteLog) {
				return {remote: `the daemon at ssh://ops@kasm-agent-1 runs on another machine, so its log is there: on ops@kasm-agent-1 (ssh ops@kasm-agent-1), journalctl -u docker.service | grep plugin=…`};
			}

			logReaders.push({onLine, signal});
			for (let second = 1; second <= 40; second++) {
				onLine({time: `2026-12-01T08:00:${String(second).padStart(2, '0')}.000Z`, level: 'info', message: `kasm-fixture: line ${second} of ${target.name}`, line: ''});
			}

			// Daemon text as it may come: an escape sequence that would recolour the terminal.
			onLine({time: '2026-12-01T08:01:00.000Z', level: 'error', message: 'kasm-fixture: \u001B[31mred\u001B[0m listening failed', line: ''});
			const done = new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), {once: true}));
			return {source: '/var/log/docker.log', done};
		},
		autoUpdatePreview(list) {
			return list.map(item => ({plugin: item.name, reason: item.rolling ? undefined : 'pinned (no rolling identifier in its name)'}));
		},
		async autoUpdate() {
			recorded.autoUpdates++;
			return [{plugin: 'kasmweb/sidecar:amd64-1.2-rolling', result: 'upgraded', tag: 'amd64-1.2-rolling', from: 'amd64-1.2.9', to: 'amd64-1.2.10', sameBuild: false}];
		},
		async health(target) {
			// The rolling one hangs on its socket; the others answer.
			return target.rolling ? 'unresponsive: no answer in 2000 ms' : 'healthy (answers in 2 ms)';
		},
		async pluginUpdates(list) {
			return new Map(list.map(item => [item.name, item.rolling]));
		},
		async imageUpdates(list, onUpdate) {
			for (const [index, image] of list.entries()) {
				onUpdate(image, index === 1 ? {updateAvailable: true, registryDigest: 'sha256:new'} : index === 2 ? {updateAvailable: null, updateError: 'not from a registry: imported here'} : {updateAvailable: false, registryDigest: 'sha256:same'});
			}
		},
		async pullImage(image, onProgress) {
			recorded.pulls.push(image);
			onProgress({image, id: 'a1b2c3d4e5f6', status: 'Downloading', current: 512, total: 1024});
			onProgress({image, id: 'a1b2c3d4e5f6', status: 'Pull complete'});
			return {upToDate: false};
		},
		async removeImage(image) {
			recorded.removedImages.push(image);
		},
	};
	const release = () => held.splice(0).forEach(resolve => resolve());
	/** A line the daemon logs now, for every log dialog still open. */
	const log = (message: string) => logReaders.filter(reader => !reader.signal.aborted).forEach(reader => reader.onLine({time: '2026-12-01T08:02:00.000Z', level: 'info', message, line: ''}));
	return {
		services,
		recorded,
		release,
		log,
		logReaders,
		emit: (state: 'live' | 'lost') => watchers.forEach(watcher => watcher.onState(state)),
		change: () => watchers.forEach(watcher => watcher.onChange()),
	};
}
