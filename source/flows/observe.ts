import type {Plugin} from '../docker/plugins.js';
import {debug} from '../debug.js';
import type {Ledger} from '../ledger/ledger.js';
import type {RegistryClient} from '../registry/client.js';
import {provenDigest} from '../registry/identity.js';
import {sameBuild} from '../registry/same-build.js';

export interface Observer {
	ledger: Ledger;
	user: string;
	version: string;
	/** Where an observed build's digest is proven; without one it is recorded without a digest. */
	registry?: Pick<RegistryClient, 'build'>;
}

/** A registry that does not answer must not hold a listing up: the build is recorded without its digest then. */
const proofPatienceMs = 5000;

/** The plugins whose build the ledger does not know yet (and that no flow is changing right now). */
export function unobserved(ledger: Ledger, plugins: Plugin[]): Plugin[] {
	return plugins.filter(plugin => {
		const {entries} = ledger.read(plugin.name);
		const known = entries.filter(entry => entry.outcome === 'ok' && entry.identity.diffIds.length > 0).at(-1);
		// A flow under way has its own entries coming.
		return !(known && sameBuild(known.identity.diffIds, plugin.diffIds)) && entries.at(-1)?.outcome !== 'started';
	});
}

/**
 * Records what is installed whenever kasm-tui lists plugins: a plugin the ledger does not know,
 * or whose build changed behind kasm-tui's back (`docker plugin upgrade` by hand, Kasm's start
 * script), gets an `observed` entry, so its next upgrade already has something to roll back to.
 * With a registry, the entry carries the build's manifest digest, proven while its tag still
 * names it, so it can be installed again by digest once no tag does. Returns the names recorded.
 * A ledger that cannot be written is reported once by the caller.
 */
export async function observePlugins(observer: Observer, plugins: Plugin[]): Promise<string[]> {
	const fresh = unobserved(observer.ledger, plugins);
	const digests = await Promise.all(fresh.map(async plugin => proveQuietly(observer, plugin)));
	const recorded: string[] = [];
	for (const [index, plugin] of fresh.entries()) {
		// Read again: a flow may have started, or another kasm-tui recorded it, while the registry answered.
		if (unobserved(observer.ledger, [plugin]).length === 0) {
			continue;
		}

		const digest = digests[index];
		observer.ledger.append({
			time: new Date().toISOString(),
			action: 'observed',
			name: plugin.name,
			reference: plugin.reference,
			tag: plugin.tag,
			identity: digest ? {diffIds: plugin.diffIds, digest} : {diffIds: plugin.diffIds},
			pluginId: plugin.id,
			outcome: 'ok',
			user: observer.user,
			version: observer.version,
		});
		recorded.push(plugin.name);
	}

	return recorded;
}

async function proveQuietly(observer: Observer, plugin: Plugin): Promise<string | undefined> {
	if (!observer.registry || !plugin.reference) {
		return undefined;
	}

	let timer: ReturnType<typeof setTimeout> | undefined;
	try {
		return await Promise.race([
			provenDigest(observer.registry, plugin.reference, plugin.diffIds),
			new Promise<undefined>(resolve => {
				timer = setTimeout(() => resolve(undefined), proofPatienceMs);
			}),
		]);
	} catch (error) {
		debug('observe', `no digest proven for ${plugin.name}`, {error});
		return undefined;
	} finally {
		clearTimeout(timer);
	}
}
