import type {ImageWithUsage} from '../../docker/images.js';
import {line, type Line} from './line.js';
import type {ImageUpdateState} from '../hooks/use-image-updates.js';
import {age} from './time.js';

const label = (text: string) => ({text: text.padEnd(8), dim: true});

export function humanBytes(bytes: number): string {
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}

	return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function imageName(image: ImageWithUsage): string {
	return image.dangling ? `<none> ${image.id.replace('sha256:', '').slice(0, 12)}` : `${image.repository}:${image.tag}`;
}

/** `now` is given, so a golden frame does not change as the years pass. */
export function imageDetailLines(image: ImageWithUsage, update: ImageUpdateState | undefined, now: number): Line[] {
	const lines: Line[] = [
		line({text: imageName(image), bold: true}),
		line(label('id'), image.id.replace('sha256:', '').slice(0, 12)),
		line(label('size'), image.unlisted ? {text: 'unknown: the daemon no longer lists this build, a container still runs it', dim: true} : humanBytes(image.size)),
		line(label('created'), image.created ? `${age(image.created * 1000, now)} ago` : 'unknown'),
		line(
			label('used by'),
			image.usedBy.containers.length > 0 ? {text: image.usedBy.containers.join(', '), color: 'magenta'} : {text: 'no container', dim: true},
		),
	];
	if (update) {
		lines.push(
			line(
				label('update'),
				update.updateAvailable === true
					? {text: '↑ a newer build is behind this tag: p pulls it', color: 'cyan'}
					: update.updateAvailable === false
						? {text: 'up to date with its registry'}
						: update.updateAvailable === undefined
							? {text: 'checking…', dim: true}
							: {text: `unknown: ${'updateError' in update ? update.updateError : 'not checked'}`, dim: true},
			),
		);
	}

	for (const digest of image.repoDigests) {
		lines.push(line(label('digest'), digest));
	}

	return lines;
}
