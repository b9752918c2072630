import {line, type Line} from './line.js';
import {hostLines} from './fleet-detail.js';
import {humanBytes} from './image-detail.js';
import {wrapLines} from './wrap.js';
import type {FleetHostState} from '../state/fleet-state.js';
import {imagesCellText, type ImagesMatrix} from '../state/images-matrix.js';

const label = (text: string) => ({text: text.padEnd(8), dim: true});

/** What a host's cell says in words: `↓ behind: the registry has a newer build`. */
function stateLine(matrix: ImagesMatrix, row: number, column: number): Line {
	const cell = matrix.cells[row]?.[column];
	switch (cell?.kind) {
		case 'image': {
			const {state, updateError} = cell.cell;
			return state === 'current'
				? line(label('state'), {text: "✓ current: the registry's build for the tag", color: 'green'})
				: state === 'behind'
					? line(label('state'), {text: '↓ behind: the registry has a newer build (p pulls it)', color: 'yellow'})
					: line(label('state'), {text: `? unknown: ${updateError ?? 'the registry could not say'}`, dim: true});
		}

		case 'missing': {
			return line(label('state'), {text: '- missing on this host (p pulls it)', color: 'yellow'});
		}

		case 'down': {
			return line(label('state'), {text: `✗ unreachable: ${cell.error}`, color: 'red'});
		}

		default: {
			return line(label('state'), {text: 'reading…', dim: true});
		}
	}
}

/** A cell of the images matrix: the host, the image and its build there, then every host's build side by side. */
export function imageCellDetailLines({entry, matrix, row, canary, width}: {entry: FleetHostState; matrix: ImagesMatrix; row: number; canary: boolean; width: number}): Line[] {
	const image = matrix.rows[row];
	const column = matrix.columns.findIndex(host => host.name === entry.host.name);
	const lines = hostLines(entry, canary);
	lines.push([]);
	if (!image) {
		lines.push(line({text: 'no image selected', dim: true}));
		return wrapLines(lines, width);
	}

	lines.push(line({text: `${image.repository}:${image.tag}`, bold: true}, image.kasmImage ? {text: '  K Kasm workspace image', color: 'cyan'} : undefined), stateLine(matrix, row, column));
	const cell = matrix.cells[row]?.[column];
	if (cell?.kind === 'image') {
		const {build, id, size, containers, sessions} = cell.cell;
		lines.push(line(label('build'), build), line(label('id'), {text: id, dim: true}), line(label('size'), humanBytes(size)));
		lines.push(
			line(
				label('used by'),
				containers.length === 0 ? {text: 'no container', dim: true} : `${containers.length} container${containers.length === 1 ? '' : 's'}: ${containers.join(', ')}`,
				sessions > 0 ? {text: `  ${sessions} live Kasm session${sessions === 1 ? '' : 's'}`, color: 'yellow'} : undefined,
			),
		);
	}

	lines.push(line(label('remote'), image.registryDigest ?? {text: 'not known: the registry could not be asked', dim: true}));
	lines.push([], line({text: 'Hosts', bold: true}, image.drift ? {text: '  ! the hosts differ', color: 'yellow'} : undefined));
	for (const [index, host] of matrix.columns.entries()) {
		lines.push(line({text: `  ${host.name.padEnd(12)} `}, imagesCellText(matrix.cells[row]![index]!).trim()));
	}

	return wrapLines(lines, width);
}
