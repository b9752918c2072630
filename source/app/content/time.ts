/** `3m`, `5h`, `12d`, `2y`: how long ago, in the width of a column. */
export function age(date: Date | number, now = Date.now()): string {
	const seconds = Math.max(0, Math.round((now - (typeof date === 'number' ? date : date.getTime())) / 1000));
	const steps: Array<[number, string]> = [
		[60, 's'],
		[60, 'm'],
		[24, 'h'],
		[365, 'd'],
	];
	let value = seconds;
	for (const [size, unit] of steps) {
		if (value < size) {
			return `${value}${unit}`;
		}

		value = Math.floor(value / size);
	}

	return `${value}y`;
}

/** `2026-11-20 14:03`, from an ISO time, in UTC so every operator reads the same. */
export function shortTime(iso: string): string {
	return iso.replace('T', ' ').slice(0, 16);
}
