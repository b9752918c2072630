import {summarisePlan} from '../../flows/describe.js';
import {describeOrder, type RolloutEvent, type RolloutPlan, type RolloutReport, type RolloutRequest} from '../../flows/rollout.js';
import {rolloutExitCode, type HostResult} from '../../flows/rollout-plan.js';
import {planLines, progressLine} from './plan-lines.js';
import {line, type Line, type Segment} from './line.js';
import type {Outcome} from '../state/mode.js';

/**
 * A rollout as the fleet screen shows it: the plan of every host before anything changes, each
 * host's progress while it runs (from runRollout's events), and the report. Pure: state in, lines out.
 */

export function rolloutSubject(request: RolloutRequest): string {
	return request.action === 'auto-update' ? 'auto-update' : `${request.action} ${request.plugin}`;
}

const canariesOf = (plan: RolloutPlan) => new Set(plan.order.stages.filter(stage => stage.kind === 'canary').flatMap(stage => stage.hosts));

/** The plan: the order and stop rule, then every host: its steps, who uses the plugin, what it grants, or why it is left alone. */
export function rolloutPlanLines(plan: RolloutPlan): Line[] {
	const canaries = canariesOf(plan);
	const lines: Line[] = [line({text: describeOrder(plan), bold: true})];
	for (const job of plan.jobs) {
		const name = job.host.name;
		lines.push([], line({text: name, bold: true}, canaries.has(name) ? {text: ' (canary)', color: 'cyan', bold: true} : undefined, {text: `  ${job.host.target.address}`, dim: true}));
		if (job.verdict.skip) {
			lines.push(line({text: '  skipped: ', color: 'yellow'}, job.verdict.skip.reason));
		} else if (job.plan) {
			lines.push(...planLines(summarisePlan(job.plan)).map(planLine => [{text: '  '}, ...planLine]));
		} else {
			for (const update of job.updates ?? []) {
				lines.push(update.reason ? line({text: `  leaves   ${update.plugin}`, dim: true}, {text: `: ${update.reason}`, dim: true}) : line({text: `  upgrades ${update.plugin}`, bold: true}));
			}
		}
	}

	return lines;
}

export type HostState = 'waiting' | 'under way' | HostResult;

export interface HostProgress {
	host: string;
	canary: boolean;
	state: HostState;
	/** The step, health check or reason of the moment. */
	detail: string;
}

export interface RolloutProgress {
	hosts: HostProgress[];
	/** `canary 1/3: alpha`. */
	stage?: string;
	stopped?: string;
	/** The health checks and notes so far, newest last. */
	checks: Line[];
}

export function progressStart(plan: RolloutPlan): RolloutProgress {
	const canaries = canariesOf(plan);
	return {
		hosts: plan.jobs.map(job => ({
			host: job.host.name,
			canary: canaries.has(job.host.name),
			state: job.verdict.skip ? 'skipped' : 'waiting',
			detail: job.verdict.skip?.reason ?? '',
		})),
		checks: [],
	};
}

const textOf = (segments: Line | undefined) => (segments ?? []).map(segment => segment.text).join('').trim();

/** One event of runRollout applied to what the screen shows. */
export function progressAfter(progress: RolloutProgress, event: RolloutEvent): RolloutProgress {
	const withHost = (name: string, change: Partial<HostProgress>) => ({...progress, hosts: progress.hosts.map(host => (host.host === name ? {...host, ...change} : host))});
	switch (event.kind) {
		case 'stage': {
			return {...progress, stage: `${event.stage.kind} ${event.index + 1}/${event.count}: ${event.stage.hosts.join(', ')}`};
		}

		case 'host-started': {
			return withHost(event.host, {state: 'under way', detail: 'planning its steps…'});
		}

		case 'flow': {
			const text = textOf(progressLine(event.event));
			return text ? withHost(event.host, {detail: text}) : progress;
		}

		case 'gate': {
			const {check} = event;
			const detail = `health: ${check.check} ${check.ok ? 'ok' : 'FAILED'}: ${check.detail}`;
			return {
				...withHost(event.host, {detail}),
				checks: [...progress.checks, line({text: `${event.host}: `, bold: true}, {text: detail, color: check.ok ? undefined : 'red'})],
			};
		}

		case 'note': {
			return {...progress, checks: [...progress.checks, line({text: `${event.host}: `, bold: true}, {text: `! ${event.text}`, color: 'yellow'})]};
		}

		case 'outcome': {
			return withHost(event.outcome.host, {state: event.outcome.result, detail: event.outcome.reason ?? ''});
		}

		case 'stopped': {
			return {...progress, stopped: event.reason};
		}

		case 'silent': {
			return withHost(event.host, {detail: `${event.stalled ? 'no progress' : 'no answer'} for ${Math.round(event.silentMs / 1000)} s (${event.doing})`});
		}
	}
}

const stateLook: Record<HostState, Segment> = {
	waiting: {text: 'waiting', dim: true},
	'under way': {text: 'under way', color: 'cyan', bold: true},
	done: {text: 'done', color: 'green'},
	skipped: {text: 'skipped', dim: true},
	restored: {text: 'failed, restored', color: 'yellow'},
	failed: {text: 'failed, NOT restored', color: 'red', bold: true},
	'not-started': {text: 'not started', dim: true},
	refused: {text: 'refused: changed', color: 'yellow'},
};

function hostLine(host: HostProgress, nameWidth: number): Line {
	const look = stateLook[host.state];
	return line(
		{text: `${host.host.padEnd(nameWidth)} `, bold: host.state === 'under way'},
		{text: host.canary ? 'canary ' : '       ', color: 'cyan'},
		{...look, text: look.text.padEnd(21)},
		host.detail ? {text: host.detail, dim: host.state === 'skipped' || host.state === 'waiting'} : undefined,
	);
}

/** Every host's line, the stage, then the latest health checks that fit in `room` lines. */
export function progressLines(progress: RolloutProgress, room: number): Line[] {
	const nameWidth = Math.max(4, ...progress.hosts.map(host => [...host.host].length));
	const lines: Line[] = [line({text: progress.stage ?? 'starting…', bold: true}), ...progress.hosts.map(host => hostLine(host, nameWidth))];
	if (progress.stopped) {
		lines.push(line({text: `stopped: ${progress.stopped}; the hosts not started are left as they are`, color: 'yellow'}));
	}

	const left = room - lines.length - 1;
	if (left > 0 && progress.checks.length > 0) {
		lines.push([], ...progress.checks.slice(-left));
	}

	return lines;
}

/** How the rollout ended, in the words of a single change's result (and the exit code the command would give). */
export function reportOutcome(report: RolloutReport): Outcome {
	switch (rolloutExitCode(report.outcomes)) {
		case 0: {
			return 'done';
		}

		case 3: {
			return 'refused';
		}

		case 4: {
			return 'failed, not put back';
		}

		default: {
			return 'failed';
		}
	}
}

/** Each host's outcome, and what to run where a host could not be put back. */
export function reportLines(plan: RolloutPlan, report: RolloutReport): Line[] {
	const canaries = canariesOf(plan);
	const progress: HostProgress[] = report.outcomes.map(outcome => ({host: outcome.host, canary: canaries.has(outcome.host), state: outcome.result, detail: outcome.reason ?? ''}));
	const nameWidth = Math.max(4, ...progress.map(host => [...host.host].length));
	const lines = progress.map(host => hostLine(host, nameWidth));
	if (report.stopped) {
		lines.push([], line({text: `stopped: ${report.stopped}; the hosts not started were left as they are`, color: 'yellow'}));
	}

	const plugin = plan.request.action === 'auto-update' ? '<plugin>' : plan.request.plugin;
	for (const outcome of report.outcomes.filter(candidate => candidate.result === 'failed')) {
		const address = plan.jobs.find(job => job.host.name === outcome.host)?.host.target.address ?? outcome.host;
		lines.push(line({text: 'run  ', dim: true}, {text: `kasm-tui recover ${plugin} --host ${address}`, bold: true}));
	}

	return lines;
}
