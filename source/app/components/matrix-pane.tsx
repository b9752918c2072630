import {memo} from 'react';
import {printable} from '../../text.js';
import {cellText, columnWidths, labelWidth, legend, type Matrix, type MatrixCell} from '../state/matrix.js';
import {GridPane, type CellLook} from './grid-pane.js';

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

function cellLook(cell: MatrixCell): CellLook {
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

/** `  /filter█` after a title while a filter is typed or kept. */
export function filterMark(filter: string, filtering: boolean): string {
	return filter || filtering ? `  /${printable(filter)}${filtering ? '█' : ''}` : '';
}

/**
 * Plugins down, hosts across, the build in each cell. Memoised: a key in the hosts pane redraws
 * the selected column's marks only.
 */
export const MatrixPane = memo(function MatrixPane({matrix, row, column, focused, filter, filtering, waiting, width, height}: Props) {
	return (
		<GridPane
			title={`Plugins × hosts (${matrix.rows.length} × ${matrix.columns.length})${matrix.arch ? `  builds of ${matrix.arch}` : ''}${filterMark(filter, filtering)}`}
			corner="plugin"
			columnNames={matrix.columns.map(entry => entry.host.name)}
			columnWidths={columnWidths(matrix)}
			labelWidth={labelWidth(matrix, width)}
			rowCount={matrix.rows.length}
			labelOf={index => `${matrix.rows[index]!.rolling ? '~' : '='} ${matrix.rows[index]!.name}`}
			cellOf={(index, column) => {
				const cell = matrix.cells[index]![column]!;
				return {text: cellText(cell, matrix.arch), look: cellLook(cell)};
			}}
			empty={waiting ? 'waiting for the hosts to answer…' : filter ? 'nothing matches the filter' : 'no plugins on the hosts that answered'}
			legend={legend}
			row={row}
			column={column}
			focused={focused}
			width={width}
			height={height}
		/>
	);
});
