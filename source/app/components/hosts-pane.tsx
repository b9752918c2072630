import {Box, Text} from 'ink';
import {memo, useRef} from 'react';
import {humanSize, printable, truncate} from '../../text.js';
import {Lines} from './lines.js';
import {line, type Line, type Segment} from '../content/line.js';
import {windowStart} from '../state/window.js';
import type {FleetHostState} from '../state/fleet-state.js';

interface Props {
	hosts: FleetHostState[];
	/** Plugin names drifting across the fleet: each host counts its own. */
	drifting: ReadonlySet<string>;
	canaries: readonly string[];
	selected: number;
	focused: boolean;
	reading: boolean;
	width: number;
	/** Rows for hosts, title excluded. */
	height: number;
}

const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** One host in a row: its state, engine and counts; the address last, as it gives way first. */
function hostRow(entry: FleetHostState, widths: {name: number; engine: number}, marks: {canary: boolean; drifting: ReadonlySet<string>}): Line {
	const name: Segment = {text: entry.host.name.padEnd(widths.name)};
	const address: Segment = {text: `  ${entry.host.target.address}`, dim: true};
	const canary = marks.canary ? {text: ' canary', color: 'cyan' as const} : undefined;
	const silent: Segment | undefined = entry.silentMs ? {text: `no answer for ${Math.round(entry.silentMs / 1000)} s `, color: 'yellow'} : undefined;
	if (entry.state === 'unreachable') {
		return line(name, canary, {text: ' unreachable ', color: 'red', bold: true}, {text: entry.error ?? '', color: 'red'}, address);
	}

	const {reading} = entry;
	if (!reading) {
		return line(name, canary, {text: ' connecting… ', dim: true}, silent, address);
	}

	const drifting = reading.plugins.filter(plugin => marks.drifting.has(plugin.name)).length;
	const disabled = reading.plugins.filter(plugin => !plugin.enabled).length;
	const engine = `docker ${reading.engine.version} (API ${reading.engine.apiVersion})`;
	return line(
		name,
		canary,
		{text: ' live        ', color: 'green'},
		{text: engine.padEnd(widths.engine)},
		{text: `  ${counted(reading.plugins.length, 'plugin')}`},
		// Kasm's users at work: before the rest, as what a change there would cut off.
		reading.liveSessions > 0 ? {text: ` · ${counted(reading.liveSessions, 'live session')}`, color: 'yellow'} : undefined,
		reading.kasm.length > 0 ? {text: ` · Kasm ${reading.kasm.join(', ')}`} : undefined,
		drifting > 0 ? {text: ` · ! ${drifting} drifting`, color: 'yellow'} : undefined,
		// What its images take (the detail says so in words), and what `kasm-tui prune` of every build
		// nothing uses would give back; before the disabled count, which the matrix's ○ says too.
		reading.disk ? {text: ` · ${humanSize(reading.disk.imagesSize)} (${humanSize(reading.disk.reclaimable)} reclaimable)`} : undefined,
		disabled > 0 ? {text: ` · ○ ${disabled} disabled`, dim: true} : undefined,
		reading.sameDaemonAs ? {text: ` · the same daemon as ${reading.sameDaemonAs}`, color: 'yellow'} : undefined,
		silent ? {...silent, text: ` · ${silent.text.trimEnd()}`} : undefined,
		reading.sharesEngineIdWith ? {text: ` · ! ${reading.sharesEngineIdWith}'s engine ID`, color: 'yellow'} : undefined,
		address,
	);
}

/** Every host of the fleet with how it answered: the rows that fit, the selection kept in view. */
export const HostsPane = memo(function HostsPane({hosts, drifting, canaries, selected, focused, reading, width, height}: Props) {
	const visible = Math.max(1, height);
	const first = useRef(0);
	const start = windowStart(first.current, selected, visible, hosts.length);
	first.current = start;
	const widths = {
		name: Math.min(16, Math.max(4, ...hosts.map(entry => [...entry.host.name].length))),
		engine: Math.max(0, ...hosts.map(entry => (entry.reading ? `docker ${entry.reading.engine.version} (API ${entry.reading.engine.apiVersion})`.length : 0))),
	};
	const live = hosts.filter(entry => entry.state === 'live').length;
	const down = hosts.filter(entry => entry.state === 'unreachable').length;
	const title = `${focused ? '▶' : ' '}Hosts (${hosts.length}: ${live} live${down > 0 ? `, ${down} unreachable` : ''})${reading ? '  reading…' : ''}`;
	const rows = hosts.slice(start, start + visible).map((entry, index) => {
		const isSelected = start + index === selected;
		const row = [{text: isSelected ? (focused ? '▸ ' : '› ') : '  ', bold: isSelected}, ...hostRow(entry, widths, {canary: canaries.includes(entry.host.name), drifting})];
		return isSelected && focused ? row.map(segment => ({...segment, inverse: true})) : row;
	});
	return (
		<Box flexDirection="column" width={width}>
			<Text bold={focused} inverse={focused}>
				{truncate(printable(title), width).padEnd(width)}
			</Text>
			<Lines lines={rows} width={width} height={visible} />
		</Box>
	);
});
