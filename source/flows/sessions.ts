import {liveSessionsNow} from '../docker/sessions.js';
import {Refused} from '../errors.js';
import type {FlowContext} from './context.js';
import type {Plan} from './plan.js';
import type {FlowEvent} from './run.js';

/**
 * Kasm's users work in session containers (label `kasm.kasmid`) whose networks run on plugins:
 * a change of a plugin on their host can cut them off. By default such a change is refused;
 * `--sessions wait` waits for them to end (at most `--sessions-timeout`), `--sessions ignore`
 * goes ahead and says so in the plan.
 */
export type SessionMode = 'refuse' | 'wait' | 'ignore';

export const sessionModes: readonly SessionMode[] = ['refuse', 'wait', 'ignore'];

export interface SessionPolicy {
	mode: SessionMode;
	/** How long `wait` waits for the sessions to end before it refuses. */
	timeoutSeconds: number;
}

export const defaultSessionPolicy: SessionPolicy = {mode: 'refuse', timeoutSeconds: 3600};

/** What a plan found: the live sessions when it was made, and what the policy says to do. */
export interface PlanSessions {
	count: number;
	mode: SessionMode;
}

export function sessionsText(count: number, host: string): string {
	return `${count} live Kasm session${count === 1 ? '' : 's'} on ${host}`;
}

export class LiveSessions extends Refused {
	override name = 'LiveSessions';
	constructor(
		readonly host: string,
		readonly count: number,
		readonly why = 'nothing was done: wait for them to end (--sessions wait), or go ahead anyway (--sessions ignore)',
	) {
		super(`${sessionsText(count, host)}: they would lose their network; ${why}`);
	}
}

function policyOf(context: FlowContext): SessionPolicy {
	return context.sessions ?? defaultSessionPolicy;
}

/**
 * The plan's look at the host's sessions, for every change of an installed plugin: refused when
 * there are some and the policy is `refuse`; otherwise the plan says what will be done about them.
 */
export async function checkSessions(context: FlowContext, plan: Plan): Promise<Plan> {
	if (plan.refusal || plan.origin.absent) {
		return plan;
	}

	const policy = policyOf(context);
	const count = await liveSessionsNow(context.engine);
	const sessions: PlanSessions = {count, mode: policy.mode};
	if (count === 0) {
		return {...plan, sessions};
	}

	const live = sessionsText(count, context.hostName);
	switch (policy.mode) {
		case 'refuse': {
			return {...plan, sessions, refusal: new LiveSessions(context.hostName, count)};
		}

		case 'wait': {
			return {...plan, sessions, warnings: [...plan.warnings, `${live}: kasm-tui waits for them to end, at most ${policy.timeoutSeconds} s (--sessions-timeout), before the first step`]};
		}

		case 'ignore': {
			return {...plan, sessions, warnings: [...plan.warnings, `${live}: going ahead anyway (--sessions ignore); their users may lose their network`]};
		}
	}
}

/**
 * The sessions looked at again under the plugin's lock, before the first step: with `wait`, until
 * none is left or the timeout; with `refuse`, a session begun since the plan refuses it. Only for
 * plans checkSessions looked at (a recover puts back what a dead change left, whoever is on the host).
 */
export async function sessionsUnderLock(
	context: FlowContext,
	plan: Plan,
	report: (event: FlowEvent) => void = () => {},
	signal?: AbortSignal,
): Promise<LiveSessions | undefined> {
	if (!plan.sessions || plan.sessions.mode === 'ignore') {
		return undefined;
	}

	let count = await liveSessionsNow(context.engine);
	if (count === 0) {
		return undefined;
	}

	if (plan.sessions.mode === 'refuse') {
		return new LiveSessions(context.hostName, count, 'they began since the plan; nothing was done');
	}

	const {timeoutSeconds} = policyOf(context);
	const started = Date.now();
	const deadline = started + timeoutSeconds * 1000;
	let told = -1;
	let toldAt = 0;
	while (count > 0) {
		const now = Date.now();
		if (now >= deadline) {
			return new LiveSessions(context.hostName, count, `still there after ${timeoutSeconds} s (--sessions-timeout); nothing was done`);
		}

		if (signal?.aborted) {
			return new LiveSessions(context.hostName, count, `interrupted while waiting for them to end (${String(signal.reason ?? 'aborted')}); nothing was done`);
		}

		// Said when the count changes, and every 10 s otherwise.
		if (count !== told || now - toldAt >= 10_000) {
			report({kind: 'warning', text: `waiting for ${sessionsText(count, context.hostName)} to end (${Math.round((now - started) / 1000)} s of ${timeoutSeconds} s)`});
			told = count;
			toldAt = now;
		}

		await pause(Math.min(1000, deadline - now), signal);
		count = await liveSessionsNow(context.engine);
	}

	report({kind: 'warning', text: `no live Kasm session left on ${context.hostName} after ${Math.round((Date.now() - started) / 1000)} s: going ahead`});
	return undefined;
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
	await new Promise<void>(resolve => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}

		signal?.addEventListener('abort', done, {once: true});
	});
}
