import {sharedEngineIdWarning} from '../../docker/identity.js';
import {humanSize} from '../../text.js';
import type {FleetPlugin} from '../../flows/fleet.js';
import {line, type Line} from './line.js';
import {pluginDetailLines, type DetailState} from './plugin-detail.js';
import {wrapLines} from './wrap.js';
import type {FleetHostState} from '../state/fleet-state.js';
import {cellText, type Matrix} from '../state/matrix.js';

const label = (text: string) => ({text: text.padEnd(8), dim: true});

/** A daemon's ID as far as people tell two apart (`MEJU:76N2:MZ2O…`); `fleet plugins --json` has it whole. */
function shortDaemonId(id: string): string {
	return id.length > 19 ? `${id.slice(0, 14)}…` : id;
}

/** The host's own lines: where it is, whether it answered, its engine. */
export function hostLines(entry: FleetHostState, canary: boolean): Line[] {
	const {host, reading} = entry;
	const lines: Line[] = [
		line({text: host.name, bold: true}, canary ? {text: '  canary', color: 'cyan'} : undefined, host.group ? {text: `  group ${host.group}`, dim: true} : undefined),
		line(label('address'), host.target.address),
	];
	if (entry.state === 'unreachable') {
		lines.push(line(label('state'), {text: `unreachable: ${entry.error ?? ''}`, color: 'red'}));
	} else if (!reading) {
		lines.push(line(label('state'), {text: 'connecting…', dim: true}));
	} else {
		lines.push(
			line(label('engine'), `docker ${reading.engine.version} (API ${reading.engine.apiVersion})`),
			line(label('daemon'), {text: shortDaemonId(reading.daemonId), dim: true}, reading.sameDaemonAs ? {text: `  the same daemon as ${reading.sameDaemonAs}`, color: 'yellow'} : undefined),
		);
		lines.push(
			reading.disk
				? line(label('images'), `${humanSize(reading.disk.imagesSize)}, ${humanSize(reading.disk.reclaimable)} reclaimable`, {text: `  kasm-tui prune ${host.name}`, dim: true})
				: line(label('images'), {text: `disk usage unknown${reading.diskError ? `: ${reading.diskError}` : ''}`, dim: true}),
		);
		if (reading.sharesEngineIdWith) {
			lines.push(line(label(''), {text: `! ${sharedEngineIdWarning(host.name, reading.sharesEngineIdWith)}`, color: 'yellow'}));
		}
	}

	return lines;
}

/** A host of the hosts pane: its lines, then each plugin's build there. */
export function hostDetailLines(entry: FleetHostState, matrix: Matrix, canary: boolean, width: number): Line[] {
	const column = matrix.columns.indexOf(entry);
	const lines = hostLines(entry, canary);
	if (entry.reading) {
		lines.push([], line({text: 'Plugins', bold: true}, {text: `  ${entry.reading.plugins.length} on this host`, dim: true}));
		for (const [index, row] of matrix.rows.entries()) {
			const cell = matrix.cells[index]?.[column];
			if (cell?.kind === 'plugin') {
				lines.push(line({text: `  ${row.name}  `}, {text: cellText(cell).trim(), bold: true, color: cell.drift ? 'yellow' : undefined}));
			}
		}
	}

	return wrapLines(lines, width);
}

/** What the other hosts run under the same name, where it differs: the drift, host by host. */
function driftLine(plugin: FleetPlugin, others: ReadonlyArray<{host: string; plugin: FleetPlugin}>): Line | undefined {
	const differing = others.filter(other => other.plugin.diffIds.join(',') !== plugin.diffIds.join(','));
	if (differing.length === 0) {
		return undefined;
	}

	return line(label('drift'), {text: differing.map(other => `${other.host} runs ${other.plugin.build ?? other.plugin.tag}`).join(' · '), color: 'yellow'});
}

export interface CellDetailInput {
	entry: FleetHostState;
	matrix: Matrix;
	row: number;
	canary: boolean;
	details?: DetailState;
	width: number;
}

/** A cell: the host, then its plugin as the single-host detail shows it (history, tags, usage). */
export function cellDetailLines({entry, matrix, row, canary, details, width}: CellDetailInput): Line[] {
	const name = matrix.rows[row]?.name;
	const column = matrix.columns.indexOf(entry);
	const cell = matrix.cells[row]?.[column];
	const lines = hostLines(entry, canary);
	lines.push([]);
	if (!name) {
		lines.push(line({text: entry.state === 'connecting' ? 'waiting for the hosts to answer…' : 'no plugin selected', dim: true}));
	} else if (cell?.kind !== 'plugin') {
		lines.push(line({text: name, bold: true}), line({text: entry.state === 'live' ? 'not installed on this host' : 'not known: the host has not answered', dim: true}));
	} else {
		const others = matrix.columns.flatMap((other, index) => {
			const found = matrix.cells[row]?.[index];
			return index !== column && found?.kind === 'plugin' ? [{host: other.host.name, plugin: found.plugin}] : [];
		});
		const {plugin} = cell;
		lines.push(
			line(
				label('release'),
				cell.named ? (plugin.build ? {text: plugin.build, bold: true} : {text: plugin.buildError ?? 'no release tag holds this build', color: 'yellow'}) : {text: 'asking its registry…', dim: true},
			),
		);
		const drift = driftLine(plugin, others);
		if (drift) {
			lines.push(drift);
		}

		lines.push(...pluginDetailLines(plugin, details, {arch: entry.reading?.engine.arch}).lines);
	}

	return wrapLines(lines, width);
}
