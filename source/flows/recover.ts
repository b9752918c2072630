import {disablePlugin, enablePlugin, inspectPlugin, pluginPrivileges, pullPlugin, removePlugin, upgradePlugin} from '../docker/plugin-ops.js';
import {listPlugins, type Plugin} from '../docker/plugins.js';
import {DaemonError, Refused} from '../errors.js';
import type {LedgerEntry} from '../ledger/entry.js';
import {sameBuild} from '../registry/identity.js';
import {safeText} from '../text.js';
import {pullAuth, type FlowContext} from './context.js';

/** A flow that died (kill -9, a lost SSH session) between its `started` entry and its outcome. */
export interface Unfinished {
	entry: LedgerEntry;
	/** What the plugin must be brought back to. */
	from: NonNullable<LedgerEntry['from']>;
	/** The steps that bring it back, in words, for the confirmation. */
	steps: string[];
}

export function describeUnfinished(unfinished: Pick<Unfinished, 'entry'>): string {
	const {entry} = unfinished;
	return `${/^[aeiou]/.test(entry.action) ? 'an' : 'a'} ${entry.action} of ${entry.from?.name ?? entry.name} started ${entry.time} by ${entry.user} did not finish`;
}

/**
 * The refusal every change meets while the ledger holds a change of the plugin that died half-way:
 * recovering comes first, or the new change would bury what the dead one left. Read from the
 * ledger alone; undefined when nothing is unfinished.
 */
export function unfinishedRefusal(context: Pick<FlowContext, 'ledger'>, pluginName: string): Refused | undefined {
	let entry = context.ledger.unfinished(pluginName);
	while (entry?.from) {
		// A change still under way holds the plugin's lock: wait for it, there is nothing to recover.
		const busy = context.ledger.heldElsewhere(entry.from.name);
		if (busy) {
			return busy;
		}

		// Its outcome is written before its lock is let go: read again, it may have just finished.
		const again = context.ledger.unfinished(pluginName);
		if (again?.attempt === entry.attempt) {
			return new Refused(`${describeUnfinished({entry})}: run "kasm-tui recover ${pluginName}" first`);
		}

		entry = again;
	}

	return undefined;
}

/** What the dead flow left and what recovering from it takes. Undefined when nothing is unfinished. */
export async function findUnfinished(context: FlowContext, pluginName: string): Promise<Unfinished | undefined> {
	const entry = context.ledger.unfinished(pluginName);
	if (!entry?.from) {
		return undefined;
	}

	const {from} = entry;
	const plugins = await listPlugins(context.engine);
	const original = plugins.find(plugin => plugin.name === from.name);
	const added = entry.into ? plugins.find(plugin => plugin.name === entry.into) : undefined;
	const steps: string[] = [];
	if (removalWentThrough(entry, original)) {
		return {entry, from, steps: [`record that ${from.name} was removed: the removal went through before kasm-tui stopped`]};
	}

	if (added) {
		steps.push(`remove ${added.name}, which the ${entry.action} had installed`);
	}

	if (from.absent) {
		// An install: there was nothing before, so nothing it left may stay.
		if (original) {
			steps.push(`remove ${original.name}, which the install had installed`);
		}
	} else if (!original) {
		steps.push(
			from.restoreRemote
				? `reinstall ${from.name} from ${from.restoreRemote}`
				: `record that ${from.name} is not installed: no tag in the registry holds the build it had; install a version with kasm-tui install`,
		);
	} else {
		if (!sameBuild(original.diffIds, entry.identity.diffIds) && entry.identity.diffIds.length > 0) {
			steps.push(
				from.restoreRemote
					? `put the build ${from.name} had back (${from.restoreRemote})`
					: `keep the build it runs now (${original.tag || original.reference}): no tag in the registry holds the one it had; pick a version afterwards with kasm-tui reinstall`,
			);
		}

		if (from.enabled && !original.enabled) {
			steps.push(`enable ${from.name}`);
		}
	}

	return {entry, from, steps};
}

/** What recovering did: the plugin now (none when it is not installed), in one sentence for people. */
export interface Recovered {
	plugin?: Plugin;
	said: string;
}

const backAs = (plugin: Plugin): Recovered => ({plugin, said: `${plugin.name} is back: ${plugin.enabled ? 'enabled' : 'disabled'} at ${plugin.tag || plugin.reference}`});

/**
 * Brings a plugin back to what it was before a flow died: the plugin the flow added goes, the
 * original build goes back in, and it is enabled if it was. The outcome is recorded against
 * the dead attempt, so the ledger shows it settled.
 */
export async function recover(context: FlowContext, unfinished: Unfinished): Promise<Recovered> {
	if (context.readOnly) {
		throw new Refused(`kasm-tui is read-only (--read-only): it will not recover ${safeText(unfinished.from.name)}`);
	}

	const {entry, from} = unfinished;
	context.ledger.assertUsable();
	const lock = context.ledger.lock(from.name, 'recover');
	try {
		const plugins = await listPlugins(context.engine);
		if (removalWentThrough(entry, plugins.find(plugin => plugin.name === from.name))) {
			context.ledger.append({...settledFields(context, entry), action: 'remove', identity: entry.identity, outcome: 'ok'});
			return {said: `${from.name} was removed, as asked: the ledger says so now`};
		}

		const added = entry.into ? plugins.find(plugin => plugin.name === entry.into) : undefined;
		if (added) {
			if (added.enabled) {
				await disablePlugin(context.engine, added.name, {force: true});
			}

			await removePlugin(context.engine, added.name, {force: true});
		}

		let original = plugins.find(plugin => plugin.name === from.name);
		if (from.absent) {
			if (original) {
				await removePlugin(context.engine, original.name, {force: true});
			}

			// Nothing was there before the install, and nothing is now.
			context.ledger.append({...settledFields(context, entry), action: 'recover', identity: {diffIds: []}, outcome: 'restored'});
			return {said: `${from.name} is not installed, as before the install that did not finish`};
		}

		const wantBuild = entry.identity.diffIds;
		if (!original || (wantBuild.length > 0 && !sameBuild(original.diffIds, wantBuild))) {
			if (!from.restoreRemote) {
				// The build it had is in no registry: nothing can bring it back, and refusing would leave
				// the plugin locked out of every change. Settle on what is there, and say so in the ledger.
				return settleWithout(context, entry, original);
			}

			const auth = await pullAuth(context, from.restoreRemote);
			const privileges = await pluginPrivileges(context.engine, from.restoreRemote, {auth});
			if (original) {
				if (original.enabled) {
					await disablePlugin(context.engine, from.name, {force: true});
				}

				await upgradePlugin(context.engine, from.name, {remote: from.restoreRemote, privileges, auth});
			} else {
				await pullPlugin(context.engine, {remote: from.restoreRemote, name: from.name, privileges, auth});
			}

			original = await inspectPlugin(context.engine, from.name);
		}

		if (from.enabled && !original.enabled) {
			await enablePlugin(context.engine, from.name, {timeout: 30}).catch(async (error: unknown) => {
				if (!isStaleContainer(error) || !from.restoreRemote) {
					throw error;
				}

				// dockerd keeps the containerd container of an enable its restart cut short, and the
				// plugin's id with it: only the same build installed afresh (a new id) can be enabled.
				const auth = await pullAuth(context, from.restoreRemote);
				const privileges = await pluginPrivileges(context.engine, from.restoreRemote, {auth});
				await removePlugin(context.engine, from.name);
				await pullPlugin(context.engine, {remote: from.restoreRemote, name: from.name, privileges, auth});
				await enablePlugin(context.engine, from.name, {timeout: 30});
			});
		}

		const after = await inspectPlugin(context.engine, from.name);
		context.ledger.append({...settledFields(context, entry), action: 'recover', identity: {diffIds: after.diffIds}, pluginId: after.id, outcome: 'restored'});
		return backAs(after);
	} finally {
		lock.release();
	}
}

/**
 * Recovering when the build the plugin had is in no registry: it keeps the build it runs now (enabled
 * if it was), or, when none is installed, the ledger records that. Either way the dead attempt is
 * settled (outcome `ok`, the reason in `error`), so a reinstall of a chosen version can follow.
 */
async function settleWithout(context: FlowContext, entry: LedgerEntry, installed: Plugin | undefined): Promise<Recovered> {
	const from = entry.from!;
	const settled = {...settledFields(context, entry), action: 'recover' as const, outcome: 'ok' as const};
	if (!installed) {
		context.ledger.append({...settled, identity: {diffIds: []}, error: `${settled.error}; the build ${from.name} had is in no registry, and it is not installed`});
		return {said: `${from.name} is not installed, and the build it had is in no registry: install a version with kasm-tui install`};
	}

	if (from.enabled && !installed.enabled) {
		await enablePlugin(context.engine, from.name, {timeout: 30});
	}

	const after = await inspectPlugin(context.engine, from.name);
	context.ledger.append({
		...settled,
		reference: after.reference,
		tag: after.tag,
		identity: {diffIds: after.diffIds},
		pluginId: after.id,
		error: `${settled.error}; the build ${from.name} had is in no registry, so it keeps the one it runs now (${after.tag || after.reference})`,
	});
	return {
		plugin: after,
		said: `${after.name} is ${after.enabled ? 'enabled' : 'disabled'} at ${after.tag || after.reference}, the build it runs now: the one it had is in no registry; pick a version with kasm-tui reinstall`,
	};
}

/** A remove that died after the daemon removed the plugin: it did what was asked, and only its outcome is missing. */
function removalWentThrough(entry: LedgerEntry, original: Plugin | undefined): boolean {
	return entry.action === 'remove' && !original;
}

/** What every entry that settles a dead attempt says: whose, which attempt, and why it is written now. */
function settledFields(context: FlowContext, entry: LedgerEntry) {
	const from = entry.from!;
	return {
		time: new Date().toISOString(),
		name: from.name,
		reference: from.reference,
		tag: from.tag,
		attempt: entry.attempt,
		error: `the ${entry.action} started ${entry.time} did not finish`,
		user: context.user,
		version: context.version,
	};
}

/** `error creating containerd container: id already in use`: what an enable cut short by a daemon restart leaves. */
export function isStaleContainer(error: unknown): boolean {
	return error instanceof DaemonError && /\bid already in use\b/i.test(error.message);
}
