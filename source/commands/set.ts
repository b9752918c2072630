import {planSet} from '../flows/set.js';
import {confirmAndRun, openPlugin} from './change.js';
import type {CommandContext} from './context.js';

/** `kasm-tui set <plugin> KEY=VALUE…`: disable, set, enable, undone if the plugin does not start again. */
export async function setCommand(context: CommandContext, [name, ...assignments]: string[]): Promise<void> {
	const {flow, plugin} = await openPlugin(context, name, 'set <plugin> KEY=VALUE...');
	await confirmAndRun(context, flow, planSet(flow, plugin, assignments));
}
