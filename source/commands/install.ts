import {listPlugins} from '../docker/plugins.js';
import {BadInput} from '../errors.js';
import {openFlowContext} from '../flows/context.js';
import {planInstall} from '../flows/install.js';
import {unfinishedRefusal} from '../flows/recover.js';
import {confirmAndRun} from './change.js';
import type {CommandContext} from './context.js';

/** `kasm-tui install <reference> [--alias NAME] [--disable]`: a new plugin, its privileges granted as listed. */
export async function installCommand(context: CommandContext, [reference]: string[]): Promise<void> {
	if (!reference) {
		throw new BadInput('install needs the plugin to install: usage: kasm-tui install <reference> [--alias NAME] [--disable]');
	}

	const flow = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, readOnly: context.readOnly});
	const plan = await planInstall(flow, await listPlugins(flow.engine), {reference, alias: context.alias, disable: context.disable});
	if (!flow.readOnly) {
		flow.ledger.assertUsable();
		// A change of this name that died half-way is put right first (an install may have left the plugin).
		const unfinished = unfinishedRefusal(flow, plan.destination.name);
		if (unfinished) {
			throw unfinished;
		}
	}

	await confirmAndRun(context, flow, plan);
}
