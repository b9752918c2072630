import {Box} from 'ink';
import type {Line} from '../content/line.js';
import type {Layout} from '../state/layout.js';
import type {Navigation} from '../state/navigation.js';
import {DetailPane} from './detail-pane.js';
import {ListPane, type ListRow} from './list-pane.js';

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
