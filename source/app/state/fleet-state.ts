import type {FleetHost} from '../../hosts/selection.js';
import type {HostReading} from '../../flows/fleet.js';

export type Answered = Extract<HostReading, {reachable: true}>;

/** One host as the screen knows it: not heard from yet, answering, or given up with why. */
export interface FleetHostState {
	host: FleetHost;
	state: 'connecting' | 'live' | 'unreachable';
	/** The last answer; kept on screen while the host is read again. */
	reading?: Answered;
	/** Its builds are named by release tag (the read they came from has returned). */
	named?: boolean;
	error?: string;
	/** Asked and not heard from for this long (a few seconds and more) while it is read. */
	silentMs?: number;
}

/** The fleet's store: every host, and whether a read is under way. */
export interface FleetState {
	hosts: FleetHostState[];
	/** A read is under way: hosts are filled in as they answer. */
	reading: boolean;
}

export function fleetStart(hosts: readonly FleetHost[]): FleetState {
	return {hosts: hosts.map(host => ({host, state: 'connecting'})), reading: false};
}

export function readStarted(state: FleetState): FleetState {
	return {...state, reading: true};
}

/** A host answered or was given up: its row changes, and only its row. */
export function hostRead(state: FleetState, reading: HostReading): FleetState {
	return {...state, hosts: state.hosts.map(entry => (entry.host.name === reading.host.name ? stateOf(entry.host, reading, false) : entry))};
}

/** A host being read has said nothing for `silentMs`: its row says so until it answers or is given up. */
export function hostSilent(state: FleetState, name: string, silentMs: number): FleetState {
	return {...state, hosts: state.hosts.map(entry => (entry.host.name === name && state.reading ? {...entry, silentMs} : entry))};
}

/** The read has returned: every host as it answered, the builds named and drift marked. */
export function readFinished(state: FleetState, readings: readonly HostReading[]): FleetState {
	const byName = new Map(readings.map(reading => [reading.host.name, reading]));
	return {
		hosts: state.hosts.map(entry => {
			const reading = byName.get(entry.host.name);
			return reading ? stateOf(entry.host, reading, true) : entry;
		}),
		reading: false,
	};
}

/** A read that failed as a whole (not one host): the hosts keep what they showed. */
export function readFailed(state: FleetState): FleetState {
	return {...state, reading: false};
}

function stateOf(host: FleetHost, reading: HostReading, named: boolean): FleetHostState {
	return reading.reachable ? {host, state: 'live', reading, named} : {host, state: 'unreachable', error: reading.error};
}

/** The answers on screen: the hosts live now. */
export function liveReadings(state: FleetState): Answered[] {
	return state.hosts.flatMap(entry => (entry.state === 'live' && entry.reading ? [entry.reading] : []));
}
