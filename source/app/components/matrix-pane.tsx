import {memo} from 'react';
import {printable} from '../../text.js';
import {cellText, columnWidths, labelWidth, legend, type Matrix, type MatrixCell} from '../state/matrix.js';
import {GridPane, type CellLook, type GridPlace} from './grid-pane.js';

interface Props extends GridPlace {
	matrix: Matrix;
	filter: string;
	filtering: boolean;
	/** No host has answered yet. */
	waiting: boolean;
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
export const MatrixPane = memo(function MatrixPane({matrix, filter, filtering, waiting, ...place}: Props) {
	return (
		<GridPane
			title={`Plugins × hosts (${matrix.rows.length} × ${matrix.columns.length})${matrix.arch ? `  builds of ${matrix.arch}` : ''}${filterMark(filter, filtering)}`}
			corner="plugin"
			columnNames={matrix.columns.map(entry => entry.host.name)}
			columnWidths={columnWidths(matrix)}
			labelWidth={labelWidth(matrix, place.width)}
			rowCount={matrix.rows.length}
			labelOf={index => `${matrix.rows[index]!.rolling ? '~' : '='} ${matrix.rows[index]!.name}`}
			cellOf={(index, column) => {
				const cell = matrix.cells[index]![column]!;
				return {text: cellText(cell, matrix.arch), look: cellLook(cell)};
			}}
			empty={waiting ? 'waiting for the hosts to answer…' : filter ? 'nothing matches the filter' : 'no plugins on the hosts that answered'}
			legend={legend}
			{...place}
		/>
	);
});
