import {PluginInUse} from '../docker/errors.js';
import {inspectPlugin, pluginPrivileges} from '../docker/plugin-ops.js';
import type {Plugin, Privilege} from '../docker/plugins.js';
import {emptyUsage, isInUse, listPluginsWithUsage, type PluginWithUsage} from '../docker/usage.js';
import {KasmTuiError, Refused} from '../errors.js';
import type {LedgerEntry} from '../ledger/entry.js';
import {sameBuild} from '../registry/identity.js';
import {isRolling} from '../rolling.js';
import {safeText} from '../text.js';
import {currentBuildLocation} from './builds.js';
import {ChangedSincePlan} from './look-again.js';
import {pullAuth, type FlowContext} from './context.js';
import type {Plan, Step} from './plan.js';
import {FlowFailed, isStaleContainer, runPlan, startKasm, type FlowEvent} from './run.js';
import {kasmServicesNow} from '../docker/kasm.js';
import {kasmControl} from '../machine/kasm-control.js';

/** A flow that died (kill -9, a lost SSH session) between its `started` entry and its outcome. */
export interface Unfinished {
	entry: LedgerEntry;
	/** What the plugin must be brought back to. */
	from: NonNullable<LedgerEntry['from']>;
	/** The steps that bring it back, in words, for the confirmation. */
	steps: string[];
	/** Those steps to run, each with its undo; none when only the ledger needs to say it. */
	plan?: Plan;
	settlement: Settlement;
	/** The plugin and the one the dead change added, as they were when the steps were worked out: looked at again before settling. */
	seen: {original?: PluginWithUsage; added?: PluginWithUsage};
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

/** How the dead attempt is settled once the daemon is as it should be. */
type Settlement =
	/** A removal that went through: only its outcome was missing. */
	| 'removed'
	/** An install: nothing is left under its name, as before it. */
	| 'absent'
	/** The plugin is back as it was. */
	| 'restored'
	/** The build it had is in no registry: it keeps the build it runs now. */
	| 'kept'
	/** The build it had is in no registry and it is not installed. */
	| 'gone';

/** A plugin as the plan of an install has it: nothing is installed under the name yet. */
function absentPlugin(name: string): PluginWithUsage {
	return {name, reference: '', tag: '', id: '', enabled: false, rolling: isRolling(name), description: '', types: [], privileges: [], socket: '', diffIds: [], usedBy: emptyUsage()};
}

/** Where a tag holds the build a plugin runs now, to put it back if a later step fails. */
async function restoreRemoteOf(context: FlowContext, plugin: Plugin): Promise<string | undefined> {
	try {
		return (await currentBuildLocation(context, plugin))?.remote;
	} catch {
		// Not known: a failed step after it then says it cannot be put back.
		return undefined;
	}
}

async function privilegesOf(context: FlowContext, remote: string): Promise<Privilege[]> {
	// Read-only refuses the plan: nothing will be pulled, so the registry need not be asked.
	if (context.readOnly) {
		return [];
	}

	return pluginPrivileges(context.engine, remote, {auth: await pullAuth(context, remote)});
}

/**
 * Recovering as a plan like any change's, run by runPlan: the lock, the look again, the ledger,
 * and an undo for each step, so a step that fails (a pull the registry fails) leaves the plugin
 * as it was before `recover`. Nothing is disabled that something uses: the plan is refused.
 */
function recoveryPlan(
	context: FlowContext,
	{entry, original, added, steps}: {entry: LedgerEntry; original?: PluginWithUsage; added?: PluginWithUsage; steps: Step[]},
	restoreRemote: string | undefined,
): Plan {
	const from = entry.from!;
	const disabled = (plugin?: PluginWithUsage) => plugin && plugin.enabled && isInUse(plugin.usedBy) && steps.some(step => step.kind === 'disable' && step.name === plugin.name);
	const inUse = [original, added].find(plugin => disabled(plugin));
	return {
		action: 'recover',
		plugin: original ?? absentPlugin(from.name),
		origin: original
			? {name: original.name, reference: original.reference, tag: original.tag, enabled: original.enabled, identity: {diffIds: original.diffIds}, restoreRemote}
			: {name: from.name, reference: '', tag: '', enabled: false, identity: {diffIds: []}, absent: true},
		destination: {name: from.name, remote: from.restoreRemote ?? from.reference, tag: from.tag, identity: entry.identity},
		steps,
		privileges: steps.flatMap(step => (step.kind === 'upgrade' || step.kind === 'install' ? step.privileges : [])),
		privilegeChanges: {added: [], removed: []},
		warnings: [],
		refusal: context.readOnly
			? new Refused(`kasm-tui is read-only (--read-only): it will not recover ${safeText(from.name)}`)
			: inUse
				? new PluginInUse(inUse.name, inUse.usedBy)
				: undefined,
		madeAt: new Date().toISOString(),
	};
}

/** Takes a plugin out: disabled first when it is enabled, never forced (one in use refuses the plan). */
function removal(plugin: PluginWithUsage): {disable?: Step; remove: Step} {
	return {disable: plugin.enabled ? {kind: 'disable', name: plugin.name} : undefined, remove: {kind: 'remove', name: plugin.name}};
}

const present = (steps: Array<Step | undefined>): Step[] => steps.filter(step => step !== undefined);

/** What the dead flow left and what recovering from it takes. Undefined when nothing is unfinished. */
export async function findUnfinished(context: FlowContext, pluginName: string): Promise<Unfinished | undefined> {
	const entry = context.ledger.unfinished(pluginName);
	if (!entry?.from) {
		return undefined;
	}

	const {from} = entry;
	const plugins = await listPluginsWithUsage(context.engine);
	const original = plugins.find(plugin => plugin.name === from.name);
	const added = entry.into ? plugins.find(plugin => plugin.name === entry.into) : undefined;
	if (removalWentThrough(entry, original)) {
		return {entry, from, steps: [`record that ${from.name} was removed: the removal went through before kasm-tui stopped`], settlement: 'removed', seen: {original, added}};
	}

	const words: string[] = [];
	const steps: Step[] = [];
	let settlement: Settlement = 'restored';
	let restoreRemote: string | undefined;
	// The plugin the flow added goes last, once the original is back, so until then it can be enabled again.
	const addedGoes = added && (from.absent || original || from.restoreRemote) ? removal(added) : undefined;
	if (from.absent) {
		// An install: there was nothing before, so nothing it left may stay.
		steps.push(...present([addedGoes?.disable, addedGoes?.remove]));
		if (original) {
			words.push(`remove ${original.name}, which the install had installed`);
			const goes = removal(original);
			steps.push(...present([goes.disable, goes.remove]));
		}

		settlement = 'absent';
	} else if (!original) {
		if (from.restoreRemote) {
			words.push(`reinstall ${from.name} from ${from.restoreRemote}`);
			steps.push(
				{kind: 'install', name: from.name, remote: from.restoreRemote, privileges: await privilegesOf(context, from.restoreRemote)},
				...present([addedGoes?.disable, from.enabled ? {kind: 'enable', name: from.name} : undefined, addedGoes?.remove]),
			);
		} else {
			// The build is in no registry: what the flow added is all there is, and stays.
			words.push(`record that ${from.name} is not installed: no tag in the registry holds the build it had; install a version with kasm-tui install`);
			settlement = 'gone';
		}
	} else {
		const wantBuild = entry.identity.diffIds;
		const otherBuild = wantBuild.length > 0 && !sameBuild(original.diffIds, wantBuild);
		if (otherBuild && from.restoreRemote) {
			words.push(`put the build ${from.name} had back (${from.restoreRemote})`);
			restoreRemote = await restoreRemoteOf(context, original);
			steps.push(
				...present([original.enabled ? {kind: 'disable', name: from.name} : undefined]),
				{kind: 'upgrade', name: from.name, remote: from.restoreRemote, privileges: await privilegesOf(context, from.restoreRemote), restoreRemote},
			);
		} else if (otherBuild) {
			words.push(`keep the build it runs now (${original.tag || original.reference}): no tag in the registry holds the one it had; pick a version afterwards with kasm-tui reinstall`);
			settlement = 'kept';
		}

		if (from.enabled && !original.enabled) {
			words.push(`enable ${from.name}`);
		}

		const enable = from.enabled && (!original.enabled || steps.some(step => step.kind === 'disable'));
		steps.push(...present([addedGoes?.disable, enable ? {kind: 'enable', name: from.name} : undefined, addedGoes?.remove]));
	}

	if (addedGoes) {
		words.push(`remove ${added!.name}, which the ${entry.action} had installed`);
	}

	return {entry, from, steps: words, settlement, plan: steps.length > 0 ? recoveryPlan(context, {entry, original, added, steps}, restoreRemote) : undefined, seen: {original, added}};
}

/**
 * The way out of a container the daemon kept from an enable cut short (a daemon restart, a killed
 * kasm-tui: `id already in use`): only the same build installed afresh, under a new id, can be
 * enabled. The build is pulled first under a name of recover's own, so a registry that fails does
 * so before anything is removed, and the build's layers stay on the daemon while the plugin is
 * removed and installed again; that name goes last.
 */
async function freshInstallPlan(context: FlowContext, entry: LedgerEntry): Promise<Plan> {
	const from = entry.from!;
	const remote = from.restoreRemote!;
	const original = (await listPluginsWithUsage(context.engine)).find(plugin => plugin.name === from.name);
	const privileges = await privilegesOf(context, remote);
	const colon = from.name.lastIndexOf(':');
	const repository = colon > from.name.lastIndexOf('/') ? from.name.slice(0, colon) : from.name;
	// node:crypto is loaded here, not with this module: every command loads it (source/cli/commands.ts).
	const {randomBytes} = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
	const aside = `${repository}:kasm-tui-recover-${randomBytes(4).toString('hex')}`;
	const steps: Step[] = [{kind: 'install', name: aside, remote, privileges}];
	let restoreRemote: string | undefined;
	if (original) {
		restoreRemote = await restoreRemoteOf(context, original);
		const restore = restoreRemote ? {remote: restoreRemote, privileges: await privilegesOf(context, restoreRemote)} : undefined;
		steps.push(...present([original.enabled ? {kind: 'disable', name: original.name} : undefined]), {kind: 'remove', name: original.name, restore});
	}

	steps.push({kind: 'install', name: from.name, remote, privileges}, {kind: 'enable', name: from.name}, {kind: 'remove', name: aside});
	return recoveryPlan(context, {entry, original, steps}, restoreRemote);
}

/** What recovering did: the plugin now (none when it is not installed), in one sentence for people. */
export interface Recovered {
	plugin?: Plugin;
	said: string;
}

const backAs = (plugin: Plugin): Recovered => ({plugin, said: `${plugin.name} is back: ${plugin.enabled ? 'enabled' : 'disabled'} at ${plugin.tag || plugin.reference}`});

/**
 * A recover whose steps failed and were undone: the plugin is as it was before `recover`, which is
 * still not what it was before the dead change, so it is exit 4 like any change not put back, and
 * `recover` run again (once the daemon and registry answer) is what settles it.
 */
export class RecoveryNotDone extends KasmTuiError {
	override name = 'RecoveryNotDone';
	override readonly exitCode = 4;
	constructor(
		readonly plugin: string,
		/** What recover set out to do and could not, in words. */
		readonly notDone: string[],
		readonly failed: FlowFailed,
	) {
		super(`${failed.message}; not done: ${notDone.join('; ')}; run "kasm-tui recover ${plugin}" again once the daemon and registry answer`);
	}
}

/** Runs one of recover's plans; its failure, undone, says what recover could not do (exit 4). */
async function runRecovery(context: FlowContext, plan: Plan, entry: LedgerEntry, notDone: string[], options: {report: (event: FlowEvent) => void; signal?: AbortSignal}): Promise<void> {
	try {
		await runPlan(context, plan, options.report, {recovers: entry, signal: options.signal});
	} catch (error) {
		// Not undone (exit 4 already, with the plugin's state) or refused: as it is.
		throw error instanceof FlowFailed && error.outcome === 'restored' ? new RecoveryNotDone(entry.from!.name, notDone, error) : error;
	}
}

/**
 * Brings a plugin back to what it was before a flow died: the plugin the flow added goes, the
 * original build goes back in, and it is enabled if it was. The steps run as a plan (runPlan): a
 * step that fails is undone, so the plugin is as it was before `recover` (RecoveryNotDone, exit 4:
 * the dead change is still to recover; 4 too when the undo failed) and the dead attempt stays
 * unfinished. Once done, the outcome is recorded against the dead attempt, so the ledger shows it
 * settled. Nothing is done when the plugin changed since the steps were worked out, or another
 * recover settled the dead change meanwhile (a confirmation left open): ChangedSincePlan, exit 3.
 */
export async function recover(
	context: FlowContext,
	unfinished: Unfinished,
	{report = () => {}, signal}: {report?: (event: FlowEvent) => void; signal?: AbortSignal} = {},
): Promise<Recovered> {
	const {entry, from, plan} = unfinished;
	if (context.readOnly) {
		throw new Refused(`kasm-tui is read-only (--read-only): it will not recover ${safeText(from.name)}`);
	}

	context.ledger.assertUsable();
	if (plan) {
		try {
			await runRecovery(context, plan, entry, unfinished.steps, {report, signal});
		} catch (error) {
			const failed = error instanceof RecoveryNotDone ? error.failed : undefined;
			if (!(failed && isStaleContainer(failed.failure) && from.restoreRemote) || signal?.aborted) {
				throw error;
			}

			report({kind: 'warning', text: `${from.name} cannot be enabled: the daemon kept the container of an enable cut short; installing the same build afresh`});
			const afresh = [`install ${from.name} afresh from ${from.restoreRemote} and enable it`];
			await runRecovery(context, await freshInstallPlan(context, entry), entry, afresh, {report, signal});
		}
	}

	const lock = context.ledger.lock(from.name, 'recover');
	try {
		// A plan's steps had their look again under runPlan's lock; what only the ledger settles has it here.
		const changed = plan ? undefined : await changedSinceFound(context, unfinished);
		if (changed) {
			context.ledger.append({...settledFields(context, entry), attempt: undefined, action: 'recover', identity: entry.identity, outcome: 'refused', error: changed.message});
			throw changed;
		}

		const recovered = await settle(context, entry, unfinished.settlement);
		return entry.kasm ? {...recovered, said: `${recovered.said}; ${await startKasmAgain(context, entry.kasm, report)}`} : recovered;
	} finally {
		lock.release();
	}
}

/**
 * A change made with Kasm stopped (--with-kasm-restart) that died left Kasm stopped: once the
 * plugin is back, Kasm is started again, unless its services already run (someone started it).
 */
async function startKasmAgain(context: FlowContext, kasm: NonNullable<LedgerEntry['kasm']>, report: (event: FlowEvent) => void): Promise<string> {
	const services = kasm.services ?? [];
	const running = new Set((await kasmServicesNow(context.engine)).filter(service => service.running).map(service => service.name));
	if (services.length > 0 && services.every(service => running.has(service))) {
		return `Kasm's services run (${services.join(', ')})`;
	}

	try {
		const control = await kasmControl(context.engine.target, context.hostName, kasm.dir);
		report({kind: 'warning', text: `the change that died had stopped Kasm: starting it again (${control.start.text})`});
		await startKasm(context, {kind: 'kasm-start', kasm: control, services});
		return 'Kasm is started again';
	} catch (error) {
		throw new KasmTuiError(
			`the plugin is recovered, but Kasm, which the change that died had stopped, could not be started again (${safeText((error as Error).message)}): start it on ${kasm.where} with sudo ${kasm.dir}/bin/start`,
		);
	}
}

/**
 * Whether what recover found (and is about to record) still holds: the dead change is still
 * unfinished, and the plugin and the one the change added are as they were. Otherwise the ledger
 * would say a plugin is back as it was while another hand had changed it since the confirmation.
 */
async function changedSinceFound(context: FlowContext, {entry, from, seen}: Unfinished): Promise<ChangedSincePlan | undefined> {
	const pending = context.ledger.unfinished(from.name);
	if (pending?.attempt !== entry.attempt && !(pending && bringsBackTheSame(pending, entry))) {
		return new ChangedSincePlan(from.name, [`${describeUnfinished({entry})}, and is settled since (by another recover?)`]);
	}

	const plugins = await listPluginsWithUsage(context.engine);
	const differences = [
		...differencesBetween(from.name, seen.original, plugins.find(plugin => plugin.name === from.name)),
		...(entry.into ? differencesBetween(entry.into, seen.added, plugins.find(plugin => plugin.name === entry.into)) : []),
	];
	return differences.length > 0 ? new ChangedSincePlan(from.name, differences) : undefined;
}

function differencesBetween(name: string, before: PluginWithUsage | undefined, now: PluginWithUsage | undefined): string[] {
	if (!before || !now) {
		return before === now ? [] : [before ? `${name} is not installed any more` : `${name} was installed since`];
	}

	return [
		...(before.enabled === now.enabled ? [] : [`${name} was ${before.enabled ? 'enabled' : 'disabled'}, now ${now.enabled ? 'enabled' : 'disabled'}`]),
		...(before.reference === now.reference && sameBuild(before.diffIds, now.diffIds) ? [] : [`another build of ${name} runs now (${now.tag || now.reference})`]),
	];
}

/** The entry that settles a dead attempt, and what to say. */
async function settlementOf(context: FlowContext, entry: LedgerEntry, settlement: Settlement): Promise<{written: Omit<LedgerEntry, 'time' | 'attempt'>; recovered: Recovered}> {
	const from = entry.from!;
	const fields = settledFields(context, entry);
	switch (settlement) {
		case 'removed': {
			return {written: {...fields, action: 'remove', identity: entry.identity, outcome: 'ok'}, recovered: {said: `${from.name} was removed, as asked: the ledger says so now`}};
		}

		case 'absent': {
			// Nothing was there before the install, and nothing is now.
			return {
				written: {...fields, action: 'recover', identity: {diffIds: []}, outcome: 'restored'},
				recovered: {said: `${from.name} is not installed, as before the install that did not finish`},
			};
		}

		case 'gone': {
			// Settled (outcome ok, the reason in error), so a reinstall of a chosen version can follow.
			return {
				written: {...fields, action: 'recover', identity: {diffIds: []}, outcome: 'ok', error: `${fields.error}; the build ${from.name} had is in no registry, and it is not installed`},
				recovered: {said: `${from.name} is not installed, and the build it had is in no registry: install a version with kasm-tui install`},
			};
		}

		case 'kept': {
			const after = await inspectPlugin(context.engine, from.name);
			return {
				written: {
					...fields,
					action: 'recover',
					outcome: 'ok',
					reference: after.reference,
					tag: after.tag,
					identity: {diffIds: after.diffIds},
					pluginId: after.id,
					error: `${fields.error}; the build ${from.name} had is in no registry, so it keeps the one it runs now (${after.tag || after.reference})`,
				},
				recovered: {
					plugin: after,
					said: `${after.name} is ${after.enabled ? 'enabled' : 'disabled'} at ${after.tag || after.reference}, the build it runs now: the one it had is in no registry; pick a version with kasm-tui reinstall`,
				},
			};
		}

		case 'restored': {
			const after = await inspectPlugin(context.engine, from.name);
			return {written: {...fields, action: 'recover', identity: {diffIds: after.diffIds}, pluginId: after.id, outcome: 'restored'}, recovered: backAs(after)};
		}
	}
}

/** Records the dead attempt settled, and every recover of it that died too (their `started` entries bring back the same). */
async function settle(context: FlowContext, entry: LedgerEntry, settlement: Settlement): Promise<Recovered> {
	const {written, recovered} = await settlementOf(context, entry, settlement);
	const settled = new Set<string>();
	for (let next: LedgerEntry | undefined = entry; next?.attempt && !settled.has(next.attempt) && bringsBackTheSame(next, entry); next = context.ledger.unfinished(entry.from!.name)) {
		settled.add(next.attempt);
		context.ledger.append({...written, time: new Date().toISOString(), attempt: next.attempt});
	}

	return recovered;
}

function bringsBackTheSame(a: LedgerEntry, b: LedgerEntry): boolean {
	return JSON.stringify([a.from, a.into ?? null, a.identity.diffIds]) === JSON.stringify([b.from, b.into ?? null, b.identity.diffIds]);
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
