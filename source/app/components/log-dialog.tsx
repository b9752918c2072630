import {Box, Text} from 'ink';
import {printable, truncate} from '../../text.js';
import {Lines} from './lines.js';
import type {Line} from '../content/line.js';
import type {Mode} from '../state/mode.js';
import {wrapLine} from '../content/wrap.js';

/**
 * How a log dialog of this size is laid out: where it is read from, read whole (a remote
 * daemon's hint or an error may take three rows), and the rows left for log lines once the
 * title, a blank and the keys have theirs.
 */
export function logLayout(mode: Extract<Mode, {kind: 'logs'}>, width: number, height: number): {source: Line[]; rows: number} {
	const source = wrapLine(mode.source, width).slice(0, 3);
	return {source, rows: Math.max(1, height - 3 - source.length)};
}

/** The window of a log scrolled `back` lines from its newest: the last page, or as far back as it goes. */
export function logWindow(count: number, back: number, rows: number): {start: number; end: number} {
	const end = Math.max(Math.min(count, rows), count - back);
	return {start: Math.max(0, end - rows), end};
}

/**
 * A plugin's lines in the daemon's log, oldest at the top; while scrolled to the newest it
 * follows what arrives, as `tail -f` does. One row per line, cut where the screen ends.
 */
export function LogDialog({mode, width, height}: {mode: Extract<Mode, {kind: 'logs'}>; width: number; height: number}) {
	const {source, rows} = logLayout(mode, width, height);
	const {start, end} = logWindow(mode.lines.length, mode.back, rows);
	const position = mode.lines.length === 0 ? '' : mode.back === 0 ? `  ${mode.lines.length} lines, following` : `  lines ${start + 1}–${end} of ${mode.lines.length}`;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold inverse>
				{truncate(` ${printable(mode.title)}${position} `, width).padEnd(width)}
			</Text>
			<Lines lines={source} width={width} height={source.length} />
			<Lines lines={mode.lines.length > 0 ? mode.lines.slice(start, end) : [[{text: 'no lines of it yet: new ones show here as the plugin writes them', dim: true}]]} width={width} height={rows} />
			<Text> </Text>
			<Text bold>{truncate('↑↓ pgup pgdn scroll  end follow  esc back', width)}</Text>
		</Box>
	);
}

/** A log line as the dialog draws it: when, how (an error in red, and saying so), what. */
export function logLine(line: {time?: string; level?: string; message: string}): Line {
	const when = line.time ? line.time.replace('T', ' ').slice(0, 19) : '-'.padEnd(19);
	const error = line.level === 'error' || line.level === 'fatal';
	return [
		{text: `${when} `, dim: true},
		{text: `${(line.level ?? '').padEnd(5)} `, color: error ? 'red' : undefined, bold: error},
		{text: line.message, color: error ? 'red' : undefined},
	];
}
