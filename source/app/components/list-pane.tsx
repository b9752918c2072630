import {Box, Text} from 'ink';
import {memo, useRef} from 'react';
import {printable, truncate} from '../../text.js';
import {windowStart} from '../state/window.js';

export interface ListRow {
	key: string;
	text: string;
	/** A short mark after the text, e.g. "disabled". */
	mark?: string;
}

interface Props {
	title: string;
	/** The filter in force, shown in the title; `filtering` while it is being typed. */
	filter?: string;
	filtering?: boolean;
	rows: ListRow[];
	selected: number;
	focused: boolean;
	width: number;
	/** Rows available for items, title excluded. */
	height: number;
}

/**
 * A list that draws only the rows that fit, so ten thousand rows cost what one screenful costs.
 * Memoised: a key that moves the selection in one pane leaves the other pane's rendering alone.
 */
export const ListPane = memo(function ListPane({title, filter = '', filtering = false, rows, selected, focused, width, height}: Props) {
	const visible = Math.max(1, height);
	// The window moves only when the selection would leave it: moving the highlight redraws two rows, not all.
	const first = useRef(0);
	const start = windowStart(first.current, selected, visible, rows.length);
	first.current = start;
	const window = rows.slice(start, start + visible);
	const textWidth = Math.max(4, width - 2);
	return (
		<Box flexDirection="column" width={width}>
			{/* Focus must show without colour too (NO_COLOR): a marker, not only inverse video. */}
			<Text bold={focused} inverse={focused}>
				{truncate(`${focused ? '▶' : ' '}${printable(title)} (${rows.length})${filter || filtering ? `  /${printable(filter)}${filtering ? '█' : ''}` : ''}`, width).padEnd(width)}
			</Text>
			{rows.length === 0 ? <Text dimColor>{filter ? ' nothing matches the filter' : ' none'}</Text> : null}
			{window.map((row, index) => {
				const isSelected = start + index === selected;
				const mark = row.mark ? ` ${printable(row.mark)}` : '';
				const text = truncate(printable(row.text), Math.max(1, textWidth - [...mark].length));
				return (
					<Text key={row.key} inverse={isSelected && focused} bold={isSelected}>
						{isSelected ? (focused ? '▸' : '›') : ' '} {text}
						<Text dimColor={!(isSelected && focused)}>{mark}</Text>
					</Text>
				);
			})}
		</Box>
	);
});
