import {useEffect, useRef, useState} from 'react';
import type {PluginWithUsage} from '../../docker/usage.js';
import type {DetailState} from '../content/plugin-detail.js';
import type {HostServices} from '../services/host-services.js';

/**
 * The selected plugin's history and registry tags, read in the background after the selection
 * rests for a moment (moving through the list reads nothing), and kept per build, so coming
 * back costs nothing and a changed build is read again.
 */
export function useDetails(services: Pick<HostServices, 'details'>, plugin: PluginWithUsage | undefined, version: number, scope = ''): DetailState | undefined {
	const cache = useRef(new Map<string, DetailState>());
	const [, setTick] = useState(0);
	// `scope`: the host, on the fleet screen, where one cache serves every host's plugins.
	const key = plugin ? `${scope}|${plugin.name}|${plugin.id}|${plugin.diffIds.join(',')}|${version}` : '';
	useEffect(() => {
		if (!plugin || cache.current.has(key)) {
			return;
		}

		let current = true;
		const timer = setTimeout(() => {
			cache.current.set(key, {status: 'loading'});
			services.details(plugin).then(
				details => {
					cache.current.set(key, {status: 'ready', details});
					if (current) {
						setTick(tick => tick + 1);
					}
				},
				(error: unknown) => {
					cache.current.set(key, {status: 'ready', details: {history: [], historyError: (error as Error).message}});
					if (current) {
						setTick(tick => tick + 1);
					}
				},
			);
		}, 150);
		return () => {
			current = false;
			clearTimeout(timer);
			if (cache.current.get(key)?.status === 'loading') {
				cache.current.delete(key);
			}
		};
	}, [services, key]);

	return plugin ? cache.current.get(key) : undefined;
}
