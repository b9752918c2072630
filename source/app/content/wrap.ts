import type {Line, Segment} from './line.js';

/**
 * Breaks a line that is wider than `width` into rows at spaces, continuing with an indent: a
 * docker command or a list of users is read whole, never cut off. A word longer than a row is
 * split where the row ends.
 */
export function wrapLine(segments: Line, width: number, indent?: number): Line[] {
	const total = segments.reduce((sum, segment) => sum + [...segment.text].length, 0);
	if (total <= width) {
		return [segments];
	}

	// Continue under the text, not under the margin: `$ docker …` wraps two columns in from its `$`.
	indent ??= (/^ */.exec(segments[0]?.text ?? '')?.[0].length ?? 0) + 4;

	const pad = ' '.repeat(Math.min(indent, Math.max(0, width - 8)));
	const rows: Line[] = [];
	let row: Line = [];
	let used = 0;
	const newRow = () => {
		rows.push(row);
		row = [{text: pad}];
		used = pad.length;
	};

	const place = (segment: Segment, text: string) => {
		row.push({...segment, text});
		used += [...text].length;
	};

	for (const segment of segments) {
		for (const token of segment.text.split(/(?<= )/)) {
			let chars = [...token];
			if (chars.length > width - used && used > pad.length) {
				newRow();
				if (token.trim() === '') {
					continue;
				}
			}

			while (chars.length > width - used) {
				const room = width - used;
				if (room <= 0) {
					newRow();
					continue;
				}

				place(segment, chars.slice(0, room).join(''));
				chars = chars.slice(room);
				newRow();
			}

			if (chars.length > 0) {
				place(segment, chars.join(''));
			}
		}
	}

	rows.push(row);
	return rows;
}

export function wrapLines(lines: Line[], width: number): Line[] {
	return lines.flatMap(segments => wrapLine(segments, width));
}
