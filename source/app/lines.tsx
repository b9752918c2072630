import {Box, Text} from 'ink';
import {printable, truncate} from '../text.js';

/** A piece of a line with its look. Colour is never the only mark: NO_COLOR users see the text. */
export interface Segment {
	text: string;
	color?: 'red' | 'green' | 'yellow' | 'cyan' | 'magenta' | 'blue' | 'gray';
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
}

export type Line = Segment[];

export const line = (...segments: Array<Segment | string | undefined | false>): Line =>
	segments.filter((segment): segment is Segment | string => Boolean(segment)).map(segment => (typeof segment === 'string' ? {text: segment} : segment));

/** Cuts a line to a width, segment by segment, marking the cut; the text made safe to draw. */
export function fitLine(segments: Line, width: number): Line {
	const fitted: Line = [];
	let room = width;
	for (const given of segments) {
		if (room <= 0) {
			break;
		}

		// Cleaned where it is drawn, whatever the view that made it cleaned: no escapes, no secrets.
		const text = printable(given.text);
		const segment = text === given.text ? given : {...given, text};
		const length = [...text].length;
		if (length <= room) {
			fitted.push(segment);
			room -= length;
		} else {
			fitted.push({...segment, text: truncate(text, room)});
			room = 0;
		}
	}

	return fitted;
}

/** Draws lines one row each, cut to the width: the height is exactly the number of lines. */
export function Lines({lines, width, height}: {lines: Line[]; width: number; height?: number}) {
	const shown = height === undefined ? lines : lines.slice(0, height);
	return (
		<Box flexDirection="column" width={width} height={height}>
			{shown.map((segments, index) => (
				<Text key={index} wrap="truncate">
					{fitLine(segments, width).map((segment, part) => (
						<Text key={part} color={segment.color} bold={segment.bold} dimColor={segment.dim} inverse={segment.inverse}>
							{segment.text}
						</Text>
					))}
					{segments.length === 0 ? ' ' : ''}
				</Text>
			))}
		</Box>
	);
}
