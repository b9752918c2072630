import {listPluginsWithUsage, type PluginWithUsage} from '../docker/usage.js';
import {BadInput, Cancelled, Refused} from '../errors.js';
import {openFlowContext, type FlowContext} from '../flows/context.js';
import {describeResult, keepsBuild, summarisePlan} from '../flows/describe.js';
import {findPlugin} from '../flows/find-plugin.js';
import {buildChangeText} from '../flows/build-change.js';
import type {ChangeRequest} from '../flows/open-change.js';
import {runChange, type ChangeDone} from '../flows/pipeline.js';
import {describeStep, type Plan} from '../flows/plan.js';
import {FlowFailed, type FlowEvent, type FlowResult} from '../flows/run.js';
import {historyJson} from './history.js';
import {jsonText} from './json.js';
import type {CommandContext} from './context.js';

/**
 * A change of the plugin an operator named: found as docker finds it, then taken through the
 * change pipeline as every face takes one (changeFromCommandLine).
 */
export async function changeNamedPlugin(
	context: CommandContext,
	name: string | undefined,
	usage: string,
	request: (plugin: PluginWithUsage) => ChangeRequest,
): Promise<void> {
	if (!name) {
		throw new BadInput(`a plugin name is needed: usage: kasm-tui ${usage}`);
	}

	const flow = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, readOnly: context.readOnly, sessions: context.sessions, kasmRestart: context.kasmRestart});
	const plugin = findPlugin(await listPluginsWithUsage(flow.engine), name) as PluginWithUsage;
	await changeFromCommandLine(context, flow, request(plugin));
}

/** The plan in words: what will happen, the docker commands it equals, what is granted, who uses the plugin. */
export function describePlan(plan: Plan): string {
	const summary = summarisePlan(plan);
	const lines = [summary.title, `  from        ${summary.from}`, `  to          ${summary.to}`];
	// One a line, as the daemon lists them; what reaches into the host is marked, as on the screen.
	const privileges = summary.grants ? summary.privileges : [];
	for (const [index, privilege] of privileges.entries()) {
		const added = privilege.added ? `  (new: ${plan.action === 'set' ? 'the new settings give it this' : 'this build asks for it, the current one did not'})` : '';
		lines.push(`  ${index === 0 ? 'privileges' : '          '}  ${privilege.sensitive ? '! ' : ''}${privilege.text}${added}`);
	}

	if (!summary.grants) {
		// Disable and remove grant nothing: no line for privileges.
	} else if (privileges.length === 0) {
		lines.push('  privileges  none');
	} else if (privileges.some(privilege => privilege.sensitive)) {
		lines.push('              (! reaches into the host: its network, files, devices or capabilities; granted exactly as listed)');
	}

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

/**
 * Asks on the terminal; without one, `--yes` is the only way to say yes. ctrl-c or the end of
 * input (ctrl-d) at the question cancels: nothing has changed yet, and the exit code is 130.
 */
export async function confirm(context: CommandContext, question: string): Promise<boolean> {
	if (context.yes) {
		return true;
	}

	if (!process.stdin.isTTY) {
		throw new BadInput('standard input is not a terminal, so kasm-tui cannot ask: add --yes to go ahead without asking');
	}

	// node:readline is loaded here, not with this module: every command loads it (source/cli/commands.ts).
	const prompt = (process.getBuiltinModule('node:readline') as typeof import('node:readline')).createInterface({input: process.stdin, output: process.stderr});
	let onSignal = () => {};
	try {
		const answer = await new Promise<string | undefined>(resolve => {
			prompt.question(`${question} [y/N] `, resolve);
			// readline turns ctrl-c into its SIGINT event when it drives the terminal; otherwise the
			// process gets the signal. ctrl-d on an empty line closes the input.
			onSignal = () => resolve(undefined);
			prompt.once('SIGINT', onSignal);
			prompt.once('close', onSignal);
			process.once('SIGINT', onSignal);
		});
		if (answer === undefined) {
			// The question leaves the cursor on its line: the message goes on a line of its own.
			process.stderr.write('\n');
			throw new Cancelled();
		}

		return /^y(es)?$/i.test(answer.trim());
	} finally {
		process.off('SIGINT', onSignal);
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
export async function withInterruptsDeferred<T>(
	context: CommandContext,
	work: (signal: AbortSignal) => Promise<T>,
	/** What happens now, in words: a prune has nothing to undo. */
	then = 'finishing the current step, then undoing what was done',
): Promise<T> {
	const controller = new AbortController();
	const onSignal = (name: NodeJS.Signals) => {
		if (controller.signal.aborted) {
			context.warn(`kasm-tui: still putting things back after ${name}; it exits as soon as that is done`);
			return;
		}

		context.warn(`kasm-tui: ${name}: ${then}`);
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

/**
 * The command line's face of the change pipeline (flows/pipeline.ts): shows the plan, asks (or
 * takes --yes), runs it with interrupts deferred, and prints the result. A refusal was recorded
 * when the change was planned or looked at again. With --json a failure is a document too: whether
 * the plugin was put back, what it is now, and the command that puts it back when the undo could not.
 */
export async function changeFromCommandLine(context: CommandContext, flow: FlowContext, request: ChangeRequest): Promise<FlowResult> {
	let shown: Plan | undefined;
	let done: ChangeDone | undefined;
	try {
		done = await runChange(flow, request, {
			async confirm(plan) {
				shown = plan;
				// With --json the plan goes to standard error, so standard output stays one JSON document.
				(context.json ? context.warn : context.print)(describePlan(plan));
				return confirm(context, 'Go ahead?');
			},
			report: progressPrinter(context),
			guard: async work => withInterruptsDeferred(context, work),
		});
	} catch (error) {
		if (context.json && shown && error instanceof FlowFailed) {
			context.print(
				jsonText({action: shown.action, outcome: error.outcome, plugin: error.plugin, undoFailed: error.undoFailed, state: error.state, recover: error.recover, error: error.message}),
			);
		}

		throw error;
	}

	if (!done) {
		throw new Refused(`nothing was changed: the ${shown!.action} of ${shown!.origin.name} was not confirmed`);
	}

	const {plan, result, builds: change} = done;
	for (const warning of result.warnings) {
		context.warn(`kasm-tui: ${warning}`);
	}

	if (context.json) {
		context.print(
			jsonText({
				action: plan.action,
				outcome: 'ok',
				plugin: result.plugin?.name ?? plan.destination.name,
				...(change ? {from: change.from ?? null, to: change.to, sameBuild: change.same} : {}),
				...(keepsBuild(plan) ? {} : {installed: {remote: plan.destination.remote, byDigest: Boolean(plan.destination.byDigest)}}),
				...(result.notReadBack ? {readBack: false} : {}),
				entry: historyJson(result.entry),
			}),
		);
	} else {
		context.print(`${plan.action} of ${plan.origin.name} done: ${describeResult(plan, result, change && buildChangeText(change))}`);
	}

	return result;
}
