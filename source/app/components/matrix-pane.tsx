import {Box, Text} from 'ink';
import {memo, useRef} from 'react';
import {printable, truncate} from '../../text.js';
import {Lines} from './lines.js';
import {line, type Line, type Segment} from '../content/line.js';
import {windowStart} from '../state/window.js';
import {cellText, columnsThatFit, columnWidths, firstColumn, labelWidth, legend, type Matrix, type MatrixCell} from '../state/matrix.js';

interface Props {
	matrix: Matrix;
	row: number;
	column: number;
	focused: boolean;
	filter: string;
	filtering: boolean;
	/** No host has answered yet. */
	waiting: boolean;
	width: number;
	/** Rows in all, its title and the row of host names included. */
	height: number;
}

const pad = (text: string, width: number) => truncate(printable(text), width).padEnd(width);

function cellLook(cell: MatrixCell): Pick<Segment, 'color' | 'dim' | 'bold'> {
	switch (cell.kind) {
		case 'plugin': {
			return cell.drift ? {color: 'yellow', bold: true} : cell.plugin.enabled ? {dim: !cell.named} : {dim: true};
		}

		case 'down': {
			return {color: 'red'};
		}

		default: {
			return {dim: true};
		}
	}
}

/**
 * Plugins down, hosts across, the build in each cell. It draws only the rows and the columns
 * that fit and scrolls both ways under the selection; `‹` and `›` say that hosts are hidden
 * to either side. Memoised: a key in the hosts pane redraws the selected column's marks only.
 */
export const MatrixPane = memo(function MatrixPane({matrix, row, column, focused, filter, filtering, waiting, width, height}: Props) {
	const widths = columnWidths(matrix);
	const label = labelWidth(matrix, width);
	// Two for the ‹ › marks.
	const room = Math.max(1, width - label - 2);
	const firstShown = useRef(0);
	const first = firstColumn(firstShown.current, column, widths, room);
	firstShown.current = first;
	const count = columnsThatFit(widths, first, room);
	const shownColumns = Array.from({length: count}, (_, index) => first + index);
	const visible = Math.max(1, height - 2);
	const firstRowShown = useRef(0);
	const start = windowStart(firstRowShown.current, row, visible, matrix.rows.length);
	firstRowShown.current = start;

	const title = `${focused ? '▶' : ' '}Plugins × hosts (${matrix.rows.length} × ${matrix.columns.length})${matrix.arch ? `  builds of ${matrix.arch}` : ''}${filter || filtering ? `  /${printable(filter)}${filtering ? '█' : ''}` : ''}`;
	const header: Line = [
		{text: first > 0 ? `${pad('  plugin', label - 2)}‹ ` : pad('  plugin', label), dim: true},
		...shownColumns.map(index => {
			const selected = index === column;
			return {text: pad(`${selected ? '▾' : ' '}${matrix.columns[index]!.host.name}`, widths[index]!), bold: selected, inverse: selected && focused};
		}),
		{text: first + count < matrix.columns.length ? ' ›' : '', dim: true},
	];
	const rows: Line[] = matrix.rows.slice(start, start + visible).map((entry, offset) => {
		const index = start + offset;
		const isRow = index === row;
		const mark = isRow ? (focused ? '▸' : '›') : ' ';
		return [
			{text: pad(`${mark}${entry.rolling ? '~' : '='} ${entry.name}`, label), bold: isRow},
			...shownColumns.map(columnIndex => {
				const cell = matrix.cells[index]![columnIndex]!;
				const selected = isRow && columnIndex === column;
				return {text: pad(`${selected ? mark : ' '}${cellText(cell, matrix.arch)}`, widths[columnIndex]!), ...cellLook(cell), inverse: selected && focused, bold: selected || cellLook(cell).bold};
			}),
		];
	});
	const empty = waiting ? 'waiting for the hosts to answer…' : filter ? 'nothing matches the filter' : 'no plugins on the hosts that answered';
	// The legend where there is room under the rows: the marks read without colour.
	const body = matrix.rows.length === 0 ? [line({text: ` ${empty}`, dim: true})] : rows.length < visible - 1 ? [...rows, [], line({text: ` ${legend}`, dim: true})] : rows;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold={focused} inverse={focused}>
				{pad(title, width)}
			</Text>
			<Lines lines={[header]} width={width} height={1} />
			<Lines lines={body} width={width} height={visible} />
		</Box>
	);
});
