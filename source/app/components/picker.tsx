import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import {printable, truncate} from '../../text.js';

export interface Choice {
	label: string;
	value: string;
}

/** Picks one of a few (a version, a setting): ink-select-input, as a small, static menu is what it is good at. */
export function Picker({title, choices, width, height, onSelect}: {title: string; choices: Choice[]; width: number; height: number; onSelect: (choice: Choice) => void}) {
	// Each choice one row: its marks are cut where the screen ends rather than wrapped under it.
	const items = choices.map(choice => ({...choice, label: truncate(printable(choice.label), Math.max(4, width - 3)), key: choice.value}));
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold inverse>
				{truncate(` ${printable(title)} `, width).padEnd(width)}
			</Text>
			<SelectInput items={items} limit={Math.max(3, height - 4)} onSelect={onSelect} />
			<Box flexGrow={1} />
			<Text bold>{truncate('↑↓ choose  enter pick  esc cancel', width)}</Text>
		</Box>
	);
}
