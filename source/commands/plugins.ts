import {Engine} from '../docker/engine.js';
import {listPlugins, type Plugin} from '../docker/plugins.js';
import type {CommandContext} from './context.js';
import {table} from './table.js';

export async function pluginsCommand(context: CommandContext): Promise<void> {
	const engine = await Engine.open(context.target);
	const plugins = await listPlugins(engine);
	if (context.json) {
		context.print(JSON.stringify(plugins.map(plugin => pluginJson(plugin)), null, 2));
		return;
	}

	if (plugins.length === 0) {
		context.print(`no plugins installed on ${context.target.address}`);
		return;
	}

	context.print(
		table(plugins, [
			{title: 'NAME', value: plugin => plugin.name, max: 60},
			{title: 'REFERENCE', value: plugin => plugin.reference, max: 70},
			{title: 'ENABLED', value: plugin => (plugin.enabled ? 'yes' : 'no')},
			{title: 'ROLLING', value: plugin => (plugin.rolling ? 'yes' : 'no')},
			{title: 'ID', value: plugin => plugin.id.slice(0, 12)},
			{title: 'TYPES', value: plugin => plugin.types.join(', '), max: 60},
		]),
	);
}

/** The JSON shape of product.md: stable field names for scripts. */
export function pluginJson(plugin: Plugin) {
	return {
		name: plugin.name,
		reference: plugin.reference,
		tag: plugin.tag,
		id: plugin.id,
		enabled: plugin.enabled,
		rolling: plugin.rolling,
		description: plugin.description,
		types: plugin.types,
		privileges: plugin.privileges,
		socket: plugin.socket,
		diffIds: plugin.diffIds,
	};
}
