import {confirmAndRun, planNamedChange} from './change.js';
import type {CommandContext} from './context.js';

/** `kasm-tui set <plugin> KEY=VALUE…`: disable, set, enable, undone if the plugin does not start again. */
export async function setCommand(context: CommandContext, [name, ...assignments]: string[]): Promise<void> {
	const {flow, plan} = await planNamedChange(context, name, 'set <plugin> KEY=VALUE...', plugin => ({kind: 'set', plugin, assignments}));
	await confirmAndRun(context, flow, plan);
}
