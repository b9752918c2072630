import {useCallback, useEffect, useRef} from 'react';

/**
 * A read of the screen's state that never overlaps itself: one asked for while it runs runs once,
 * after it ends. `read` is handed whether the screen is still there, so nothing is set after it
 * closed; the latest `read` given is the one run. The promise settles once a read begun after the
 * call has ended, so what follows it (the history after a change) never goes with an older listing.
 */
export function useSerialReload(read: (mounted: () => boolean) => Promise<unknown>): () => Promise<void> {
	const latest = useRef(read);
	latest.current = read;
	const loading = useRef(false);
	// Callers waiting for the read that runs after the current one.
	const waiting = useRef<Array<() => void>>([]);
	const mounted = useRef(true);
	useEffect(() => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, []);

	return useCallback(async function reload(): Promise<void> {
		if (loading.current) {
			return new Promise(resolve => {
				waiting.current.push(resolve);
			});
		}

		loading.current = true;
		try {
			await latest.current(() => mounted.current).catch(() => {});
		} finally {
			loading.current = false;
			const next = waiting.current.splice(0);
			if (next.length > 0) {
				if (mounted.current) {
					void reload().then(() => next.forEach(resolve => resolve()));
				} else {
					next.forEach(resolve => resolve());
				}
			}
		}
	}, []);
}
