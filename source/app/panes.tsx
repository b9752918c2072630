import {Box} from 'ink';
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
	const scroll = nav.focus === 'detail' ? Math.min(nav.scroll, Math.max(0, detail.length - bodyHeight)) : 0;
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
			<Box flexDirection="column" width={rightWidth}>
				<Lines lines={detail.slice(scroll, scroll + bodyHeight)} width={rightWidth} height={bodyHeight} />
			</Box>
		</Box>
	);
}
