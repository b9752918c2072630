import {BadInput, KasmTuiError, NotPutBack, Refused} from '../errors.js';
import {jsonText} from './json.js';
import {autoUpdate} from '../flows/auto-update.js';
import {buildChangeText} from '../flows/build-change.js';
import {openFlowContext} from '../flows/context.js';
import {parseReference} from '../docker/reference.js';
import {describeUnfinished, findUnfinished, recover} from '../flows/recover.js';
import {recordRefusal} from '../flows/run.js';
import {changeNamedPlugin, confirm, progressPrinter, withInterruptsDeferred} from './change.js';
import type {CommandContext} from './context.js';
import {table} from './table.js';

export async function upgradeCommand(context: CommandContext, [name]: string[]): Promise<void> {
	await changeNamedPlugin(context, name, 'upgrade <plugin>', plugin => ({kind: 'upgrade', plugin}));
}

export async function rollbackCommand(context: CommandContext, [name]: string[]): Promise<void> {
	await changeNamedPlugin(context, name, 'rollback <plugin>', plugin => ({kind: 'rollback', plugin}));
}

export async function reinstallCommand(context: CommandContext, [name]: string[]): Promise<void> {
	if (!context.tag) {
		throw new BadInput('reinstall needs the version to install: kasm-tui reinstall <plugin> --version TAG [--alias NAME]');
	}

	const {tag, alias} = context;
	await changeNamedPlugin(context, name, 'reinstall <plugin> --version TAG [--alias NAME]', plugin => ({kind: 'reinstall', plugin, version: tag, alias}));
}

/** Finishes what a killed kasm-tui left half-done: the plugin goes back to what it was. */
export async function recoverCommand(context: CommandContext, [name]: string[]): Promise<void> {
	if (!name) {
		throw new BadInput('a plugin name is needed: usage: kasm-tui recover <plugin>');
	}

	// Plugin names are references; anything else has no ledger, and could be a path's worth of text.
	parseReference(name);
	const flow = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, readOnly: context.readOnly, sessions: context.sessions});
	const unfinished = await findUnfinished(flow, name);
	if (!unfinished) {
		context.print(`nothing to recover: no unfinished change of ${name} in ${flow.ledger.directory}`);
		return;
	}

	// Refused before asking: recover never disables a plugin that something uses.
	if (unfinished.plan?.refusal) {
		recordRefusal(flow, unfinished.plan);
		throw unfinished.plan.refusal;
	}

	context.warn(`${describeUnfinished(unfinished)}; to put ${unfinished.from.name} back:`);
	for (const step of unfinished.steps.length > 0 ? unfinished.steps : ['record that it is as it was']) {
		context.warn(`  - ${step}`);
	}

	if (!(await confirm(context, 'Go ahead?'))) {
		throw new Refused(`nothing was changed: the recovery of ${name} was not confirmed`);
	}

	const recovered = await withInterruptsDeferred(context, async signal => recover(flow, unfinished, {report: progressPrinter(context), signal}));
	context.print(recovered.said);
}

/** Kasm's automated updates, as the start-up script runs them. Exit 1 when any upgrade failed. */
export async function autoUpdateCommand(context: CommandContext, _positionals: string[], options: {ask?: boolean} = {}): Promise<void> {
	if (context.readOnly) {
		throw new Refused('kasm-tui is read-only (--read-only): it will not update plugins');
	}

	const flow = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, readOnly: context.readOnly, sessions: context.sessions});
	flow.ledger.assertUsable();
	if ((options.ask ?? true) && !(await confirm(context, 'Upgrade every rolling plugin that nothing uses?'))) {
		throw new Refused('nothing was changed: auto-update was not confirmed');
	}

	const outcomes = await withInterruptsDeferred(context, async signal =>
		autoUpdate(flow, (plugin, event) => progressPrinter(context, `${plugin}: `)(event), {signal}),
	);
	if (context.json) {
		context.print(jsonText(outcomes));
	} else {
		context.print(
			table(outcomes, [
				{title: 'PLUGIN', value: outcome => outcome.plugin, max: 60},
				{title: 'RESULT', value: outcome => outcome.result},
				{title: 'DETAIL', value: outcome => (outcome.result === 'upgraded' ? buildChangeText({...outcome, same: outcome.sameBuild}) : outcome.reason), max: 120},
			]),
		);
	}

	const failed = outcomes.filter(outcome => outcome.result === 'failed');
	const notPutBack = failed.filter(outcome => outcome.undoFailed);
	if (notPutBack.length > 0) {
		throw new NotPutBack(
			`${notPutBack.length} of ${outcomes.length} plugins failed to update and could not be put back: ${notPutBack.map(outcome => `${outcome.state}; run "${outcome.recover}"`).join('; ')}`,
		);
	}

	if (failed.length > 0) {
		throw new KasmTuiError(`${failed.length} of ${outcomes.length} plugins failed to update: ${failed.map(outcome => outcome.plugin).join(', ')}`);
	}
}

/**
 * Kasm's /opt/kasm/bin/utils/upgrade_plugins, flag for flag, for scripts that already call it:
 * `--name N` force-upgrades, `--rollback` rolls back, `--reinstall --version V [--alias A]`
 * reinstalls. Like the script, it does not ask.
 */
export async function upgradePluginsCommand(context: CommandContext): Promise<void> {
	const {pluginName, rollback, reinstall} = context;
	if (!pluginName) {
		throw new BadInput('upgrade-plugins needs --name: kasm-tui upgrade-plugins --name NAME [--rollback | --reinstall --version TAG [--alias NAME]]');
	}

	if (rollback && reinstall) {
		throw new BadInput('--rollback and --reinstall are different actions: give one of them');
	}

	const script = {...context, yes: true};
	if (rollback) {
		await rollbackCommand(script, [pluginName]);
	} else if (reinstall) {
		await reinstallCommand(script, [pluginName]);
	} else {
		if (context.tag || context.alias) {
			throw new BadInput('--version and --alias go with --reinstall');
		}

		await upgradeCommand(script, [pluginName]);
	}
}
