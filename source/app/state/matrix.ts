import {isInUse} from '../../docker/usage.js';
import {driftingNames, type FleetPlugin} from '../../flows/fleet.js';
import {parseVersionTag} from '../../registry/versions.js';
import {isRolling} from '../../rolling.js';
import {compareNames} from '../../text.js';
import {filterRows} from '../content/pane-content.js';
import {liveReadings, type FleetHostState, type FleetState} from './fleet-state.js';

/**
 * The matrix as state: one row per plugin name the hosts run, one column per host, each cell
 * the build that host runs there. Pure: the views draw it, the keys move over it.
 */

export interface MatrixRow {
	name: string;
	rolling: boolean;
	/** Hosts that answered run different builds (by content) under this name. */
	drift: boolean;
}

export type MatrixCell =
	| {kind: 'plugin'; plugin: FleetPlugin; named: boolean; drift: boolean}
	/** The host answered and has no plugin of that name. */
	| {kind: 'absent'}
	/** The host has not answered yet. */
	| {kind: 'waiting'}
	| {kind: 'down'};

export interface Matrix {
	rows: MatrixRow[];
	columns: FleetHostState[];
	/** `cells[row][column]`. */
	cells: MatrixCell[][];
	/** The architecture every tag shown names (`amd64`): said once in the title, left out of each cell. */
	arch?: string;
}

export function buildMatrix(state: FleetState, filter: string): Matrix {
	const drifting = driftingNames(liveReadings(state));
	const names = [...new Set(liveReadings(state).flatMap(reading => reading.plugins.map(plugin => plugin.name)))].sort(compareNames);
	const rows = filterRows(
		names.map(name => ({name, rolling: isRolling(name), drift: drifting.has(name)})),
		filter,
		row => row.name,
	);
	const cells = rows.map(row =>
		state.hosts.map((entry): MatrixCell => {
			if (entry.state === 'connecting') {
				return {kind: 'waiting'};
			}

			if (entry.state === 'unreachable') {
				return {kind: 'down'};
			}

			const plugin = entry.reading?.plugins.find(candidate => candidate.name === row.name);
			return plugin ? {kind: 'plugin', plugin, named: Boolean(entry.named), drift: row.drift} : {kind: 'absent'};
		}),
	);
	return {rows, columns: state.hosts, cells, arch: sharedArch(cells)};
}

/** The build a cell shows, as a tag: the release tag once named, else the tag it was installed under. */
function shownTag(cell: Extract<MatrixCell, {kind: 'plugin'}>): string {
	return cell.named ? (cell.plugin.build ?? cell.plugin.tag) : cell.plugin.tag;
}

/** One architecture across every tag that names one: `amd64-1.2.10` then reads `1.2.10`. Mixed ones stay whole. */
function sharedArch(cells: MatrixCell[][]): string | undefined {
	const arches = new Set(
		cells.flat().flatMap(cell => {
			const arch = cell.kind === 'plugin' ? parseVersionTag(shownTag(cell))?.arch : undefined;
			return arch ? [arch] : [];
		}),
	);
	return arches.size === 1 ? [...arches][0] : undefined;
}

/**
 * A cell in a few characters that read without colour: `!` drift first, then the release tag
 * the build is (its installed tag until the registry has named it, `?tag` when no release tag
 * holds it), then `●` in use and `○` disabled.
 */
export function cellText(cell: MatrixCell, arch?: string): string {
	switch (cell.kind) {
		case 'plugin': {
			const {plugin} = cell;
			const tag = shownTag(cell);
			const short = arch && tag.startsWith(`${arch}-`) ? tag.slice(arch.length + 1) : tag;
			const build = cell.named && !plugin.build ? `?${short || 'no tag'}` : short || '…';
			return `${cell.drift ? '!' : ' '}${build}${isInUse(plugin.usedBy) ? ' ●' : ''}${plugin.enabled ? '' : ' ○'}`;
		}

		case 'absent': {
			return ' -';
		}

		case 'waiting': {
			return ' …';
		}

		case 'down': {
			return ' ✗';
		}
	}
}

export const legend = '! drift  ● in use  ○ disabled  ~ rolling  = pinned  ✗ unreachable';

/** Each host's column: wide enough for its name and its cells (and the selection mark), within bounds. */
export function columnWidths(matrix: Matrix): number[] {
	return matrix.columns.map((entry, column) => {
		const widest = Math.max([...entry.host.name].length, ...matrix.cells.map(row => [...cellText(row[column]!, matrix.arch)].length));
		return Math.min(16, Math.max(7, widest + 2));
	});
}

/** The plugin names' column: the longest name, up to under half the room. */
export function labelWidth(matrix: Matrix, room: number): number {
	const longest = Math.max(6, ...matrix.rows.map(row => [...row.name].length));
	return Math.max(12, Math.min(longest + 4, Math.floor(room * 0.36)));
}

/** How many columns from `first` fit in `room` (at least one, cut if need be). */
export function columnsThatFit(widths: readonly number[], first: number, room: number): number {
	let used = 0;
	let count = 0;
	for (const width of widths.slice(first)) {
		if (count > 0 && used + width > room) {
			break;
		}

		used += width;
		count++;
	}

	return count;
}

/** The first column shown: it moves only when the selected one would leave the window. */
export function firstColumn(previous: number, selected: number, widths: readonly number[], room: number): number {
	let first = Math.min(Math.max(0, previous), Math.max(0, widths.length - 1));
	if (selected < first) {
		first = selected;
	}

	while (first < selected && selected >= first + columnsThatFit(widths, first, room)) {
		first++;
	}

	// No room wasted on the right while columns are hidden on the left.
	while (first > 0 && first + columnsThatFit(widths, first - 1, room) - 1 >= widths.length - 1 && columnsThatFit(widths, first - 1, room) > columnsThatFit(widths, first, room)) {
		first--;
	}

	return first;
}
