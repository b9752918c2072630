import {Box, Text} from 'ink';
import {useRef} from 'react';
import {printable, truncate} from '../../text.js';
import {Lines} from './lines.js';
import {line, type Line, type Segment} from '../content/line.js';
import {windowStart} from '../state/window.js';
import {columnsThatFit, firstColumn} from '../state/matrix.js';

export type CellLook = Pick<Segment, 'color' | 'dim' | 'bold'>;

/** Where a matrix pane is and what it selects: the same for the plugins and the images matrix. */
export interface GridPlace {
	row: number;
	column: number;
	focused: boolean;
	width: number;
	/** Rows in all, its title and the row of column names included. */
	height: number;
}

export interface GridProps extends GridPlace {
	/** The title after the focus mark: `Plugins × hosts (3 × 4)`. */
	title: string;
	/** What the rows are, over their labels: `plugin`, `image`. */
	corner: string;
	columnNames: readonly string[];
	columnWidths: readonly number[];
	labelWidth: number;
	rowCount: number;
	/** A row's label, after its selection mark. */
	labelOf: (row: number) => string;
	cellOf: (row: number, column: number) => {text: string; look: CellLook};
	/** Said in place of the rows when there are none. */
	empty: string;
	/** Under the rows where there is room: the marks read without colour. */
	legend: string;
}

const pad = (text: string, width: number) => truncate(printable(text), width).padEnd(width);

/**
 * Rows down, hosts across: the plugins matrix and the images one. It draws only the rows and the
 * columns that fit and scrolls both ways under the selection; `‹` and `›` say that hosts are
 * hidden to either side.
 */
export function GridPane({title, corner, columnNames, columnWidths: widths, labelWidth: label, rowCount, labelOf, cellOf, empty, legend, row, column, focused, width, height}: GridProps) {
	// Two for the ‹ › marks.
	const room = Math.max(1, width - label - 2);
	const firstShown = useRef(0);
	const first = firstColumn(firstShown.current, column, widths, room);
	firstShown.current = first;
	const count = columnsThatFit(widths, first, room);
	const shownColumns = Array.from({length: count}, (_, index) => first + index);
	const visible = Math.max(1, height - 2);
	const firstRowShown = useRef(0);
	const start = windowStart(firstRowShown.current, row, visible, rowCount);
	firstRowShown.current = start;

	const header: Line = [
		{text: first > 0 ? `${pad(`  ${corner}`, label - 2)}‹ ` : pad(`  ${corner}`, label), dim: true},
		...shownColumns.map(index => {
			const selected = index === column;
			return {text: pad(`${selected ? '▾' : ' '}${columnNames[index]!}`, widths[index]!), bold: selected, inverse: selected && focused};
		}),
		{text: first + count < columnNames.length ? ' ›' : '', dim: true},
	];
	const rows: Line[] = Array.from({length: Math.max(0, Math.min(visible, rowCount - start))}, (_, offset) => {
		const index = start + offset;
		const isRow = index === row;
		const mark = isRow ? (focused ? '▸' : '›') : ' ';
		return [
			{text: pad(`${mark}${labelOf(index)}`, label), bold: isRow},
			...shownColumns.map(columnIndex => {
				const {text, look} = cellOf(index, columnIndex);
				const selected = isRow && columnIndex === column;
				return {text: pad(`${selected ? mark : ' '}${text}`, widths[columnIndex]!), ...look, inverse: selected && focused, bold: selected || look.bold};
			}),
		];
	});
	const body = rowCount === 0 ? [line({text: ` ${empty}`, dim: true})] : rows.length < visible - 1 ? [...rows, [], line({text: ` ${legend}`, dim: true})] : rows;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold={focused} inverse={focused}>
				{pad(`${focused ? '▶' : ' '}${title}`, width)}
			</Text>
			<Lines lines={[header]} width={width} height={1} />
			<Lines lines={body} width={width} height={visible} />
		</Box>
	);
}
