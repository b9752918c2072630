import {line, type Line} from './line.js';
import {screenKeys, type Binding, type KeyTable, type NotNow} from '../keys/keymap.js';

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
