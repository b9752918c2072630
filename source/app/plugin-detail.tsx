import {Box, Text} from 'ink';
import type {Plugin} from '../docker/plugins.js';
import {truncate} from '../text.js';

interface Props {
	plugin?: Plugin;
	width: number;
	height: number;
}

/** What one plugin is: reference, state, privileges, interface. Draws state; never calls the daemon. */
export function PluginDetail({plugin, width, height}: Props) {
	if (!plugin) {
		return (
			<Box width={width} height={height}>
				<Text dimColor>no plugin selected</Text>
			</Box>
		);
	}

	const field = (label: string, value: string) => (
		<Text key={label}>
			<Text dimColor>{label.padEnd(11)}</Text>
			{truncate(value, Math.max(1, width - 11))}
		</Text>
	);
	const lines = [
		<Text key="name" bold>
			{truncate(plugin.name, width)}
		</Text>,
		field('state', [plugin.enabled ? 'enabled' : 'disabled', plugin.rolling ? 'rolling' : 'pinned'].join(' · ')),
		field('reference', plugin.reference || '(none)'),
		field('id', plugin.id.slice(0, 12)),
		field('types', plugin.types.join(', ') || '(none)'),
		field('about', plugin.description || '(no description)'),
		...plugin.privileges.map(privilege => field(privilege.name === 'network' ? 'network' : 'privilege', `${privilege.name}: ${privilege.value.join(', ')}`)),
	];
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{lines.slice(0, height)}
		</Box>
	);
}
