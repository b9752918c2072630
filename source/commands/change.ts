import readline from 'node:readline';
import {listPluginsWithUsage, type PluginWithUsage} from '../docker/usage.js';
import {BadInput, Refused} from '../errors.js';
import {openFlowContext, type FlowContext} from '../flows/context.js';
import {findPlugin} from '../flows/find-plugin.js';
import {observePlugins} from '../flows/observe.js';
import {summarisePlan} from '../flows/describe.js';
import {describeStep, type Plan} from '../flows/plan.js';
import {unfinishedRefusal} from '../flows/recover.js';
import {recordRefusal, runPlan, type FlowEvent, type FlowResult} from '../flows/run.js';
import {historyJson} from './history.js';
import type {CommandContext} from './context.js';

/** The flow context and the named plugin, with its usage, recorded in the ledger if it is new there. */
export async function openPlugin(context: CommandContext, name: string | undefined, usage: string): Promise<{flow: FlowContext; plugin: PluginWithUsage}> {
	if (!name) {
		throw new BadInput(`a plugin name is needed: usage: kasm-tui ${usage}`);
	}

	const flow = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, readOnly: context.readOnly});
	const plugins = await listPluginsWithUsage(flow.engine);
	const plugin = findPlugin(plugins, name) as PluginWithUsage;
	if (!flow.readOnly) {
		flow.ledger.assertUsable();
		await observePlugins(flow, [plugin]);
		const refusal = unfinishedRefusal(flow, plugin.name);
		if (refusal) {
			throw refusal;
		}
	}

	return {flow, plugin};
}

/** The plan in words: what will happen, the docker commands it equals, what is granted, who uses the plugin. */
export function describePlan(plan: Plan): string {
	const summary = summarisePlan(plan);
	const lines = [
		summary.title,
		`  from        ${summary.from}`,
		`  to          ${summary.to}`,
		`  privileges  ${summary.privileges.map(privilege => privilege.text).join('; ') || 'none'}`,
	];
	if (summary.usedBy) {
		lines.push(`  used by     ${summary.usedBy}`);
	}

	lines.push('  steps');
	for (const [index, step] of summary.steps.entries()) {
		lines.push(`    ${index + 1}. ${step.text}`, `       ${step.command}`);
	}

	for (const warning of summary.warnings) {
		lines.push(`  ! ${warning}`);
	}

	return lines.join('\n');
}

/** Asks on the terminal; without one, `--yes` is the only way to say yes. */
export async function confirm(context: CommandContext, question: string): Promise<boolean> {
	if (context.yes) {
		return true;
	}

	if (!process.stdin.isTTY) {
		throw new BadInput('standard input is not a terminal, so kasm-tui cannot ask: add --yes to go ahead without asking');
	}

	const prompt = readline.createInterface({input: process.stdin, output: process.stderr});
	try {
		const answer = await new Promise<string>(resolve => {
			prompt.question(`${question} [y/N] `, resolve);
		});
		return /^y(es)?$/i.test(answer.trim());
	} finally {
		prompt.close();
	}
}

/** Progress for people on standard error: one line per step and per layer status change. */
export function progressPrinter(context: CommandContext, prefix = ''): (event: FlowEvent) => void {
	const seen = new Set<string>();
	return event => {
		switch (event.kind) {
			case 'step': {
				context.warn(`${prefix}[${event.index + 1}/${event.count}] ${describeStep(event.step)}`);
				break;
			}

			case 'progress': {
				const {progress} = event;
				const line = `${progress.id ? `${progress.id}: ` : ''}${progress.status}`;
				if (!seen.has(line) && !/^(Downloading|Extracting)$/.test(progress.status)) {
					seen.add(line);
					context.warn(`${prefix}      ${line}`);
				}

				break;
			}

			case 'undo': {
				context.warn(`${prefix}  undo: ${describeStep(event.step)}`);
				break;
			}

			case 'warning': {
				context.warn(`${prefix}  ! ${event.text}`);
				break;
			}
		}
	};
}

/**
 * While a change runs, ctrl-c, SIGTERM and SIGHUP (a dropped SSH session) do not kill kasm-tui
 * half-way: the step under way finishes, the steps done are undone, and then it exits. A
 * second signal is only reported: a plugin is never left disabled or half-upgraded.
 */
export async function withInterruptsDeferred<T>(context: CommandContext, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const controller = new AbortController();
	const onSignal = (name: NodeJS.Signals) => {
		if (controller.signal.aborted) {
			context.warn(`kasm-tui: still putting things back after ${name}; it exits as soon as that is done`);
			return;
		}

		context.warn(`kasm-tui: ${name}: finishing the current step, then undoing what was done`);
		controller.abort(name);
	};

	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const name of signals) {
		process.on(name, onSignal);
	}

	try {
		return await work(controller.signal);
	} finally {
		for (const name of signals) {
			process.off(name, onSignal);
		}
	}
}

/** Shows the plan, asks (or takes --yes), runs it, and prints the result. */
export async function confirmAndRun(context: CommandContext, flow: FlowContext, plan: Plan, options: {ask?: boolean} = {}): Promise<FlowResult> {
	if (plan.refusal) {
		recordRefusal(flow, plan);
		throw plan.refusal;
	}

	// With --json the plan goes to standard error, so standard output stays one JSON document.
	(context.json ? context.warn : context.print)(describePlan(plan));
	if ((options.ask ?? true) && !(await confirm(context, 'Go ahead?'))) {
		throw new Refused(`nothing was changed: the ${plan.action} of ${plan.origin.name} was not confirmed`);
	}

	const result = await withInterruptsDeferred(context, async signal => runPlan(flow, plan, progressPrinter(context), {signal}));
	if (context.json) {
		context.print(
			JSON.stringify(
				{
					action: plan.action,
					outcome: 'ok',
					plugin: result.plugin.name,
					installed: {remote: plan.destination.remote, byDigest: Boolean(plan.destination.byDigest)},
					entry: historyJson(result.entry),
				},
				null,
				2,
			),
		);
	} else {
		context.print(`${plan.action} of ${plan.origin.name} done: ${result.plugin.name} is ${result.plugin.enabled ? 'enabled' : 'disabled'} at ${plan.destination.tag || plan.destination.remote}`);
	}

	return result;
}
