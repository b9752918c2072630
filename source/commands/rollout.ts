import {readSettings} from '../config.js';
import {BadInput, Cancelled, KasmTuiError, Refused, type ExitCode} from '../errors.js';
import {HostPool} from '../hosts/pool.js';
import {closeRollout, describeOrder, planRollout, runRollout, type HostJob, type RolloutEvent, type RolloutPlan, type RolloutReport, type RolloutRequest} from '../flows/rollout.js';
import {rolloutExitCode, type HostOutcome} from '../flows/rollout-plan.js';
import {parseReference} from '../docker/reference.js';
import {confirm, describePlan, progressPrinter, withInterruptsDeferred} from './change.js';
import type {CommandContext} from './context.js';
import {fleetHosts, warnSharedEngineIds, warnUnverifiedTls} from './fleet.js';
import {table} from './table.js';
import {tlsVerifiedOf} from './tls.js';

type RolloutAction = RolloutRequest['action'];

function requestOf(context: CommandContext, action: RolloutAction, positionals: string[]): {request: RolloutRequest; hosts: string[]} {
	if (action === 'auto-update') {
		return {request: {action}, hosts: positionals};
	}

	const [plugin, ...hosts] = positionals;
	const usage = `kasm-tui fleet ${action} <plugin>${action === 'reinstall' ? ' --version TAG [--alias NAME]' : ''} [HOST…] [--canary HOST]… [--batch N] [--max-failed N] [--step-timeout SECONDS] [--parallel N]`;
	if (!plugin) {
		throw new BadInput(`a plugin name is needed: usage: ${usage}`);
	}

	// Plugin names are references; anything else could be a path's worth of text.
	parseReference(plugin);
	if (action === 'reinstall') {
		if (!context.tag) {
			throw new BadInput(`fleet reinstall needs the version to install: ${usage}`);
		}

		return {request: {action, plugin, version: context.tag, alias: context.alias}, hosts};
	}

	return {request: {action, plugin}, hosts};
}

/** Each host's part of the plan, in the words a single-host confirmation uses. */
export function describeRollout(plan: RolloutPlan): string {
	const {request, order} = plan;
	const subject = request.action === 'auto-update' ? 'auto-update' : `${request.action} ${request.plugin}`;
	const lines = [`fleet ${subject} on ${plan.jobs.length} host${plan.jobs.length === 1 ? '' : 's'}`];
	const canaries = new Set(order.stages.filter(stage => stage.kind === 'canary').flatMap(stage => stage.hosts));
	for (const job of plan.jobs) {
		lines.push('', `${job.host.name}${canaries.has(job.host.name) ? ' (canary)' : ''}  ${job.host.target.address}`);
		if (job.verdict.skip) {
			lines.push(`  skipped: ${job.verdict.skip.reason}`);
		} else if (job.plan) {
			lines.push(...describePlan(job.plan).split('\n').map(line => `  ${line}`));
		} else {
			for (const update of job.updates ?? []) {
				lines.push(`  ${update.reason ? `leaves ${update.plugin}: ${update.reason}` : `upgrades ${update.plugin}`}`);
			}
		}
	}

	lines.push('', describeOrder(plan));
	return lines.join('\n');
}

/** Progress for people on standard error, each line led by its host. */
function rolloutPrinter(context: CommandContext): (event: RolloutEvent) => void {
	const printers = new Map<string, ReturnType<typeof progressPrinter>>();
	const printerOf = (prefix: string) => {
		let printer = printers.get(prefix);
		if (!printer) {
			printer = progressPrinter(context, prefix);
			printers.set(prefix, printer);
		}

		return printer;
	};

	return event => {
		switch (event.kind) {
			case 'stage': {
				context.warn(`-- ${event.stage.kind === 'canary' ? 'canary' : 'batch'} ${event.index + 1}/${event.count}: ${event.stage.hosts.join(', ')}`);
				break;
			}

			case 'flow': {
				printerOf(`${event.host}: `)(event.event);
				break;
			}

			case 'gate': {
				context.warn(`${event.host}: health: ${event.check.check} ${event.check.ok ? 'ok' : 'FAILED'}: ${event.check.detail}`);
				break;
			}

			case 'note': {
				context.warn(`${event.host}: ! ${event.text}`);
				break;
			}

			case 'outcome': {
				context.warn(`${event.outcome.host}: ${event.outcome.result}${event.outcome.reason ? `: ${event.outcome.reason}` : ''}`);
				break;
			}

			case 'stopped': {
				context.warn(`-- stopped: ${event.reason}; the hosts not started are left as they are`);
				break;
			}

			case 'silent': {
				context.warn(silentLine(event.host, event.silentMs, event.doing, event.stalled));
				break;
			}

			case 'host-started': {
				break;
			}
		}
	};
}

/** `agent-c: no answer for 30 s (step 2/3, pull)`: a host under way that has gone quiet (or only repeats itself), said while it is. */
export function silentLine(host: string, silentMs: number, doing: string, stalled = false): string {
	return `${host}: ${stalled ? 'no progress' : 'no answer'} for ${Math.round(silentMs / 1000)} s (${doing})`;
}

/**
 * Planning reads every host, and a host that hangs holds it up to its deadline: ctrl-c (or SIGTERM,
 * SIGHUP) ends it at once, every connection closed, nothing changed.
 */
async function cancellable<T>(work: Promise<T>, onCancel: () => void): Promise<T> {
	let cancel = (_signal: NodeJS.Signals) => {};
	const cancelled = new Promise<never>((_resolve, reject) => {
		cancel = () => {
			onCancel();
			reject(new Cancelled());
		};
	});
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const name of signals) {
		process.on(name, cancel);
	}

	try {
		return await Promise.race([work, cancelled]);
	} finally {
		for (const name of signals) {
			process.off(name, cancel);
		}
	}
}

function reportJson(plan: RolloutPlan, report: RolloutReport) {
	const code = rolloutExitCode(report.outcomes);
	return {
		action: plan.request.action,
		plugin: 'plugin' in plan.request ? plan.request.plugin : null,
		outcome: code === 0 ? 'done' : code === 3 ? 'refused' : 'failed',
		stopped: report.stopped ?? null,
		hosts: report.outcomes.map(outcome => {
			const job = plan.jobs.find(candidate => candidate.host.name === outcome.host)!;
			return {
				name: outcome.host,
				address: job.host.target.address,
				tlsVerified: tlsVerifiedOf(job.host.target),
				result: outcome.result,
				reason: outcome.reason ?? null,
				skip: outcome.skipKind ?? null,
				sharesEngineIdWith: job.sharesEngineIdWith ?? null,
				from: outcome.from ?? (job.plan ? job.plan.origin.tag || job.plan.origin.reference : null),
				to: outcome.to ?? (job.plan ? job.plan.destination.tag || job.plan.destination.remote : null),
			};
		}),
	};
}

const resultWords: Record<HostOutcome['result'], string> = {
	done: 'done',
	skipped: 'skipped',
	restored: 'failed, restored',
	failed: 'failed, NOT restored',
	'not-started': 'not-started',
	refused: 'refused, changed since the plan',
};

function describeReport(report: RolloutReport): string {
	return table(report.outcomes, [
		{title: 'HOST', value: outcome => outcome.host, max: 40},
		{title: 'RESULT', value: outcome => resultWords[outcome.result]},
		{title: 'DETAIL', value: outcome => outcome.reason ?? '', max: 160},
	]);
}

const willChange = (job: HostJob) => !job.verdict.skip;

/** A rollout that did not finish: exit 1, or 4 when a host could not be put back. */
class RolloutFailed extends KasmTuiError {
	override name = 'RolloutFailed';
	constructor(
		override readonly exitCode: ExitCode,
		message: string,
	) {
		super(message);
	}
}

/**
 * `kasm-tui fleet upgrade|rollback|reinstall <plugin> [HOST…]` and `fleet auto-update [HOST…]`:
 * the plan for every host, one confirmation, then canaries, batches and a health gate per host.
 */
export async function rolloutCommand(context: CommandContext, action: RolloutAction, positionals: string[]): Promise<void> {
	const {request, hosts: names} = requestOf(context, action, positionals);
	const hosts = await fleetHosts(context, names);
	warnUnverifiedTls(context, hosts);
	const {settings} = await readSettings();
	const pool = new HostPool({parallel: context.parallel, stepTimeoutMs: context.stepTimeoutMs});
	let plan: RolloutPlan;
	try {
		plan = await cancellable(
			planRollout(hosts, request, {
				ledgerDir: context.ledgerDir,
				readOnly: context.readOnly,
				canaries: context.canaries,
				batch: context.batch,
				maxFailed: context.maxFailed,
				sessions: context.sessions,
				kasmRestart: context.kasmRestart,
				pool,
				onSilent: (host, silentMs) => context.warn(silentLine(host, silentMs, 'planning')),
			}),
			() => pool.close(),
		);
	} catch (error) {
		pool.close();
		throw error;
	}

	warnSharedEngineIds(context, plan.jobs.map(job => ({name: job.host.name, sharesEngineIdWith: job.sharesEngineIdWith})));
	try {
		// With --json the plan goes to standard error, so standard output stays one JSON document.
		(context.json ? context.warn : context.print)(describeRollout(plan));
		if (plan.order.refusal) {
			throw new Refused(`nothing was changed: ${plan.order.refusal}`);
		}

		const changing = plan.jobs.filter(job => willChange(job)).length;
		if (changing > 0 && !(await confirm(context, `Go ahead on ${changing} host${changing === 1 ? '' : 's'}?`))) {
			throw new Refused(`nothing was changed: the fleet ${action} was not confirmed`);
		}

		const report = await withInterruptsDeferred(context, async signal =>
			runRollout(plan, {signal, settleMs: settings.rolloutSettleSeconds * 1000, onEvent: rolloutPrinter(context)}),
		);
		context.print(context.json ? JSON.stringify(reportJson(plan, report), null, 2) : describeReport(report));
		const code = rolloutExitCode(report.outcomes);
		const count = (result: string) => report.outcomes.filter(outcome => outcome.result === result).length;
		if (code === 3) {
			const refused = report.outcomes.filter(outcome => outcome.result === 'refused');
			throw new Refused(
				refused.length > 0
					? `${refused.map(outcome => outcome.host).join(', ')} changed since the plan, so nothing was done there (${count('done')} done): look again and confirm`
					: `nothing was changed: every host was skipped (${report.outcomes.map(outcome => `${outcome.host}: ${outcome.reason}`).join('; ').slice(0, 400)})`,
			);
		}

		if (code === 1 || code === 4) {
			const halfDone = report.outcomes.filter(outcome => outcome.result === 'failed').map(outcome => outcome.host);
			throw new RolloutFailed(
				code,
				`the fleet ${action} did not finish: ${count('done')} done, ${count('restored')} failed and restored, ${halfDone.length} failed and not restored, ${count('not-started')} not started, ${count('skipped')} skipped` +
					(halfDone.length > 0 ? `; run "kasm-tui recover <plugin> --host ADDRESS" on ${halfDone.join(', ')}` : ''),
			);
		}
	} finally {
		closeRollout(plan);
		pool.close();
	}
}

