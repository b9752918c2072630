import type {FleetImageCell, FleetImageRow, FleetImagesReading} from '../../flows/fleet-images.js';
import type {FleetHost} from '../../hosts/selection.js';
import {filterRows} from '../content/pane-content.js';

/**
 * The images × hosts matrix as state: one row per repository:tag the hosts hold, one column per
 * host, each cell that host's build. Pure: the views draw it, the keys move over it.
 */

export type ImagesCell =
	| {kind: 'image'; cell: FleetImageCell; drift: boolean}
	| {kind: 'missing'; drift: boolean}
	| {kind: 'waiting'}
	| {kind: 'down'; error: string};

export interface ImagesMatrix {
	rows: FleetImageRow[];
	columns: FleetHost[];
	cells: ImagesCell[][];
	/** Each registry's `ratelimit-remaining`, as it sent it. */
	rateLimits: FleetImagesReading['rateLimits'];
}

/** The matrix of a reading (none yet: every host waiting), narrowed to the rows whose repository:tag holds `filter`. */
export function buildImagesMatrix(hosts: readonly FleetHost[], reading: FleetImagesReading | undefined, filter: string): ImagesMatrix {
	const rows = filterRows(reading?.images ?? [], filter, row => `${row.repository}:${row.tag}`);
	const states = new Map(reading?.hosts.map(host => [host.host.name, host]) ?? []);
	const cells = rows.map(row =>
		hosts.map((host): ImagesCell => {
			const read = states.get(host.name);
			if (read === undefined) {
				return {kind: 'waiting'};
			}

			if (!read.reachable) {
				return {kind: 'down', error: read.error};
			}

			const cell = row.hosts[host.name];
			return cell && cell !== 'missing' ? {kind: 'image', cell, drift: row.drift} : {kind: 'missing', drift: row.drift};
		}),
	);
	return {rows, columns: [...hosts], cells, rateLimits: reading?.rateLimits ?? []};
}

const stateMarks = {current: '✓', behind: '↓', unknown: '?'} as const;

/**
 * A cell in a few characters that read without colour: `!` where the hosts differ, then `✓`
 * current, `↓` behind or `?` unknown and the build's first digits, `●` in use (`●2` Kasm
 * sessions on it); `-` missing.
 */
export function imagesCellText(cell: ImagesCell): string {
	switch (cell.kind) {
		case 'image': {
			const {state, build, containers, sessions} = cell.cell;
			const use = sessions > 0 ? ` ●${sessions}` : containers.length > 0 ? ' ●' : '';
			return `${cell.drift ? '!' : ' '}${stateMarks[state]}${build.replace(/^sha256:/, '').slice(0, 6)}${use}`;
		}

		case 'missing': {
			return `${cell.drift ? '!' : ' '}-`;
		}

		case 'waiting': {
			return ' …';
		}

		case 'down': {
			return ' ✗';
		}
	}
}

/** A row's label: `K ` for a Kasm workspace image. */
export function imagesRowLabel(row: FleetImageRow): string {
	return `${row.kasmImage ? 'K' : ' '} ${row.repository}:${row.tag}`;
}

export const imagesLegend = '! differ ✓ current ↓ behind ? unknown - missing ● used ●N sessions K Kasm image';
