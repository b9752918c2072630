import {useEffect, useState} from 'react';
import {createStore, useStore, type Store} from '../state/store.js';
import {fleetStart, hostRead, hostSilent, readFailed, readFinished, readStarted, type FleetState} from '../state/fleet-state.js';
import type {FleetServices} from '../services/fleet-services.js';
import {useSerialReload} from './use-serial-reload.js';

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
	const reload = useSerialReload(async mounted => {
		store.set(readStarted(store.get()));
		return services.read(
			reading => mounted() && store.set(hostRead(store.get(), reading)),
			(host, silentMs) => mounted() && store.set(hostSilent(store.get(), host, silentMs)),
		).then(
			readings => mounted() && store.set(readFinished(store.get(), readings)),
			() => mounted() && store.set(readFailed(store.get())),
		);
	});

	useEffect(() => {
		reload();
	}, [reload]);

	return {store, state, reload};
}
