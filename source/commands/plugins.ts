import type {Engine} from '../docker/engine.js';
import {shownValue} from '../docker/plugin-settings.js';
import type {Plugin} from '../docker/plugins.js';
import {countLiveSessions} from '../docker/sessions.js';
import type {RawContainer} from '../docker/containers.js';
import {jsonText} from './json.js';
import {describeUsage, isInUse, type PluginWithUsage} from '../docker/usage.js';
import {openFlowContext} from '../flows/context.js';
import {hostLedger} from '../flows/host-ledger.js';
import {currentUser} from '../ledger/ledger.js';
import {observePlugins, unobserved, type Observer} from '../flows/observe.js';
import packageJson from '../../package.json' with {type: 'json'};
import type {CommandContext} from './context.js';
import {table} from './table.js';

/** `listing`: the plugins with their usage, asked for by main (on `engine`) before this module was loaded. */
export async function pluginsCommand(context: CommandContext, listing: Promise<{plugins: PluginWithUsage[]; containers: RawContainer[]}>, engine: Promise<Engine>): Promise<void> {
	const {plugins, containers} = await listing;
	// From the containers the usage index was made of: no request more.
	const liveSessions = countLiveSessions(containers);
	await recordObserved(context, plugins, engine);
	if (context.json) {
		// The list stays a list (scripts read it so): each plugin carries its host's count.
		context.print(jsonText(plugins.map(plugin => ({...pluginJson(plugin), liveSessions}))));
		return;
	}

	if (plugins.length === 0) {
		context.print(`no plugins installed on ${context.target.address}${liveSessions > 0 ? `; ${liveSessions} live Kasm session${liveSessions === 1 ? '' : 's'}` : ''}`);
		return;
	}

	context.print(
		table(plugins, [
			{title: 'NAME', value: plugin => plugin.name, max: 60},
			{title: 'REFERENCE', value: plugin => plugin.reference, max: 70},
			{title: 'ENABLED', value: plugin => (plugin.enabled ? 'yes' : 'no')},
			{title: 'ROLLING', value: plugin => (plugin.rolling ? 'yes' : 'no')},
			{title: 'ID', value: plugin => plugin.id.slice(0, 12)},
			{title: 'IN USE BY', value: plugin => (isInUse(plugin.usedBy) ? describeUsage(plugin.usedBy) : '-'), max: 80},
		]),
	);
	if (liveSessions > 0) {
		context.print(`\n${liveSessions} live Kasm session${liveSessions === 1 ? '' : 's'} on ${context.target.address}: a change of a plugin here is refused unless --sessions wait or ignore`);
	}
}

/**
 * Listing plugins records the ones the ledger does not know yet, so a first upgrade can be
 * rolled back even for a plugin installed by hand. Not in read-only mode; a ledger we cannot
 * write costs a warning, never the listing.
 */
async function recordObserved(context: CommandContext, plugins: Plugin[], engine: Promise<Engine>): Promise<void> {
	if (context.readOnly) {
		return;
	}

	try {
		const observer: Observer = {ledger: await hostLedger(await engine, context), user: currentUser(), version: packageJson.version};
		if (unobserved(observer.ledger, plugins).length === 0) {
			return;
		}

		// A build seen for the first time: its digest is proven now, while its tag still names it.
		observer.registry = await openFlowContext({target: context.target, ledgerDir: context.ledgerDir, engine: await engine})
			.then(
				flow => flow.registry,
				() => undefined,
			);
		await observePlugins(observer, plugins);
	} catch (error) {
		context.warn(`kasm-tui: history not recorded: ${(error as Error).message}`);
	}
}

/** The JSON shape of product.md: stable field names for scripts. */
export function pluginJson(plugin: PluginWithUsage) {
	return {
		name: plugin.name,
		reference: plugin.reference,
		tag: plugin.tag,
		id: plugin.id,
		enabled: plugin.enabled,
		rolling: plugin.rolling,
		description: plugin.description,
		types: plugin.types,
		privileges: plugin.privileges,
		usedBy: plugin.usedBy,
		socket: plugin.socket,
		diffIds: plugin.diffIds,
		settings: (plugin.settings ?? []).map(setting => ({...setting, value: shownValue(setting.key, setting.value)})),
	};
}
