import {buildChangeOfResult, type BuildChange} from './build-change.js';
import {mapLimited} from '../limit.js';
import type {FlowContext} from './context.js';
import {planChange, type ChangeRequest} from './open-change.js';
import {runPrune, type PrunePlan, type PruneResult} from './prune.js';
import type {Plan} from './plan.js';
import {kasmRestartGate} from './kasm-restart.js';
import {runPlan, type FlowEvent, type FlowResult} from './run.js';

/**
 * The one way a change goes, whichever face asks for it (a headless command, a key on either
 * screen, each host of a rollout):
 *
 *   preconditions → plan → confirm → look again under the lock → run the steps → record
 *
 * - preconditions and plan: planChange (open-change.ts): a usable ledger, no dead change left
 *   unfinished, then the plan, whose refusal (read-only, in use, no previous build) is recorded;
 * - confirm: the face's, with the plan in its words (the command line's prompt, the screen's
 *   dialog; a rollout confirms every host's plan at once, then runs each host's at its stage);
 * - look again, run, record: runPlan (run.ts): the plugin's lock, the plugin read again and
 *   refused if it is not what the plan was made on (look-again.ts), each step with its undo, one
 *   ledger entry per attempt.
 */
export interface ChangeFace {
	/** Shows the plan and asks; false when the operator says no. Only a plan without a refusal is shown. */
	confirm(plan: Plan): Promise<boolean>;
	/** Each step as it starts, pull progress, undos, warnings. */
	report?(event: FlowEvent): void;
	/**
	 * Runs the steps once confirmed: a face that lets interrupts finish the step under way (the
	 * command line) wraps them here and hands them its signal.
	 */
	guard?<T>(work: (signal?: AbortSignal) => Promise<T>): Promise<T>;
}

/** A change that went through: its plan, what the runner returned, and the builds it went between (by release tag). */
export interface ChangeDone {
	plan: Plan;
	result: FlowResult;
	builds?: BuildChange;
}

/**
 * Takes one change through the pipeline. A refusal is thrown (recorded when planned or looked at
 * again); undefined when the operator said no, with nothing changed.
 */
export async function runChange(flow: FlowContext, request: ChangeRequest, face: ChangeFace): Promise<ChangeDone | undefined> {
	const plan = await planChange(flow, request);
	if (plan.refusal) {
		throw plan.refusal;
	}

	if (!(await face.confirm(plan))) {
		return undefined;
	}

	const guard = face.guard ?? (async <T>(work: (signal?: AbortSignal) => Promise<T>) => work());
	const gate = await kasmRestartGate(flow, plan);
	const result = await guard(async signal => runPlan(flow, plan, face.report, {signal, gate}));
	return {plan, result, builds: await buildChangeOfResult(flow, plan, result)};
}

/** One host's prune plan, made on its flow context (prune.ts's planPrune). */
export interface HostPrunePlan {
	host: string;
	flow: FlowContext;
	plan: PrunePlan;
}

export interface PruneFace {
	/** Every host's plan at once, asked once; false when the operator says no. Only plans without a refusal, with something to remove, are shown. */
	confirm(plans: HostPrunePlan[]): Promise<boolean>;
	/** Each removal as it starts, by host. */
	report?(host: string, text: string): void;
	/** Runs the removals once confirmed: the command line defers interrupts to the end of the removal under way. */
	guard?<T>(work: (signal?: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * A prune of image builds goes the same way over its hosts, as a rollout does: every host's plan,
 * one confirmation, then on each host the look again under the lock, the removals and the record
 * (prune.ts). A refusal (read-only) is thrown before anything is asked; undefined when the operator
 * said no. One host's failure is its own: the others' results stand.
 */
export async function runPruneChange(
	planned: HostPrunePlan[],
	face: PruneFace,
	/** Hosts pruning at once (the pool's --parallel); default all. */
	atOnce = planned.length,
): Promise<Array<{host: string; result?: PruneResult; error?: unknown}> | undefined> {
	const refused = planned.find(({plan}) => plan.refusal);
	if (refused) {
		throw refused.plan.refusal;
	}

	const work = planned.filter(({plan}) => plan.builds.length > 0);
	if (work.length > 0 && !(await face.confirm(work))) {
		return undefined;
	}

	const guard = face.guard ?? (async <T>(run: (signal?: AbortSignal) => Promise<T>) => run());
	return guard(async signal =>
		mapLimited(work, Math.max(1, atOnce), async ({host, flow, plan}) => {
			try {
				return {host, result: await runPrune(flow, plan, text => face.report?.(host, text), signal)};
			} catch (error) {
				return {host, error};
			}
		}),
	);
}
