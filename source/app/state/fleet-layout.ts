/** Where the fleet screen's parts go for a terminal size. */
export interface FleetLayout {
	columns: number;
	bodyHeight: number;
	/** The hosts pane, its title included. */
	hostsHeight: number;
	/** The matrix, its title and its row of host names included. */
	matrixHeight: number;
	/** The hosts pane's and the matrix's width. */
	leftWidth: number;
	/** The detail beside them; 0 where there is no room, and the detail takes the matrix's place when opened. */
	detailWidth: number;
}

/** Header and footer a row each, the message a row when shown; the hosts pane gets up to a quarter of the rest. */
export function fleetLayoutFor(columns: number, rows: number, shown: {hosts: number; message: boolean}): FleetLayout {
	const bodyHeight = Math.max(8, rows - 2 - (shown.message ? 1 : 0));
	const hostsHeight = 1 + Math.min(Math.max(1, shown.hosts), Math.max(2, Math.floor(bodyHeight / 4)));
	const detailWidth = columns >= 120 ? Math.max(50, Math.floor(columns * 0.42)) : 0;
	return {
		columns,
		bodyHeight,
		hostsHeight,
		matrixHeight: bodyHeight - hostsHeight,
		leftWidth: detailWidth > 0 ? columns - detailWidth - 1 : columns,
		detailWidth,
	};
}
