import {Box, Text} from 'ink';
import {fitLine, type Line} from '../content/line.js';

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
