import {useEffect, useMemo, useRef, useState} from 'react';
import type {Plugin} from '../../docker/plugins.js';
import type {HostServices} from '../services/host-services.js';

/**
 * Which plugins' references name another build in the registry now, checked in the background
 * after the panes are drawn (never before the first frame), and again only for plugins whose
 * build changed or whose answer is older than `ttlMs`: event-driven reloads cost no registry reads.
 */
export function usePluginUpdates(services: HostServices, plugins: Plugin[] | undefined, ttlMs = 5 * 60 * 1000): Map<string, boolean | null> {
	const known = useRef(new Map<string, {update: boolean | null; at: number}>());
	const [tick, setTick] = useState(0);
	const keyOf = (plugin: Plugin) => `${plugin.name}|${plugin.reference}|${plugin.diffIds.join(',')}`;
	useEffect(() => {
		if (!plugins || !services.pluginUpdates) {
			return;
		}

		const now = Date.now();
		const stale = plugins.filter(plugin => {
			const found = known.current.get(keyOf(plugin));
			return plugin.reference !== '' && (!found || now - found.at > ttlMs);
		});
		if (stale.length === 0) {
			return;
		}

		let current = true;
		services.pluginUpdates(stale).then(
			found => {
				for (const plugin of stale) {
					known.current.set(keyOf(plugin), {update: found.get(plugin.name) ?? null, at: Date.now()});
				}

				if (current) {
					setTick(tick => tick + 1);
				}
			},
			() => {},
		);
		return () => {
			current = false;
		};
	}, [services, plugins, ttlMs]);

	// A new map only when an answer came or the plugins changed, so what is built from it can be kept.
	return useMemo(() => new Map((plugins ?? []).map(plugin => [plugin.name, known.current.get(keyOf(plugin))?.update ?? null])), [plugins, tick]);
}
