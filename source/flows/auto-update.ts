import {describeUsage, isInUse, listPluginsWithUsage, type PluginWithUsage} from '../docker/usage.js';
import {buildChange} from './build-change.js';
import type {FlowContext} from './context.js';
import {planUpgrade} from './planners.js';
import {unfinishedRefusal} from './recover.js';
import {FlowFailed, recordRefusal, runPlan, type FlowEvent} from './run.js';
import {checkSessions} from './sessions.js';

export type AutoUpdateOutcome =
	/** `from` and `to` name the builds by release tag where one does (see buildChange). */
	| {plugin: string; result: 'upgraded'; tag: string; from?: string; to: string; sameBuild: boolean}
	| {plugin: string; result: 'skipped'; reason: string}
	/** `undoFailed`: it could not be put back; `state` says what it is now, `recover` what to run. */
	| {plugin: string; result: 'failed'; reason: string; undoFailed: boolean; state?: string; recover?: string};

/** Why automated updates leave a plugin alone, or undefined when they may upgrade it. */
export function skipReason(plugin: PluginWithUsage): string | undefined {
	if (!plugin.rolling) {
		return 'pinned (no rolling identifier in its name)';
	}

	if (isInUse(plugin.usedBy)) {
		return `in use by ${describeUsage(plugin.usedBy)}`;
	}

	if (!plugin.enabled) {
		return 'disabled';
	}

	return undefined;
}

/**
 * Kasm's automated updates: every plugin whose name is rolling (source/rolling.ts), that nothing uses and
 * that no dead change left half-done is upgraded; the rest are reported with the reason. One
 * failure does not stop the others.
 */
export async function autoUpdate(
	context: FlowContext,
	report: (plugin: string, event: FlowEvent) => void = () => {},
	{signal, gate, patienceMs}: {signal?: AbortSignal; gate?: (plugin: string) => Promise<void>; patienceMs?: number} = {},
): Promise<AutoUpdateOutcome[]> {
	const plugins = await listPluginsWithUsage(context.engine);
	const outcomes: AutoUpdateOutcome[] = [];
	// A host that stopped answering is not asked for the next plugin: each would wait out its deadline.
	let silent: string | undefined;
	for (const plugin of plugins) {
		const reason = signal?.aborted ? `not started: interrupted (${String(signal.reason)})` : silent ? `not started: ${silent}` : skipReason(plugin);
		if (reason) {
			outcomes.push({plugin: plugin.name, result: 'skipped', reason});
			continue;
		}

		try {
			const unfinished = unfinishedRefusal(context, plugin.name);
			if (unfinished) {
				outcomes.push({plugin: plugin.name, result: 'skipped', reason: unfinished.message});
				continue;
			}

			const plan = await checkSessions(context, await planUpgrade(context, plugin, 'auto-update'));
			if (plan.refusal) {
				recordRefusal(context, plan);
				outcomes.push({plugin: plugin.name, result: 'skipped', reason: plan.refusal.message});
				continue;
			}

			const done = await runPlan(context, plan, event => report(plugin.name, event), {signal, gate: gate && (async () => gate(plugin.name)), patienceMs});
			// An upgrade keeps the plugin; a daemon gone quiet right after it leaves only what the plan knew.
			const change = done.plugin ? await buildChange(context, plan, done.plugin, done.entry.identity.digest) : {from: plan.origin.tag, to: plan.destination.tag || plan.destination.remote, same: false};
			outcomes.push({plugin: plugin.name, result: 'upgraded', tag: plugin.tag, from: change.from, to: change.to, sameBuild: change.same});
		} catch (error) {
			const notPutBack = error instanceof FlowFailed && error.undoFailed;
			if (error instanceof FlowFailed && error.silence) {
				silent = `the daemon stopped answering during the upgrade of ${plugin.name}`;
			}

			outcomes.push({
				plugin: plugin.name,
				result: 'failed',
				reason: (error as Error).message,
				undoFailed: notPutBack,
				...(notPutBack ? {state: error.state, recover: error.recover} : {}),
			});
		}
	}

	return outcomes;
}
