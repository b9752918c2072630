import {Box} from 'ink';
import {useRef} from 'react';
import type {Layout} from './layout.js';
import {Lines, type Line} from './lines.js';
import {ListPane, type ListRow} from './list-pane.js';
import type {Navigation} from './navigation.js';

interface Props {
	layout: Layout;
	nav: Navigation;
	filtering: boolean;
	rows: {plugins: ListRow[]; images: ListRow[]};
	detail: Line[];
}

/** The browsing view: plugins and images on the left, the selection's detail on the right. */
export function Panes({layout, nav, filtering, rows, detail}: Props) {
	const {bodyHeight, leftWidth, rightWidth, pluginHeight, imageHeight} = layout;
	const lists = [
		{list: 'plugins', title: 'Plugins', height: pluginHeight},
		{list: 'images', title: 'Images', height: imageHeight},
	] as const;
	return (
		<Box height={bodyHeight}>
			<Box flexDirection="column" width={leftWidth}>
				{lists.map(({list, title, height}) => (
					<ListPane
						key={list}
						title={title}
						filter={nav.filter[list]}
						filtering={filtering && nav.focus === list}
						rows={rows[list]}
						selected={Math.min(nav.selected[list], Math.max(0, rows[list].length - 1))}
						focused={nav.focus === list}
						width={leftWidth}
						height={height - 1}
					/>
				))}
			</Box>
			<Box width={1} />
			<DetailPane lines={detail} cursor={nav.cursor} focused={nav.focus === 'detail'} width={rightWidth} height={bodyHeight} />
		</Box>
	);
}

/** The row at the cursor: marked `›` in its first column (NO_COLOR sees it too), and inverse. */
function cursorRow(row: Line): Line {
	const [first, ...rest] = row.length === 0 ? [{text: ' '}] : row;
	const marked = first!.text.startsWith(' ') ? [{...first!, text: `›${first!.text.slice(1)}`}, ...rest] : [{text: '›'}, first!, ...rest];
	return marked.map(segment => ({...segment, inverse: true}));
}

/** The detail; with focus, a cursor row the window follows, moving only when the cursor would leave it, as the lists do. */
function DetailPane({lines, cursor, focused, width, height}: {lines: Line[]; cursor: number; focused: boolean; width: number; height: number}) {
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
