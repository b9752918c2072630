import {useEffect, useState} from 'react';
import type {EngineTarget} from '../docker/connection.js';
import type {LoadSnapshot, Snapshot} from './snapshot.js';

export type SnapshotState =
	| {status: 'loading'}
	| {status: 'ready'; snapshot: Snapshot}
	| {status: 'failed'; message: string};

/** Reads the daemon once when the screen opens. */
export function useSnapshot(target: EngineTarget, load: LoadSnapshot): SnapshotState {
	const [state, setState] = useState<SnapshotState>({status: 'loading'});
	useEffect(() => {
		let current = true;
		load(target).then(
			snapshot => current && setState({status: 'ready', snapshot}),
			(error: unknown) => current && setState({status: 'failed', message: (error as Error).message}),
		);
		return () => {
			current = false;
		};
	}, [target, load]);
	return state;
}
