import {Box} from 'ink';
import {useRef} from 'react';
import type {Line} from '../content/line.js';
import {Lines} from './lines.js';

/** The row at the cursor: marked `›` in its first column (NO_COLOR sees it too), and inverse. */
function cursorRow(row: Line): Line {
	const [first, ...rest] = row.length === 0 ? [{text: ' '}] : row;
	const marked = first!.text.startsWith(' ') ? [{...first!, text: `›${first!.text.slice(1)}`}, ...rest] : [{text: '›'}, first!, ...rest];
	return marked.map(segment => ({...segment, inverse: true}));
}

/** The detail; with focus, a cursor row the window follows, moving only when the cursor would leave it, as the lists do. */
export function DetailPane({lines, cursor, focused, width, height}: {lines: Line[]; cursor: number; focused: boolean; width: number; height: number}) {
	const first = useRef(0);
	let start = focused ? first.current : 0;
	if (focused && cursor < start) {
		start = cursor;
	} else if (focused && cursor >= start + height) {
		start = cursor - height + 1;
	}

	start = Math.min(Math.max(0, start), Math.max(0, lines.length - height));
	first.current = start;
	const shown = lines.slice(start, start + height).map((row, index) => (focused && start + index === cursor ? cursorRow(row) : row));
	return (
		<Box flexDirection="column" width={width}>
			<Lines lines={shown} width={width} height={height} />
		</Box>
	);
}
