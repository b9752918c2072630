import type {Plugin} from '../docker/plugins.js';
import type {Ledger} from '../ledger/ledger.js';
import {sameBuild} from '../registry/same-build.js';

export interface Observer {
	ledger: Ledger;
	user: string;
	version: string;
}

/**
 * Records what is installed whenever kasm-tui lists plugins: a plugin the ledger does not know,
 * or whose build changed behind kasm-tui's back (`docker plugin upgrade` by hand), gets an
 * `observed` entry, so its next upgrade already has something to roll back to.
 * Returns the names recorded. A ledger that cannot be written is reported once by the caller.
 */
export function observePlugins(observer: Observer, plugins: Plugin[]): string[] {
	const recorded: string[] = [];
	for (const plugin of plugins) {
		const {entries} = observer.ledger.read(plugin.name);
		const known = entries.filter(entry => entry.outcome === 'ok' && entry.identity.diffIds.length > 0).at(-1);
		if (known && sameBuild(known.identity.diffIds, plugin.diffIds)) {
			continue;
		}

		// A flow under way has its own entries coming.
		if (entries.at(-1)?.outcome === 'started') {
			continue;
		}

		observer.ledger.append({
			time: new Date().toISOString(),
			action: 'observed',
			name: plugin.name,
			reference: plugin.reference,
			tag: plugin.tag,
			identity: {diffIds: plugin.diffIds},
			pluginId: plugin.id,
			outcome: 'ok',
			user: observer.user,
			version: observer.version,
		});
		recorded.push(plugin.name);
	}

	return recorded;
}
