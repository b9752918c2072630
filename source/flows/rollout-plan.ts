import {BadInput, type ExitCode} from '../errors.js';
import {safeText} from '../text.js';

/**
 * A rollout's order and its stop rule, as pure logic: canaries first, one at a time, then the
 * other hosts in batches; a failed canary, or more failed hosts than --max-failed allows, stops
 * it, and hosts not started are not touched.
 */

/** Why a host is left out: each is said in the plan and the report. */
export type SkipKind = 'unreachable' | 'not-installed' | 'in-use' | 'current' | 'refused' | 'same-daemon';

export interface HostVerdict {
	host: string;
	/** Set when the host is left alone, and why. */
	skip?: {kind: SkipKind; reason: string};
}

export interface Stage {
	kind: 'canary' | 'batch';
	hosts: string[];
}

export interface RolloutOrder {
	stages: Stage[];
	/** Set when the rollout must not start at all (a canary that would not be changed). */
	refusal?: string;
}

export interface OrderOptions {
	canaries?: readonly string[];
	/** Hosts changed at once after the canaries; default 1. */
	batch?: number;
}

/** Skips that are not a refusal: nothing needs doing there. */
const nothingToDo: ReadonlySet<SkipKind> = new Set(['current', 'same-daemon']);

export function orderRollout(verdicts: readonly HostVerdict[], {canaries = [], batch = 1}: OrderOptions = {}): RolloutOrder {
	if (!Number.isInteger(batch) || batch < 1) {
		throw new BadInput(`--batch takes a whole number of hosts from 1, not ${safeText(batch)}`);
	}

	const known = new Set(verdicts.map(verdict => verdict.host));
	const unknown = canaries.filter(name => !known.has(name));
	if (unknown.length > 0) {
		throw new BadInput(`--canary ${unknown.map(name => safeText(name).slice(0, 70)).join(', ')}: not a host of this rollout (${[...known].join(', ').slice(0, 300)})`);
	}

	const canarySet = new Set(canaries);
	const stages: Stage[] = [];
	for (const name of new Set(canaries)) {
		const verdict = verdicts.find(candidate => candidate.host === name)!;
		if (verdict.skip && !nothingToDo.has(verdict.skip.kind)) {
			return {stages: [], refusal: `the canary ${name} would not be changed (${verdict.skip.reason}): name another with --canary, or fix ${name} first`};
		}

		if (!verdict.skip) {
			stages.push({kind: 'canary', hosts: [name]});
		}
	}

	const rest = verdicts.filter(verdict => !verdict.skip && !canarySet.has(verdict.host)).map(verdict => verdict.host);
	for (let start = 0; start < rest.length; start += batch) {
		stages.push({kind: 'batch', hosts: rest.slice(start, start + batch)});
	}

	return {stages};
}

/**
 * Why the rollout stops after a stage, or undefined to go on. A canary refused at its stage (it
 * changed since the plan) proved nothing, so it stops the rollout too; elsewhere a refusal is not
 * a failure, and does not count towards --max-failed.
 */
export function stopReason(stage: Stage, failedInStage: readonly string[], failedSoFar: number, maxFailed: number, refusedInStage: readonly string[] = []): string | undefined {
	if (stage.kind === 'canary' && failedInStage.length > 0) {
		return `the canary ${failedInStage.join(', ')} failed`;
	}

	if (stage.kind === 'canary' && refusedInStage.length > 0) {
		return `the canary ${refusedInStage.join(', ')} changed since the plan, so it proved nothing`;
	}

	if (failedSoFar > maxFailed) {
		return `${failedSoFar} host${failedSoFar === 1 ? '' : 's'} failed, more than --max-failed ${maxFailed} allows`;
	}

	return undefined;
}

/**
 * What became of one host. `restored`: it failed and was put back as it was; `failed`: it could not
 * be, run recover; `refused`: planned, but at its stage it was no longer what the plan was made on,
 * so nothing was done there.
 */
export type HostResult = 'done' | 'skipped' | 'restored' | 'failed' | 'not-started' | 'refused';

export interface HostOutcome {
	host: string;
	result: HostResult;
	/** Why, for anything but done. */
	reason?: string;
	skipKind?: SkipKind;
	/** A host done: the release it left and the one it runs now (`amd64-1.2.9`, `amd64-1.2.10`). */
	from?: string;
	to?: string;
}

/**
 * 0 when every host that was not skipped is done; 4 when a host could not be put back (as a
 * single-host change whose undo failed); 1 when any failed and was put back (or was stopped before
 * it started), and when nothing was done because hosts could not be reached; 3 when a host planned
 * was refused at its stage (changed since the plan), or nothing was done and hosts were refused
 * (in use, read-only, no previous version).
 */
export function rolloutExitCode(outcomes: readonly HostOutcome[]): ExitCode {
	if (outcomes.some(outcome => outcome.result === 'failed')) {
		return 4;
	}

	if (outcomes.some(outcome => outcome.result === 'restored' || outcome.result === 'not-started')) {
		return 1;
	}

	if (outcomes.some(outcome => outcome.result === 'refused')) {
		return 3;
	}

	if (outcomes.some(outcome => outcome.result === 'done')) {
		return 0;
	}

	if (outcomes.some(outcome => outcome.skipKind === 'unreachable')) {
		return 1;
	}

	return outcomes.some(outcome => outcome.skipKind !== undefined && !nothingToDo.has(outcome.skipKind)) ? 3 : 0;
}
