import {changeNamedPlugin} from './change.js';
import type {CommandContext} from './context.js';

/** `kasm-tui set <plugin> KEY=VALUE…`: disable, set, enable, undone if the plugin does not start again. */
export async function setCommand(context: CommandContext, [name, ...assignments]: string[]): Promise<void> {
	await changeNamedPlugin(context, name, 'set <plugin> KEY=VALUE...', plugin => ({kind: 'set', plugin, assignments}));
}
