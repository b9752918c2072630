import {parseHost} from '../../source/docker/connection.js';
import type {PluginWithUsage} from '../../source/docker/usage.js';
import type {ImageWithUsage} from '../../source/docker/images.js';
import {Refused} from '../../source/errors.js';
import type {Plan} from '../../source/flows/plan.js';
import type {FlowEvent, FlowResult} from '../../source/flows/run.js';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {isRolling} from '../../source/rolling.js';
import type {HostServices, HostSnapshot, PluginDetails} from '../../source/app/services.js';
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

export const entry = (time: string, action: LedgerEntry['action'], tag: string, id: string, outcome: LedgerEntry['outcome'] = 'ok'): LedgerEntry => ({
	time,
	action,
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: `kasmweb/sidecar:${tag}`,
	tag,
	identity: {diffIds: build(id)},
	outcome,
	user: 'ops',
	version: '0.1.0',
});

export const rollingDetails: PluginDetails = {
	history: [
		entry('2026-11-20T08:00:00.000Z', 'upgrade', 'amd64-1.2-rolling', '3'),
		entry('2026-11-10T08:00:00.000Z', 'auto-update', 'amd64-1.2-rolling', '9', 'restored'),
		entry('2026-10-02T08:00:00.000Z', 'install', 'amd64-1.2.9', '9'),
	],
	tags: ['amd64-2.0.0', 'amd64-1.3.0-rc.1', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1.2-rolling'],
	installedBuild: ['amd64-1.2.10', 'amd64-1.2-rolling'],
	latestPatch: 'amd64-1.2.10',
	previousTag: 'amd64-1.2.9',
};

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
	/** Each run fails with this. */
	failRun?: Error;
	/** Entries of the rolling plugin's history before those of rollingDetails. */
	earlierHistory?: LedgerEntry[];
}

export function fixtureServices(options: FixtureOptions = {}) {
	const recorded: Recorded = {pulls: [], removedImages: [], plans: [], runs: [], autoUpdates: 0, loads: 0};
	const held: Array<() => void> = [];
	const watchers: Array<{onChange: () => void; onState: (state: 'live' | 'lost') => void}> = [];
	const snapshot: HostSnapshot = {engine: {version: '20.10.24', apiVersion: '1.41'}, plugins, images};
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
			if (request.kind === 'enable' || request.kind === 'disable' || request.kind === 'remove') {
				return planStateChange({readOnly: false} as FlowContext, request.plugin, request.kind);
			}

			const plan = upgradePlan(request.plugin);
			if (request.kind === 'reinstall') {
				const remote = `kasmweb/sidecar:${request.version}`;
				return {...plan, action: 'reinstall', destination: {name: request.alias ?? remote, remote, tag: request.version}};
			}

			if (options.refuse === request.kind) {
				return {...plan, action: request.kind, refusal: new Refused(`the previous version of ${request.plugin.name} cannot be determined`)};
			}

			return {...plan, action: request.kind};
		},
		async run(plan, onEvent: (event: FlowEvent) => void): Promise<FlowResult> {
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

			return {plugin: plan.plugin, entry: entry(new Date().toISOString(), 'upgrade', plan.destination.tag, '3'), warnings: []};
		},
		autoUpdatePreview(list) {
			return list.map(item => ({plugin: item.name, reason: item.rolling ? undefined : 'pinned (no rolling identifier in its name)'}));
		},
		async autoUpdate() {
			recorded.autoUpdates++;
			return [{plugin: 'kasmweb/sidecar:amd64-1.2-rolling', result: 'upgraded', tag: 'amd64-1.2-rolling', from: 'amd64-1.2.9', to: 'amd64-1.2.10', sameBuild: false}];
		},
		async health(target) {
			return target.enabled ? 'healthy (answers in 2 ms)' : 'unresponsive: no answer in 2000 ms';
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
	return {services, recorded, release, emit: (state: 'live' | 'lost') => watchers.forEach(watcher => watcher.onState(state)), change: () => watchers.forEach(watcher => watcher.onChange())};
}
