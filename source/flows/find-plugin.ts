import {PluginNotFound, BadInput} from '../errors.js';
import type {Plugin} from '../docker/plugins.js';
import {normaliseReference} from '../docker/reference.js';
import {safeText} from '../text.js';

/**
 * The plugin an operator named, the way docker finds it: its full name, its name without
 * `:latest`, any spelling of the same reference (`docker.io/…`), or a unique prefix of its id.
 */
export function findPlugin(plugins: Plugin[], query: string): Plugin {
	const wanted = query.trim();
	if (wanted === '') {
		throw new BadInput('no plugin named: give a plugin name as "kasm-tui plugins" shows it');
	}

	const exact = plugins.find(plugin => plugin.name === wanted);
	if (exact) {
		return exact;
	}

	const normalised = normaliseReference(wanted);
	const byName = plugins.find(plugin => normaliseReference(plugin.name) === normalised);
	if (byName) {
		return byName;
	}

	if (/^[a-f\d]{3,64}$/.test(wanted)) {
		const byId = plugins.filter(plugin => plugin.id.startsWith(wanted));
		if (byId.length === 1) {
			return byId[0]!;
		}

		if (byId.length > 1) {
			throw new BadInput(`the id prefix ${wanted} matches ${byId.length} plugins: give more of the id, or the name`);
		}
	}

	throw new PluginNotFound(safeText(wanted).slice(0, 200));
}
