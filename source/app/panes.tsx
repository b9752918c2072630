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
	const scroll = nav.focus === 'detail' ? Math.min(nav.scroll, Math.max(0, detail.length - bodyHeight)) : 0;
	return (
		<Box height={bodyHeight}>
			<Box flexDirection="column" width={leftWidth}>
				<ListPane
					title="Plugins"
					filter={nav.filter.plugins}
					filtering={filtering && nav.focus === 'plugins'}
					rows={rows.plugins}
					selected={Math.min(nav.selected.plugins, Math.max(0, rows.plugins.length - 1))}
					focused={nav.focus === 'plugins'}
					width={leftWidth}
					height={pluginHeight - 1}
				/>
				<ListPane
					title="Images"
					filter={nav.filter.images}
					filtering={filtering && nav.focus === 'images'}
					rows={rows.images}
					selected={Math.min(nav.selected.images, Math.max(0, rows.images.length - 1))}
					focused={nav.focus === 'images'}
					width={leftWidth}
					height={imageHeight - 1}
				/>
			</Box>
			<Box width={1} />
			<Box flexDirection="column" width={rightWidth}>
				<Lines lines={detail.slice(scroll, scroll + bodyHeight)} width={rightWidth} height={bodyHeight} />
			</Box>
		</Box>
	);
}
