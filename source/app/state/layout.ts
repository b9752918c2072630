/** Where everything goes for a terminal size: the sizes every view of the screen is drawn to. */
export interface Layout {
	columns: number;
	bodyHeight: number;
	leftWidth: number;
	rightWidth: number;
	pluginHeight: number;
	imageHeight: number;
}

/** Header and footer a row each, the banner and the message a row when shown; the rest is the body. */
export function layoutFor(columns: number, rows: number, shown: {banner: boolean; message: boolean}): Layout {
	const bodyHeight = Math.max(6, rows - 2 - (shown.banner ? 1 : 0) - (shown.message ? 1 : 0));
	const leftWidth = Math.max(24, Math.min(56, Math.floor(columns * 0.38)));
	const pluginHeight = Math.max(3, Math.floor(bodyHeight / 2));
	return {
		columns,
		bodyHeight,
		leftWidth,
		rightWidth: Math.max(20, columns - leftWidth - 1),
		pluginHeight,
		imageHeight: Math.max(3, bodyHeight - pluginHeight),
	};
}
