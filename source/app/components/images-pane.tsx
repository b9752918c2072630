import {memo} from 'react';
import {imagesCellText, imagesLegend, imagesRowLabel, type ImagesCell, type ImagesMatrix} from '../state/images-matrix.js';
import {GridPane, type CellLook, type GridPlace} from './grid-pane.js';
import {filterMark} from './matrix-pane.js';

interface Props extends GridPlace {
	matrix: ImagesMatrix;
	filter: string;
	filtering: boolean;
	/** The hosts are being read (the first time, or again). */
	reading: boolean;
	/** Why the images could not be read. */
	error?: string;
}

function cellLook(cell: ImagesCell): CellLook {
	switch (cell.kind) {
		case 'image': {
			return cell.cell.state === 'behind' ? {color: 'yellow', bold: cell.drift} : cell.cell.state === 'current' ? {color: 'green'} : {dim: true};
		}

		case 'missing': {
			return {color: 'yellow', dim: !cell.drift};
		}

		case 'down': {
			return {color: 'red'};
		}

		default: {
			return {dim: true};
		}
	}
}

/** Each host's column: its name and its cells (and the selection mark), within bounds. */
function columnWidths(matrix: ImagesMatrix): number[] {
	return matrix.columns.map((host, column) => Math.min(16, Math.max(7, [...host.name].length + 2, ...matrix.cells.map(row => [...imagesCellText(row[column]!)].length + 2))));
}

function labelWidth(matrix: ImagesMatrix, room: number): number {
	const longest = Math.max(6, ...matrix.rows.map(row => [...imagesRowLabel(row)].length));
	return Math.max(14, Math.min(longest + 2, Math.floor(room * 0.45)));
}

/** Images down (repository:tag), hosts across, each host's build marked current, behind or missing. */
export const ImagesPane = memo(function ImagesPane({matrix, filter, filtering, reading, error, ...place}: Props) {
	const allowance = matrix.rateLimits.map(({registry, remaining}) => `${registry} ${remaining.split(';')[0]} pulls left`).join(', ');
	return (
		<GridPane
			title={`Images × hosts (${matrix.rows.length} × ${matrix.columns.length})${allowance ? `  ${allowance}` : ''}${filterMark(filter, filtering)}`}
			corner="image"
			columnNames={matrix.columns.map(host => host.name)}
			columnWidths={columnWidths(matrix)}
			labelWidth={labelWidth(matrix, place.width)}
			rowCount={matrix.rows.length}
			labelOf={index => imagesRowLabel(matrix.rows[index]!)}
			cellOf={(index, column) => {
				const cell = matrix.cells[index]![column]!;
				return {text: imagesCellText(cell), look: cellLook(cell)};
			}}
			empty={reading ? 'reading the images of every host…' : error ? `could not read the images: ${error}` : filter ? 'nothing matches the filter' : 'no tagged images on the hosts that answered'}
			legend={imagesLegend}
			{...place}
		/>
	);
});
