import {PluginInUse} from '../docker/errors.js';
import {HostPool} from '../hosts/pool.js';
import {relateDaemons, type DaemonIdentity} from '../docker/identity.js';
import type {FleetHost} from '../hosts/selection.js';
import {listPluginsWithUsage, type PluginWithUsage} from '../docker/usage.js';
import {PluginNotFound} from '../errors.js';
import {sameBuild} from '../registry/identity.js';
import {parseReference} from '../docker/reference.js';
import {safeText} from '../text.js';
import {autoUpdate, skipReason} from './auto-update.js';
import {buildChange, buildChangeText} from './build-change.js';
import {openFlowContext, type FlowContext} from './context.js';
import {RegistrySession} from '../registry/session.js';
import {unreachableReason, withDeadline} from '../hosts/pool.js';
import {findPlugin} from './find-plugin.js';
import {gateBaseline, healthGate, type GateCheck} from './health-gate.js';
import {ChangedSincePlan} from './look-again.js';
import {observePlugins} from './observe.js';
import {stepWord, type Plan} from './plan.js';
import {planReinstall, planRollback, planUpgrade} from './planners.js';
import {unfinishedRefusal} from './recover.js';
import {orderRollout, stopReason, type HostOutcome, type HostVerdict, type RolloutOrder, type SkipKind, type Stage} from './rollout-plan.js';
import {FlowFailed, recordRefusal, runPlan, type FlowEvent} from './run.js';
import {checkSessions, LiveSessions, type SessionPolicy} from './sessions.js';
import {withKasmRestart, type KasmRestartRequest} from './kasm-restart.js';

/**
 * A rollout over the fleet: one plan per host, made with the single-host planners, then the
 * single-host flow on each host in the order of rollout-plan.ts, with a health gate after each;
 * a failed host is put back by its own flow's undo. No UI here: everything that happens is an
 * event, for the command line now and the fleet screen later.
 */

export type RolloutRequest =
	| {action: 'upgrade' | 'rollback'; plugin: string}
	| {action: 'reinstall'; plugin: string; version: string; alias?: string}
	| {action: 'auto-update'};

/** One host: what will happen there, or why nothing will. */
export interface HostJob {
	host: FleetHost;
	verdict: HostVerdict;
	flow?: FlowContext;
	/** A plugin rollout's plan on this host. */
	plan?: Plan;
	/** Auto-update: the rolling plugins it will upgrade, and those it leaves, with why. */
	updates?: Array<{plugin: string; reason?: string}>;
	identity?: DaemonIdentity;
	/** Another host of the rollout reports this engine ID but is another machine (a clone): both are changed. */
	sharesEngineIdWith?: string;
}

export interface RolloutPlan {
	request: RolloutRequest;
	jobs: HostJob[];
	order: RolloutOrder;
	maxFailed: number;
	/** The hosts' connections: closed while the plan waits for its confirmation, opened again at each host's stage. */
	pool: HostPool;
	/** The pool was made for this plan alone: closeRollout closes it. */
	ownsPool: boolean;
	/** The registry's answers for the whole rollout, its plan and its run. */
	registries: RegistrySession;
}

export type RolloutEvent =
	| {kind: 'stage'; stage: Stage; index: number; count: number}
	| {kind: 'host-started'; host: string}
	| {kind: 'flow'; host: string; plugin: string; event: FlowEvent}
	| {kind: 'gate'; host: string; plugin: string; check: GateCheck}
	| {kind: 'note'; host: string; text: string}
	/**
	 * A host under way that has said nothing new for `silentMs` (5 s, 10 s, 20 s…) while doing
	 * `doing` (`step 2/3, pull`); `stalled` when it talks without progressing.
	 */
	| {kind: 'silent'; host: string; silentMs: number; doing: string; stalled: boolean}
	| {kind: 'outcome'; outcome: HostOutcome}
	| {kind: 'stopped'; reason: string};

export interface RolloutReport {
	outcomes: HostOutcome[];
	/** Why hosts were left not started, when they were. */
	stopped?: string;
}

export interface PlanOptions {
	ledgerDir?: string;
	readOnly?: boolean;
	canaries?: readonly string[];
	batch?: number;
	maxFailed?: number;
	/** The hosts' connections (their bound, deadlines and closing); default: a pool of the plan's own, closed by closeRollout. */
	pool?: HostPool;
	/** A host not heard from for a few seconds while it is planned. */
	onSilent?: (host: string, silentMs: number) => void;
	sessions?: SessionPolicy;
	/** --with-kasm-restart: each host whose Kasm services use the plugin has Kasm stopped and started around its change. */
	kasmRestart?: KasmRestartRequest;
}

function skipped(job: Omit<HostJob, 'verdict'>, kind: SkipKind, reason: string): HostJob {
	return {...job, verdict: {host: job.host.name, skip: {kind, reason}}};
}

/** Whether the plan's destination is the build the plugin runs already (by content). */
async function alreadyThere(flow: FlowContext, plan: Plan): Promise<string | undefined> {
	if (plan.action === 'rollback' || plan.destination.name !== plan.origin.name) {
		return undefined;
	}

	try {
		const build = await flow.registry.build(parseReference(plan.destination.remote));
		return sameBuild(build.diffIds, plan.plugin.diffIds) ? `already runs the build of ${plan.destination.remote}` : undefined;
	} catch {
		// Not known: the pull will tell.
		return undefined;
	}
}

async function planFor(flow: FlowContext, plugin: PluginWithUsage, request: Exclude<RolloutRequest, {action: 'auto-update'}>): Promise<Plan> {
	switch (request.action) {
		case 'upgrade': {
			return planUpgrade(flow, plugin);
		}

		case 'rollback': {
			return planRollback(flow, plugin);
		}

		case 'reinstall': {
			return planReinstall(flow, plugin, {version: request.version, alias: request.alias});
		}
	}
}

async function planHost(host: FleetHost, request: RolloutRequest, options: PlanOptions & {pool: HostPool; registries: RegistrySession}): Promise<HostJob> {
	const {pool} = options;
	const began = performance.now();
	let flow: FlowContext;
	let plugins: PluginWithUsage[];
	let identity: DaemonIdentity;
	try {
		// Inside the try: a host that cannot even be opened (TLS files that are no good, a refused key) is that host's skip.
		const engine = await pool.connect(host);
		[flow, plugins, identity] = await withDeadline(
			Promise.all([
				openFlowContext({target: host.target, ledgerDir: options.ledgerDir, readOnly: options.readOnly, engine, registries: options.registries, hostName: host.name, sessions: options.sessions, kasmRestart: options.kasmRestart}),
				listPluginsWithUsage(engine),
				engine.identity(),
			]),
			pool.readTimeLeft(host, began),
			host.target.address,
			() => pool.disconnect(host),
			pool.readTimeoutMs,
		);
	} catch (error) {
		pool.disconnect(host);
		return skipped({host}, 'unreachable', `unreachable: ${unreachableReason(error)}`);
	}

	const job: Omit<HostJob, 'verdict'> = {host, flow, identity};
	try {
		if (!flow.readOnly) {
			flow.ledger.assertUsable();
			await observePlugins(flow, plugins);
		}

		if (request.action === 'auto-update') {
			const updates = plugins.filter(plugin => plugin.rolling).map(plugin => ({plugin: plugin.name, reason: skipReason(plugin) ?? unfinishedRefusal(flow, plugin.name)?.message}));
			const planned = {...job, updates};
			if (flow.readOnly) {
				return skipped(planned, 'refused', 'kasm-tui is read-only (--read-only): it will not update plugins');
			}

			return updates.some(update => !update.reason) ? {...planned, verdict: {host: host.name}} : skipped(planned, 'current', 'no rolling plugin that nothing uses');
		}

		let plugin: PluginWithUsage;
		try {
			plugin = findPlugin(plugins, request.plugin) as PluginWithUsage;
		} catch (error) {
			if (error instanceof PluginNotFound) {
				return skipped(job, 'not-installed', `${safeText(request.plugin)} is not installed here`);
			}

			throw error;
		}

		const unfinished = flow.readOnly ? undefined : unfinishedRefusal(flow, plugin.name);
		if (unfinished) {
			return skipped(job, 'refused', unfinished.message);
		}

		// Made once what planning writes (an observed build) is written: what comes after is news.
		const plan = await checkSessions(flow, await withKasmRestart(flow, {...(await planFor(flow, plugin, request)), madeAt: new Date().toISOString()}));
		if (plan.refusal) {
			recordRefusal(flow, plan);
			return skipped({...job, plan}, plan.refusal instanceof PluginInUse ? 'in-use' : 'refused', plan.refusal.message);
		}

		const current = await alreadyThere(flow, plan);
		return current ? skipped({...job, plan}, 'current', current) : {...job, plan, verdict: {host: host.name}};
	} catch (error) {
		// A ledger we cannot write, a tag that is not there on this host's registry: this host is left alone.
		return skipped(job, 'refused', safeText((error as Error).message).slice(0, 300));
	}
}

/**
 * Plans every host through the pool (at most --parallel connecting at once), each within its own
 * deadline, and orders them. Nothing changes on any daemon (a refusal is recorded in that host's
 * ledger, as a single-host change does). The hosts' connections are closed once planned: a
 * confirmation may take minutes, and each host is reached again at its stage.
 */
export async function planRollout(hosts: readonly FleetHost[], request: RolloutRequest, options: PlanOptions = {}): Promise<RolloutPlan> {
	const pool = options.pool ?? new HostPool();
	const registries = new RegistrySession({timeoutMs: pool.readTimeoutMs});
	const stopWatching = options.onSilent ? pool.watchSilence(options.onSilent) : () => {};
	let planned: HostJob[];
	try {
		planned = await Promise.all(hosts.map(async host => planHost(host, request, {...options, pool, registries})));
	} finally {
		stopWatching();
		for (const host of hosts) {
			pool.disconnect(host);
		}
	}

	// Two addresses of one daemon are one host: it is changed once. Clones (one engine ID, another name or data root) are two.
	const relations = relateDaemons(planned.map(job => ({name: job.host.name, identity: job.identity})));
	const jobs = planned.map((job, index) => {
		const {sameDaemonAs, sharesEngineIdWith} = relations[index]!;
		return sameDaemonAs ? skipped(job, 'same-daemon', `the same daemon as ${sameDaemonAs}`) : {...job, sharesEngineIdWith};
	});
	const order = orderRollout(
		sessionlessFirst(jobs).map(job => job.verdict),
		{canaries: options.canaries, batch: options.batch},
	);
	return {request, jobs, order, maxFailed: options.maxFailed ?? 0, pool, ownsPool: !options.pool, registries};
}

/** Hosts where nobody works go first: a rollout that stops early has then cut off the fewest users. */
function sessionlessFirst(jobs: HostJob[]): HostJob[] {
	const live = (job: HostJob) => ((job.plan?.sessions?.count ?? 0) > 0 ? 1 : 0);
	return [...jobs].sort((a, b) => live(a) - live(b));
}

/** The order and the stop rule in a line, for the plan the command line and the screen show. */
export function describeOrder(plan: RolloutPlan): string {
	const {stages} = plan.order;
	if (stages.length === 0) {
		return 'no host will be changed';
	}

	const parts = stages.map(stage => (stage.kind === 'canary' ? `${stage.hosts[0]} (canary)` : stage.hosts.join(' + ')));
	const stop = plan.maxFailed === 0 ? 'it stops at the first host that fails' : `it stops once more than ${plan.maxFailed} hosts failed`;
	return `order: ${parts.join(', then ')}; a health gate after each host; ${stop}, and a failed canary stops it`;
}

/** Ends every host's connections (an ssh process each); a pool made for the plan alone is closed. */
export function closeRollout(plan: RolloutPlan): void {
	if (plan.ownsPool) {
		plan.pool.close();
		return;
	}

	for (const job of plan.jobs) {
		plan.pool.disconnect(job.host);
	}
}

/** After ctrl-c, how long a host under way may go without a word before it is given up (one reporting progress goes on). */
const interruptGraceMs = 5000;

export interface RunRolloutOptions {
	onEvent?: (event: RolloutEvent) => void;
	/** Aborted (ctrl-c): the hosts under way finish or undo their change, and no other starts. */
	signal?: AbortSignal;
	/** How long each host's plugin must stay enabled after its change. */
	settleMs?: number;
}

/** The outcome of a flow that threw: refused before its first step, put back as it was, or left for `recover`. */
function failedOutcome(host: string, error: unknown): HostOutcome {
	const reason = safeText((error as Error).message ?? error).slice(0, 500);
	if (error instanceof ChangedSincePlan || error instanceof LiveSessions) {
		return {host, result: 'refused', reason};
	}

	return {host, result: error instanceof FlowFailed && error.outcome === 'failed' ? 'failed' : 'restored', reason};
}

async function runJob(job: HostJob, plan: RolloutPlan, options: RunRolloutOptions & {doing: (what: string) => void}): Promise<HostOutcome> {
	const {flow} = job;
	const host = job.host.name;
	const emit = options.onEvent ?? (() => {});
	const settleMs = options.settleMs ?? 5000;
	// A restart that went away during an undo is waited for, but no longer than a step may take.
	const patienceMs = Math.min(90_000, plan.pool.stepTimeoutMs);
	emit({kind: 'host-started', host});
	const gateFor = async (plugin: PluginWithUsage) => {
		const baseline = await gateBaseline(flow!.engine, plugin, check => emit({kind: 'gate', host, plugin: plugin.name, check}));
		for (const note of baseline.notes) {
			emit({kind: 'note', host, text: note});
		}

		return async (name: string) => {
			await healthGate(flow!.engine, name, {baseline, settleMs, onCheck: check => emit({kind: 'gate', host, plugin: name, check})});
		};
	};

	try {
		options.doing('connecting');
		// Reached again at its stage, through the pool: its connections were closed while the plan waited.
		await plan.pool.connect(job.host);
		options.doing('health checks before the change');
		if (plan.request.action === 'auto-update') {
			const plugins = await listPluginsWithUsage(flow!.engine);
			const gates = new Map<string, (name: string) => Promise<void>>();
			for (const plugin of plugins.filter(candidate => !skipReason(candidate))) {
				gates.set(plugin.name, await gateFor(plugin));
			}

			const outcomes = await autoUpdate(flow!, (plugin, event) => emit({kind: 'flow', host, plugin, event}), {
				signal: options.signal,
				gate: async plugin => gates.get(plugin)?.(plugin),
				patienceMs,
			});
			const failed = outcomes.filter(outcome => outcome.result === 'failed');
			if (failed.length > 0) {
				const leftHalfDone = failed.some(outcome => outcome.undoFailed);
				return {host, result: leftHalfDone ? 'failed' : 'restored', reason: failed.map(outcome => `${outcome.plugin}: ${outcome.reason}`).join('; ')};
			}

			const upgraded = outcomes.filter(outcome => outcome.result === 'upgraded').map(outcome => outcome.plugin);
			return {host, result: 'done', reason: upgraded.length > 0 ? `upgraded ${upgraded.join(', ')}` : 'nothing to upgrade'};
		}

		const hostPlan = job.plan!;
		const gate = await gateFor(hostPlan.plugin);
		const result = await runPlan(flow!, hostPlan, event => emit({kind: 'flow', host, plugin: hostPlan.origin.name, event}), {
			signal: options.signal,
			gate: async () => gate(hostPlan.destination.name),
			patienceMs,
		});
		// As every single-host result does: the release it left and the one it runs now.
		const change = result.plugin ? await buildChange(flow!, hostPlan, result.plugin, result.entry.identity.digest) : undefined;
		const state = `${result.plugin?.name ?? hostPlan.destination.name} is ${result.plugin?.enabled ? 'enabled' : 'disabled'}`;
		return {host, result: 'done', reason: change ? `${buildChangeText(change)}; ${state}` : state, from: change?.from, to: change?.to};
	} catch (error) {
		return failedOutcome(host, error);
	}
}

function interrupted(signal: AbortSignal | undefined): string | undefined {
	return signal?.aborted ? `interrupted (${String(signal.reason ?? 'aborted')})` : undefined;
}

/**
 * Runs the stages in order, the hosts of one stage at once. After each stage the stop rule is
 * asked; once it says stop, or the signal is aborted, the hosts not started are reported so.
 */
export async function runRollout(plan: RolloutPlan, options: RunRolloutOptions = {}): Promise<RolloutReport> {
	const given = options.onEvent ?? (() => {});
	// What each host under way is doing, for a silent host's line: `step 2/3, pull`.
	const doing = new Map<string, string>();
	const emit = (event: RolloutEvent) => {
		if (event.kind === 'flow' && event.event.kind === 'step') {
			doing.set(event.host, `step ${event.event.index + 1}/${event.event.count}, ${stepWord(event.event.step)}`);
		} else if (event.kind === 'flow' && event.event.kind === 'undo') {
			doing.set(event.host, `undo: ${stepWord(event.event.step)}`);
		} else if (event.kind === 'gate') {
			doing.set(event.host, 'health gate');
		} else if (event.kind === 'outcome') {
			doing.delete(event.outcome.host);
		}

		given(event);
	};

	const stopWatching = plan.pool.watchSilence((host, silentMs, stalled) => {
		const what = doing.get(host);
		if (what) {
			given({kind: 'silent', host, silentMs, doing: what, stalled});
		}
	});
	// ctrl-c: a host that says nothing is given up within seconds; one that reports progress finishes its step.
	const hurry = () => plan.pool.hurry(interruptGraceMs);
	options.signal?.addEventListener('abort', hurry, {once: true});
	try {
		return await runStages(plan, {...options, onEvent: emit}, doing);
	} finally {
		stopWatching();
		options.signal?.removeEventListener('abort', hurry);
		plan.pool.calm();
	}
}

async function runStages(plan: RolloutPlan, options: RunRolloutOptions, doing: Map<string, string>): Promise<RolloutReport> {
	const emit = options.onEvent ?? (() => {});
	const outcomes = new Map<string, HostOutcome>();
	for (const job of plan.jobs) {
		if (job.verdict.skip) {
			outcomes.set(job.host.name, {host: job.host.name, result: 'skipped', reason: job.verdict.skip.reason, skipKind: job.verdict.skip.kind});
		}
	}

	let stopped: string | undefined;
	let failedSoFar = 0;
	for (const [index, stage] of plan.order.stages.entries()) {
		if (!stopped && interrupted(options.signal)) {
			stopped = interrupted(options.signal);
			emit({kind: 'stopped', reason: stopped!});
		}

		if (stopped) {
			for (const host of stage.hosts) {
				outcomes.set(host, {host, result: 'not-started', reason: `not started: ${stopped}`});
			}

			continue;
		}

		emit({kind: 'stage', stage, index, count: plan.order.stages.length});
		const results = await Promise.all(
			stage.hosts.map(async host => {
				const outcome = await runJob(plan.jobs.find(job => job.host.name === host)!, plan, {...options, doing: what => doing.set(host, what)});
				outcomes.set(host, outcome);
				emit({kind: 'outcome', outcome});
				return outcome;
			}),
		);
		const failed = results.filter(outcome => outcome.result !== 'done' && outcome.result !== 'refused').map(outcome => outcome.host);
		const refused = results.filter(outcome => outcome.result === 'refused').map(outcome => outcome.host);
		failedSoFar += failed.length;
		// An interrupt is why the hosts it undid failed: say that, not that they failed.
		stopped = interrupted(options.signal) ?? stopReason(stage, failed, failedSoFar, plan.maxFailed, refused);
		if (stopped) {
			emit({kind: 'stopped', reason: stopped});
		}
	}

	return {outcomes: plan.jobs.map(job => outcomes.get(job.host.name)!), stopped};
}
