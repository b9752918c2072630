import {useEffect, useState} from 'react';
import type {HostServices, HostSnapshot} from '../services/host-services.js';
import {useSerialReload} from './use-serial-reload.js';

export type Connection = 'connecting' | 'live' | 'lost';

export interface HostState {
	snapshot?: HostSnapshot;
	/** Why the last read failed, while it keeps failing. */
	error?: string;
	connection: Connection;
	/** Settles once a listing begun after the call has been read. */
	reload: () => Promise<void>;
}

/**
 * One snapshot when the screen opens, then a reload per batch of daemon events (no polling).
 * Reloads never overlap: one asked for during a load runs once that load ends. When the daemon
 * goes away (its stream closes, or it stops answering while the stream stays open: see
 * watchEvents' liveness check) the last snapshot stays on screen under a banner that says why,
 * until it answers again.
 */
export function useHost(services: HostServices): HostState {
	const [snapshot, setSnapshot] = useState<HostSnapshot>();
	const [error, setError] = useState<string>();
	const [connection, setConnection] = useState<Connection>('connecting');
	const reload = useSerialReload(async mounted =>
		services.load().then(
			next => {
				if (mounted()) {
					// Disk figures still being counted: the last ones stay until the new come, so a reload never blanks them.
					setSnapshot(previous => (next.diskLater && previous?.disk ? {...next, disk: previous.disk} : next));
					setError(undefined);
					setConnection(current => (current === 'connecting' || !services.watch ? 'live' : current));
					void next.diskLater?.then(disk => {
						if (mounted()) {
							setSnapshot(current => (current && current.diskLater === next.diskLater ? withDisk(current, disk) : current));
						}
					});
				}
			},
			(failure: unknown) => {
				if (mounted()) {
					setError((failure as Error).message);
					setConnection(current => (current === 'connecting' ? 'connecting' : 'lost'));
				}
			},
		),
	);

	useEffect(() => {
		let open = true;
		void reload();
		let wasLost = false;
		const stop = services.watch?.(
			() => void reload(),
			(state, reason) => {
				setConnection(state);
				if (state === 'lost') {
					wasLost = true;
					// Why it is gone (it stopped answering, it closed the stream), until a read succeeds again.
					if (reason && open) {
						setError(reason);
					}
				} else if (wasLost) {
					// Whatever happened while we were away: read it all again (not on the first connect).
					wasLost = false;
					void reload();
				}
			},
		);
		return () => {
			open = false;
			stop?.();
		};
	}, [services, reload]);

	return {snapshot, error, connection, reload};
}

/** The snapshot with the disk figures that came after it (none when the daemon could not count them). */
function withDisk(snapshot: HostSnapshot, disk: HostSnapshot['disk']): HostSnapshot {
	const counted = {...snapshot, disk};
	delete counted.diskLater;
	if (!disk) {
		delete counted.disk;
	}

	return counted;
}
