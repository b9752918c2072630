import {useCallback, useEffect, useRef, useState} from 'react';
import {createStore, useStore, type Store} from '../store.js';
import {fleetStart, hostRead, readFailed, readFinished, readStarted, type FleetState} from './fleet-state.js';
import type {FleetServices} from './fleet-services.js';

export interface FleetReading {
	store: Store<FleetState>;
	state: FleetState;
	/** Reads every host again; one asked for during a read runs once it ends. */
	reload: () => void;
}

/**
 * The fleet read when the screen opens, after each rollout and on ctrl-r: each host drawn as it
 * answers (a slow or silent one never holds the others up), then the builds named. No event
 * stream per host: that would be a stream (and over ssh:// an ssh) for every host, all the time.
 */
export function useFleetReading(services: FleetServices): FleetReading {
	const [store] = useState(() => createStore(fleetStart(services.hosts)));
	const state = useStore(store);
	const loading = useRef(false);
	const again = useRef(false);
	const mounted = useRef(true);

	const reload = useCallback(() => {
		if (loading.current) {
			again.current = true;
			return;
		}

		loading.current = true;
		store.set(readStarted(store.get()));
		services
			.read(reading => mounted.current && store.set(hostRead(store.get(), reading)))
			.then(
				readings => mounted.current && store.set(readFinished(store.get(), readings)),
				() => mounted.current && store.set(readFailed(store.get())),
			)
			.finally(() => {
				loading.current = false;
				if (again.current && mounted.current) {
					again.current = false;
					reload();
				}
			});
	}, [services, store]);

	useEffect(() => {
		mounted.current = true;
		reload();
		return () => {
			mounted.current = false;
		};
	}, [reload]);

	return {store, state, reload};
}
