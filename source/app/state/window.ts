/**
 * The first row of a window of `visible` rows over `total` that shows `selected`: it moves only
 * when the selection would leave it, so moving the highlight redraws two rows, not all of them.
 */
export function windowStart(previous: number, selected: number, visible: number, total: number): number {
	let start = previous;
	if (selected < start) {
		start = selected;
	} else if (selected >= start + visible) {
		start = selected - visible + 1;
	}

	return Math.min(Math.max(0, start), Math.max(0, total - visible));
}
