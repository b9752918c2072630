import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import type {FlowEvent} from '../flows/run.js';
import type {PlanSummary} from '../flows/describe.js';
import {describeStep} from '../flows/plan.js';
import {printable, truncate} from '../text.js';
import {screenKeys, type Binding, type KeyTable, type NotNow} from './keymap.js';
import {Lines, line, type Line} from './lines.js';
import {wrapLines} from './wrap.js';

/** A titled block in place of the panes; its last line says which keys answer it. */
export function Dialog({title, lines: given, hint, width, height, scroll = 0}: {title: string; lines: Line[]; hint: string; width: number; height: number; scroll?: number}) {
	const body = Math.max(1, height - 3);
	// A prompt is read whole: long commands and lists wrap instead of being cut, and scroll.
	const lines = wrapLines(given, width);
	let shown = lines;
	if (lines.length > body) {
		const first = Math.min(Math.max(0, scroll), lines.length - body + 1);
		const below = lines.length - first - body + 1;
		shown = [
			...lines.slice(first, first + body - 1),
			below > 0
				? line({text: `… ${below} more lines${first === 0 ? '' : ` (${first} above)`}  ↓/j pgdn read on`, dim: true})
				: line({text: `(the end; ${first} lines above)  ↑/k pgup back`, dim: true}),
		];
	}

	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold inverse>
				{truncate(` ${printable(title)} `, width).padEnd(width)}
			</Text>
			<Lines lines={shown} width={width} height={body} />
			<Text> </Text>
			<Text bold>{truncate(printable(hint), width)}</Text>
		</Box>
	);
}

/** How far a dialog of these lines scrolls at this size: what a key may move it to. */
export function dialogScrollLimit(lines: Line[], width: number, height: number): number {
	const body = Math.max(1, height - 3);
	const length = wrapLines(lines, width).length;
	return length > body ? length - body + 1 : 0;
}

/** A plan as a confirmation shows it: what changes, the docker commands, what is granted, who uses it. */
export function planLines(summary: PlanSummary): Line[] {
	const lines: Line[] = [
		line({text: 'from        ', dim: true}, summary.from),
		line({text: 'to          ', dim: true}, summary.to),
	];
	if (summary.grants && summary.privileges.length === 0) {
		lines.push(line({text: 'grants      ', dim: true}, 'no privileges'));
	}

	for (const [index, privilege] of summary.privileges.entries()) {
		lines.push(
			line(
				{text: index === 0 ? 'grants      ' : '            ', dim: true},
				privilege.sensitive ? {text: `! ${privilege.text}`, color: 'yellow', bold: true} : {text: privilege.text},
				privilege.added ? {text: '  (new: this build asks for it, the current one did not)', color: 'red'} : undefined,
			),
		);
	}

	if (summary.grants && summary.privileges.some(privilege => privilege.sensitive)) {
		lines.push(line({text: '            ', dim: true}, {text: '! reaches into the host; each is granted exactly as listed', dim: true}));
	}

	if (summary.usedBy) {
		lines.push(line({text: 'used by     ', dim: true}, {text: summary.usedBy, color: 'magenta'}));
	}

	lines.push(line({text: 'steps', dim: true}));
	for (const [index, step] of summary.steps.entries()) {
		lines.push(line(`  ${index + 1}. ${step.text}`), line({text: `     $ ${step.command}`, dim: true}));
	}

	for (const warning of summary.warnings) {
		lines.push(line({text: `! ${warning}`, color: 'yellow'}));
	}

	return lines;
}

/** What a running flow has done so far, one line per step and per layer status change. */
export function progressLine(event: FlowEvent): Line | undefined {
	switch (event.kind) {
		case 'step': {
			return line({text: `[${event.index + 1}/${event.count}] `, bold: true}, describeStep(event.step));
		}

		case 'progress': {
			const {progress} = event;
			const amount = progress.total ? ` ${Math.round(((progress.current ?? 0) / progress.total) * 100)}%` : '';
			return line({text: `      ${progress.id ? `${progress.id}: ` : ''}${progress.status}${amount}`, dim: true});
		}

		case 'undo': {
			return line({text: `  undo: ${describeStep(event.step)}`, color: 'yellow'});
		}

		case 'warning': {
			return line({text: `  ! ${event.text}`, color: 'yellow'});
		}
	}
}

/**
 * Every key, generated from the keymap: the help can never disagree with what the keys do.
 * Where one column does not fit the screen, the keys go in two, without the panes column.
 */
export function helpLines(width = 120, height = 40, table: KeyTable = screenKeys, notNow: NotNow[] = []): Line[] {
	const {bindings} = table;
	const allPanes = Object.keys(table.panes).length;
	const panes = (binding: Binding<string, string>) =>
		binding.panes.length === allPanes ? 'everywhere' : binding.panes.map(pane => table.panes[pane] ?? pane).join(', ');
	// Why the keys in ( ) of the footer cannot act, for the selection the help was opened on.
	const why =
		notNow.length === 0
			? []
			: [[], line({text: 'Not now, here (in ( ) in the footer):', bold: true}), ...notNow.map(key => line({text: `(${key.label})`.padEnd(11), bold: true, dim: true}, `${key.description}: `, {text: key.reason, color: 'yellow'}))];
	const notes = [
		line({text: 'In a confirmation: y goes ahead, n or esc leaves everything as it is.', dim: true}),
		line({text: 'While filtering: type to narrow the list, enter keeps it, esc clears it.', dim: true}),
		line({text: 'While a change is planned: esc lets go of it (nothing has changed).', dim: true}),
	];
	// The keys in one column where they fit with the notes, else two; why some cannot act comes after, and scrolls.
	if (bindings.length + notes.length + 1 <= height) {
		const describe = Math.max(32, ...bindings.map(binding => binding.description.length + 2));
		return [
			...bindings.map(binding => line({text: binding.label.padEnd(11), bold: true}, binding.description.padEnd(describe), {text: panes(binding), dim: true})),
			[],
			...notes,
			...why,
		];
	}

	const half = Math.ceil(bindings.length / 2);
	const column = Math.floor(width / 2);
	const cell = (binding?: Binding<string, string>) =>
		binding ? [{text: binding.label.padEnd(11), bold: true}, {text: binding.description.slice(0, column - 12).padEnd(column - 11)}] : [];
	return [...Array.from({length: half}, (_, row) => line(...cell(bindings[row]), ...cell(bindings[row + half]))), [], ...notes, ...why];
}

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
