import {Box, Text} from 'ink';
import {printable, truncate} from '../../text.js';
import {wrapLines} from '../content/wrap.js';
import {Lines} from './lines.js';
import {line, type Line} from '../content/line.js';

/** A titled block in place of the panes; its last line says which keys answer it. */
export function Dialog({title, lines: given, hint, width, height, scroll = 0}: {title: string; lines: Line[]; hint: string; width: number; height: number; scroll?: number}) {
	const body = Math.max(1, height - 3);
	// A prompt is read whole: long commands and lists wrap instead of being cut, and scroll.
	const lines = wrapLines(given, width);
	let shown = lines;
	if (lines.length > body) {
		const first = Math.min(Math.max(0, scroll), lines.length - body + 1);
		const below = lines.length - first - body + 1;
		shown = [
			...lines.slice(first, first + body - 1),
			below > 0
				? line({text: `… ${below} more lines${first === 0 ? '' : ` (${first} above)`}  ↓/j pgdn read on`, dim: true})
				: line({text: `(the end; ${first} lines above)  ↑/k pgup back`, dim: true}),
		];
	}

	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold inverse>
				{truncate(` ${printable(title)} `, width).padEnd(width)}
			</Text>
			<Lines lines={shown} width={width} height={body} />
			<Text> </Text>
			<Text bold>{truncate(printable(hint), width)}</Text>
		</Box>
	);
}

/** How far a dialog of these lines scrolls at this size: what a key may move it to. */
export function dialogScrollLimit(lines: Line[], width: number, height: number): number {
	const body = Math.max(1, height - 3);
	const length = wrapLines(lines, width).length;
	return length > body ? length - body + 1 : 0;
}
