import {truncate} from '../text.js';

export interface Column<Row> {
	title: string;
	value: (row: Row) => string;
	/** The widest this column may get; longer values are cut with an ellipsis. */
	max?: number;
}

/** A plain table like the docker CLI's: upper-case titles, columns padded, three spaces between. */
export function table<Row>(rows: Row[], columns: Array<Column<Row>>): string {
	const cells = rows.map(row => columns.map(column => truncate(column.value(row), column.max ?? 80)));
	const widths = columns.map((column, index) =>
		Math.max(column.title.length, ...cells.map(line => [...(line[index] ?? '')].length)),
	);
	const line = (values: string[]) =>
		values
			.map((value, index) => (index === values.length - 1 ? value : value + ' '.repeat(widths[index]! - [...value].length)))
			.join('   ')
			.trimEnd();
	return [line(columns.map(column => column.title)), ...cells.map(values => line(values))].join('\n');
}
