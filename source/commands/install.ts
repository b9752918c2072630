import {BadInput} from '../errors.js';
import {openFlowContext} from '../flows/context.js';
import {changeFromCommandLine} from './change.js';
import type {CommandContext} from './context.js';

/** `kasm-tui install <reference> [--alias NAME] [--disable]`: a new plugin, its privileges granted as listed. */
export async function installCommand(context: CommandContext, [reference]: string[]): Promise<void> {
	if (!reference) {
		throw new BadInput('install needs the plugin to install: usage: kasm-tui install <reference> [--alias NAME] [--disable]');
	}

	const flow = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, readOnly: context.readOnly});
	await changeFromCommandLine(context, flow, {kind: 'install', reference, alias: context.alias, disable: context.disable});
}
