import {useSyncExternalStore} from 'react';

/**
 * A value of the screen with one way to change it. `get` is always current, so the next key of
 * a chunk ("yy", "jj", a paste) sees what the key before it did, not what the last render saw.
 */
export interface Store<T> {
	get(): T;
	set(next: T): void;
	subscribe(listener: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
	let value = initial;
	const listeners = new Set<() => void>();
	return {
		get: () => value,
		set(next) {
			if (next !== value) {
				value = next;
				for (const listener of listeners) {
					listener();
				}
			}
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
}

/** A component's view of a store: drawn again whenever it changes. */
export function useStore<T>(store: Store<T>): T {
	return useSyncExternalStore(store.subscribe, store.get);
}
