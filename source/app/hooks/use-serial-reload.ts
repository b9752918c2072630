import {useCallback, useEffect, useRef} from 'react';

/**
 * A read of the screen's state that never overlaps itself: one asked for while it runs runs once,
 * after it ends. `read` is handed whether the screen is still there, so nothing is set after it
 * closed; the latest `read` given is the one run.
 */
export function useSerialReload(read: (mounted: () => boolean) => Promise<unknown>): () => void {
	const latest = useRef(read);
	latest.current = read;
	const loading = useRef(false);
	const again = useRef(false);
	const mounted = useRef(true);
	useEffect(() => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, []);

	return useCallback(function reload() {
		if (loading.current) {
			again.current = true;
			return;
		}

		loading.current = true;
		latest.current(() => mounted.current)
			.catch(() => {})
			.finally(() => {
				loading.current = false;
				if (again.current && mounted.current) {
					again.current = false;
					reload();
				}
			});
	}, []);
}
