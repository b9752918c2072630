import type {DiskUsage} from '../docker/disk.js';
import {KasmTuiError, Refused} from '../errors.js';
import {openFlowContext} from '../flows/context.js';
import type {BuildChanged} from '../flows/look-again.js';
import {runPruneChange, type HostPrunePlan} from '../flows/pipeline.js';
import {planPrune, pruneCommand as dockerCommandOf, type PruneBuild, type PrunePlan, type PruneResult} from '../flows/prune.js';
import {HostPool, unreachableReason, withDeadline} from '../hosts/pool.js';
import type {FleetHost} from '../hosts/selection.js';
import {RegistrySession} from '../registry/session.js';
import {humanSize} from '../text.js';
import {confirm, withInterruptsDeferred} from './change.js';
import type {CommandContext} from './context.js';
import {fleetHosts, warnUnverifiedTls} from './fleet.js';
import {jsonText} from './json.js';
import {shortId} from './images.js';
import {table} from './table.js';

type HostPlanning = {host: FleetHost; planned: HostPrunePlan} | {host: FleetHost; error: string};

/**
 * `kasm-tui prune [HOST…] [--keep N]`: on each host (one daemon, or the fleet's), the image builds
 * nothing uses and no tag names, and with --keep the older builds of each repository, planned with
 * their sizes and docker commands, confirmed once, then removed through the change pipeline; the
 * space freed per host as the daemon reports it. Exit 1 when a host could not be read or a build
 * not removed, 3 when a build changed since the plan (kept).
 */
export async function pruneCommand(context: CommandContext, names: string[]): Promise<void> {
	const hosts = await fleetHosts(context, names);
	warnUnverifiedTls(context, hosts);
	const pool = new HostPool({parallel: context.parallel, stepTimeoutMs: context.stepTimeoutMs});
	const registries = new RegistrySession({timeoutMs: pool.readTimeoutMs});
	try {
		const planning = await Promise.all(hosts.map(async host => planHost(context, host, pool, registries)));
		const planned = planning.flatMap(entry => ('planned' in entry ? [entry.planned] : []));
		const show = context.json ? context.warn : context.print;
		show(describePlans(planning));
		let shown = false;
		const runs = await runPruneChange(planned, {
			async confirm() {
				shown = true;
				return confirm(context, 'Remove them?');
			},
			report(host, text) {
				context.warn(`${host}: ${text}`);
			},
			guard: async work => withInterruptsDeferred(context, work, 'finishing the removal under way; the rest stay'),
		}, pool.parallel);
		if (!runs) {
			throw new Refused('nothing was changed: the prune was not confirmed');
		}

		const results = new Map(runs.map(run => [run.host, run]));
		const outcomes = planning.map(entry => {
			if ('error' in entry) {
				return {host: entry.host, error: entry.error};
			}

			const run = results.get(entry.host.name);
			return {host: entry.host, plan: entry.planned.plan, result: run?.result, error: run?.error === undefined ? undefined : unreachableReason(run.error)};
		});
		for (const outcome of outcomes) {
			for (const warning of outcome.result?.warnings ?? []) {
				context.warn(`kasm-tui: ${outcome.host.name}: ${warning}`);
			}
		}

		if (context.json) {
			context.print(jsonText({hosts: outcomes.map(outcome => hostJson(outcome)), freed: outcomes.reduce((sum, outcome) => sum + (outcome.result?.freed ?? 0), 0)}));
		} else if (shown) {
			context.print(describeResults(outcomes));
		}

		const interrupted = outcomes.filter(outcome => outcome.result?.interrupted);
		if (interrupted.length > 0) {
			throw new KasmTuiError(`the prune was interrupted on ${interrupted.map(outcome => outcome.host.name).join(', ').slice(0, 300)}: what it removed is said above and recorded; run it again for the rest`);
		}

		const failed = outcomes.filter(outcome => outcome.error !== undefined || (outcome.result?.failed.length ?? 0) > 0);
		if (failed.length > 0) {
			throw new KasmTuiError(`the prune failed on ${failed.map(outcome => outcome.host.name).join(', ').slice(0, 300)}: see above`);
		}

		const changed = outcomes.filter(outcome => (outcome.result?.changed.length ?? 0) > 0);
		if (changed.some(outcome => outcome.result!.changed.some(entry => !/removed by someone else/.test(entry.why)))) {
			throw new Refused(`some builds changed since the plan and were kept, on ${changed.map(outcome => outcome.host.name).join(', ').slice(0, 300)}: run prune again to see them`);
		}
	} finally {
		pool.close();
	}
}

/** A host's plan within its read deadline; one that cannot be read is that host's failure alone. */
async function planHost(context: CommandContext, host: FleetHost, pool: HostPool, registries: RegistrySession): Promise<HostPlanning> {
	const began = performance.now();
	try {
		const engine = await pool.connect(host);
		const planned = await withDeadline(
			(async () => {
				const flow = await openFlowContext({target: host.target, engine, ledgerDir: context.ledgerDir, readOnly: context.readOnly, registries, hostName: host.name});
				return {host: host.name, flow, plan: await planPrune(flow, {keep: context.keep})};
			})(),
			pool.readTimeLeft(host, began),
			host.target.address,
			() => pool.disconnect(host),
			pool.readTimeoutMs,
		);
		return {host, planned};
	} catch (error) {
		if (error instanceof Refused) {
			throw error;
		}

		return {host, error: unreachableReason(error)};
	}
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** `<none> (probe/app)` for a dangling build, else its tags. */
function namesOf(build: {tags: string[]; repository?: string}): string {
	return build.tags.length > 0 ? build.tags.join(', ') : `<none>${build.repository ? ` (${build.repository})` : ''}`;
}

function diskLine(disk: DiskUsage): string {
	return `images take ${humanSize(disk.imagesSize)}, ${humanSize(disk.reclaimable)} reclaimable`;
}

/** Each host's plan: its disk, the builds that go with their size, reason and docker command, those kept because a container uses them. */
export function describePlans(planning: HostPlanning[]): string {
	const blocks: string[] = [];
	for (const entry of planning) {
		if ('error' in entry) {
			blocks.push(`${entry.host.name}: unreachable: ${entry.error}`);
			continue;
		}

		const {plan} = entry.planned;
		const lines = [
			plan.builds.length === 0
				? `${entry.host.name}: nothing to prune (${diskLine(plan.disk)})`
				: `${entry.host.name}: ${plural(plan.builds.length, 'build')} to remove, about ${humanSize(plan.estimate)} (${diskLine(plan.disk)})`,
		];
		if (plan.builds.length > 0) {
			lines.push(
				table(plan.builds, [
					{title: '  BUILD', value: build => `  ${shortId(build.id)}`},
					{title: 'NAMES', value: build => namesOf(build), max: 60},
					{title: 'SIZE', value: build => humanSize(build.size)},
					{title: 'WHY', value: build => (build.reason === 'dangling' ? 'no tag' : `older than the newest ${plan.keep}`)},
					{title: 'COMMAND', value: build => dockerCommandOf(build), max: 100},
				]),
			);
		}

		for (const kept of plan.kept) {
			const names = kept.movedTag ? `<none> (was ${kept.movedTag}: the tag has moved on)` : namesOf(kept);
			lines.push(`  kept ${shortId(kept.id)} ${names}: in use by ${kept.usedBy.slice(0, 5).join(', ')}${kept.usedBy.length > 5 ? ` and ${kept.usedBy.length - 5} more` : ''}`);
		}

		blocks.push(lines.join('\n'));
	}

	return blocks.join('\n\n');
}

interface Outcome {
	host: FleetHost;
	plan?: PrunePlan;
	result?: PruneResult;
	error?: string;
}

/** Per host: what went, what it freed by the daemon's count, what was kept and why. */
function describeResults(outcomes: Outcome[]): string {
	const lines: string[] = [];
	for (const {host, plan, result, error} of outcomes) {
		if (!plan) {
			lines.push(`${host.name}: unreachable: ${error}`);
		} else if (error !== undefined) {
			lines.push(`${host.name}: failed: ${error}`);
		} else if (!result) {
			lines.push(`${host.name}: nothing to prune`);
		} else {
			const freed = result.freed === undefined ? 'the space freed is not known' : `freed ${humanSize(result.freed)}`;
			const after = result.after ? ` (images take ${humanSize(result.after.imagesSize)} now)` : '';
			lines.push(`${host.name}: removed ${plural(result.removed.length, 'build')}, ${freed}${after}`);
			for (const {build, why} of result.changed) {
				lines.push(`  kept ${shortId(build.id)} ${namesOf(build)}: ${why}`);
			}

			for (const {build, error: why} of result.failed) {
				lines.push(`  failed ${shortId(build.id)} ${namesOf(build)}: ${why}`);
			}
		}
	}

	return lines.join('\n');
}

const buildJson = (build: PruneBuild) => ({id: build.id, tags: build.tags, repository: build.repository ?? null, size: build.size, reason: build.reason, command: dockerCommandOf(build)});
const changedJson = ({build, why}: BuildChanged) => ({...buildJson(build), why});
const diskJson = (disk: DiskUsage | undefined) => (disk ? {imagesSize: disk.imagesSize, reclaimable: disk.reclaimable, builds: disk.builds} : null);

function hostJson({host, plan, result, error}: Outcome) {
	return {
		name: host.name,
		address: host.target.address,
		reachable: plan !== undefined,
		error: error ?? null,
		disk: diskJson(plan?.disk),
		estimate: plan?.estimate ?? null,
		planned: plan?.builds.map(build => buildJson(build)) ?? [],
		kept: plan?.kept.map(kept => ({id: kept.id, tags: kept.tags, repository: kept.repository ?? null, movedTag: kept.movedTag ?? null, usedBy: {containers: kept.usedBy}})) ?? [],
		removed: result?.removed.map(build => buildJson(build)) ?? [],
		changed: result?.changed.map(entry => changedJson(entry)) ?? [],
		failed: result?.failed.map(({build, error: why}) => ({...buildJson(build), error: why})) ?? [],
		freed: result?.freed ?? (plan && plan.builds.length === 0 ? 0 : null),
		diskAfter: diskJson(result?.after),
	};
}
