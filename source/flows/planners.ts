import {pluginPrivileges} from '../docker/plugin-ops.js';
import type {PluginWithUsage} from '../docker/usage.js';
import {inUseRefusal} from './kasm-restart.js';
import {BadInput, Refused} from '../errors.js';
import {RegistryNotFound} from '../registry/errors.js';
import {formatReference, normaliseReference, parseReference} from '../docker/reference.js';
import {isRolling} from '../rolling.js';
import {safeText} from '../text.js';
import {currentBuildLocation, digestPinTag, knownDigest, locateBuild, previousBuild, type BuildLocation} from './builds.js';
import {pullAuth, type FlowContext} from './context.js';
import type {ContentIdentity} from '../ledger/entry.js';
import {comparePrivileges, pinnedName, type Destination, type Origin, type Plan, type Step} from './plan.js';

const tagPattern = /^[\w][\w.-]{0,127}$/;

export class ReadOnlyRefusal extends Refused {
	override name = 'ReadOnlyRefusal';
	constructor(action: string, plugin: string) {
		super(`kasm-tui is read-only (--read-only): it will not ${action} ${safeText(plugin)}; run it without --read-only to change plugins`);
	}
}

/**
 * Rollback cannot tell which build to go back to, so the operator picks one. `reason` says why
 * without the commands the message adds, for the screen to offer its own picker instead.
 */
export class NoPreviousBuild extends Refused {
	override name = 'NoPreviousBuild';
	constructor(
		readonly plugin: string,
		readonly reason: string,
	) {
		super(`${reason}; nothing was changed. pick a version with "kasm-tui tags ${plugin}" and install it with "kasm-tui reinstall ${plugin} --version TAG"`);
	}
}

/** The refusals every change shares: read-only, a ledger we cannot write, a plugin in use. */
export function commonRefusal(context: FlowContext, plugin: PluginWithUsage, action: string): Refused | undefined {
	if (context.readOnly) {
		return new ReadOnlyRefusal(action, plugin.name);
	}

	return inUseRefusal(context, plugin);
}

async function originOf(context: FlowContext, plugin: PluginWithUsage, warnings: string[]): Promise<Origin> {
	let restore: BuildLocation | undefined;
	try {
		restore = await currentBuildLocation(context, plugin);
	} catch (error) {
		warnings.push(`could not look up the current build in its registry (${(error as Error).message})`);
	}

	if (!restore) {
		warnings.push(
			`no tag in the registry holds the build ${safeText(plugin.name)} runs now: if the new build fails to start, kasm-tui cannot reinstall this one`,
		);
	}

	return {
		name: plugin.name,
		reference: plugin.reference,
		tag: plugin.tag,
		enabled: plugin.enabled,
		identity: {diffIds: plugin.diffIds},
		restoreRemote: restore?.remote,
	};
}

/**
 * The steps from `origin` to `destination`. The same name is upgraded in place (disable,
 * upgrade, enable); a new name is installed beside the old one first, and the old one removed
 * last, so until the very end the plugin that was there can simply be enabled again.
 */
async function stepsTo(
	context: FlowContext,
	plugin: PluginWithUsage,
	origin: Origin,
	destination: Destination,
	warnings: string[],
): Promise<Pick<Plan, 'steps' | 'privileges' | 'privilegeChanges'>> {
	const privileges = await pluginPrivileges(context.engine, destination.remote, {auth: await pullAuth(context, destination.remote)});
	const privilegeChanges = comparePrivileges(plugin.privileges, privileges);
	if (privilegeChanges.added.length > 0) {
		warnings.push(
			`the new build asks for more than this one: ${privilegeChanges.added.map(privilege => `${privilege.name} ${privilege.value.join(', ')}`).join('; ')}`,
		);
	}

	const steps: Step[] = [];
	if (destination.name === origin.name) {
		if (plugin.enabled) {
			steps.push({kind: 'disable', name: origin.name});
		}

		steps.push({kind: 'upgrade', name: origin.name, remote: destination.remote, privileges, restoreRemote: origin.restoreRemote});
		if (plugin.enabled) {
			steps.push({kind: 'enable', name: origin.name});
		} else {
			warnings.push(`${origin.name} is disabled and stays disabled`);
		}
	} else {
		steps.push({kind: 'install', name: destination.name, remote: destination.remote, privileges});
		if (plugin.enabled) {
			steps.push({kind: 'disable', name: origin.name}, {kind: 'enable', name: destination.name});
		}

		steps.push({kind: 'remove', name: origin.name});
	}

	return {steps, privileges, privilegeChanges};
}

export function refusedPlan(action: Plan['action'], plugin: PluginWithUsage, refusal: Refused, destination?: Partial<Destination>): Plan {
	return {
		action,
		plugin,
		origin: {name: plugin.name, reference: plugin.reference, tag: plugin.tag, enabled: plugin.enabled, identity: {diffIds: plugin.diffIds}},
		destination: {name: destination?.name ?? plugin.name, remote: destination?.remote ?? plugin.reference, tag: destination?.tag ?? plugin.tag},
		steps: [],
		privileges: [],
		privilegeChanges: {added: [], removed: []},
		warnings: [],
		refusal,
	};
}

/** Force upgrade: pull the plugin's remote reference again, even if it is the same build. */
export async function planUpgrade(context: FlowContext, plugin: PluginWithUsage, action: 'upgrade' | 'auto-update' = 'upgrade'): Promise<Plan> {
	const refusal = commonRefusal(context, plugin, 'upgrade');
	if (refusal) {
		return refusedPlan(action, plugin, refusal);
	}

	if (!plugin.reference) {
		return refusedPlan(action, plugin, new Refused(`${plugin.name} has no remote reference to upgrade from: reinstall it with kasm-tui reinstall --version TAG`));
	}

	const warnings: string[] = [];
	const origin = await originOf(context, plugin, warnings);
	const followed = referenceBeforeUndo(context, plugin);
	if (followed) {
		warnings.push(
			`${plugin.name} follows ${followed.reference} again: undoing a failed ${followed.action} (${followed.time.slice(0, 16).replace('T', ' ')}) put its build back from ${plugin.reference}, which named it since`,
		);
	}

	const destination: Destination = {name: plugin.name, remote: followed?.reference ?? plugin.reference, tag: followed?.tag ?? plugin.tag};
	return {action, plugin, origin, destination, ...(await stepsTo(context, plugin, origin, destination, warnings)), warnings};
}

/**
 * Undoing an upgrade can only put the old build back from a tag that still holds it (the rolling
 * tag has moved on), and the daemon then names the plugin by that tag: a rolling plugin would
 * follow `:amd64-1.2.9` for good and every later upgrade would pull 1.2.9 again. When the
 * ledger shows that kasm-tui's undo is why the plugin has its reference (the last change to it
 * was restored, from that tag), the reference it followed before is the one to upgrade from.
 */
function referenceBeforeUndo(context: FlowContext, plugin: PluginWithUsage): {reference: string; tag: string; action: string; time: string} | undefined {
	const {entries} = context.ledger.read(plugin.name);
	// The last entry that says what happened to the plugin (a refusal or a start says nothing yet).
	const last = entries.filter(entry => entry.outcome !== 'refused' && entry.outcome !== 'started').at(-1);
	if (last?.outcome !== 'restored' || !last.attempt) {
		return undefined;
	}

	// The change that was undone (a recover settles it too, so the action is the start's, not the last entry's).
	const started = entries.find(entry => entry.attempt === last.attempt && entry.outcome === 'started');
	const from = started?.from;
	if (!from?.restoreRemote || from.name !== plugin.name || from.reference === plugin.reference || normaliseReference(from.restoreRemote) !== normaliseReference(plugin.reference)) {
		return undefined;
	}

	return {reference: from.reference, tag: from.tag, action: started!.action, time: last.time};
}

/**
 * Reinstall the most recent previous build in the ledger, found by content, and pin it: its
 * name loses the rolling identifier, so automated updates leave it alone from then on.
 */
export async function planRollback(context: FlowContext, plugin: PluginWithUsage): Promise<Plan> {
	const refusal = commonRefusal(context, plugin, 'roll back');
	if (refusal) {
		return refusedPlan('rollback', plugin, refusal);
	}

	const history = context.ledger.read(plugin.name).entries;
	const previous = previousBuild(history, plugin);
	if (!previous) {
		return refusedPlan(
			'rollback',
			plugin,
			new NoPreviousBuild(plugin.name, `the previous version of ${plugin.name} cannot be determined: its history (${history.length} entries) holds no earlier build`),
		);
	}

	const identity = {diffIds: previous.identity.diffIds, digest: previous.identity.digest ?? knownDigest(history, previous.identity.diffIds)};
	const search = await locateBuild(context, previous.reference || plugin.reference, identity, previous.tag);
	if ('unavailable' in search) {
		return refusedPlan(
			'rollback',
			plugin,
			new NoPreviousBuild(plugin.name, `the previous build of ${plugin.name} (from ${previous.tag || previous.reference}, ${previous.time.slice(0, 10)}) ${search.unavailable}`),
		);
	}

	const {location} = search;
	const warnings: string[] = [];
	const origin = await originOf(context, plugin, warnings);
	const destination: Destination = {
		name: pinnedName(plugin.name, location.byDigest ? digestPinTag(previous.tag, identity.digest!) : location.tag),
		remote: location.remote,
		tag: location.tag,
		identity,
		byDigest: location.byDigest,
	};
	if (location.byDigest) {
		warnings.push(byDigestWarning(previous.tag, location.remote));
	} else if (location.tag !== previous.tag) {
		warnings.push(`${previous.tag || 'the previous tag'} has moved since; the same build is ${location.tag} now`);
	}

	warnings.push(`pinned: the plugin will be named ${destination.name}, so automated updates skip it`);
	return {action: 'rollback', plugin, origin, destination, ...(await stepsTo(context, plugin, origin, destination, warnings)), warnings};
}

/** What every confirmation says of a build installed by digest. */
function byDigestWarning(knownTag: string, remote: string): string {
	return `by digest: no release tag names this build any more${knownTag ? ` (${knownTag} has moved on)` : ''}, so it is installed as ${remote}`;
}

export interface ReinstallOptions {
	/** A tag, or `sha256:…`: a build of the plugin's history by (a unique prefix of) its digest. */
	version: string;
	alias?: string;
}

const digestVersion = /^sha256:[a-f\d]{12,64}$/;

/** Install a chosen tag of the plugin's repository, under the alias given or, as Kasm's script does, the registry reference. */
export async function planReinstall(context: FlowContext, plugin: PluginWithUsage, options: ReinstallOptions): Promise<Plan> {
	if (digestVersion.test(options.version)) {
		return planReinstallBuild(context, plugin, options);
	}

	if (!tagPattern.test(options.version)) {
		throw new BadInput(`"${safeText(options.version).slice(0, 130)}" is not a tag: a tag holds letters, digits, _ . - (at most 128), or a build's digest is sha256:HEX`);
	}

	const {registry, repository} = parseReference(plugin.reference || plugin.name);
	const remote = formatReference({registry, repository, tag: options.version});
	const name = options.alias === undefined ? remote : options.alias.trim();
	if (options.alias !== undefined) {
		// The alias must be a name the daemon takes.
		parseReference(name);
	}

	const refusal = commonRefusal(context, plugin, 'reinstall');
	if (refusal) {
		return refusedPlan('reinstall', plugin, refusal, {name, remote, tag: options.version});
	}

	// A tag that is not there fails here, before anything is removed.
	try {
		await context.registry.build({registry, repository, tag: options.version});
	} catch (error) {
		if (error instanceof RegistryNotFound) {
			throw new BadInput(`${repository} has no tag ${options.version} in ${registry}: see "kasm-tui tags ${plugin.name}"`);
		}

		throw error;
	}

	const warnings: string[] = [];
	if (isRolling(name)) {
		warnings.push(`the name ${name} is rolling: automated updates will upgrade it`);
	}

	const origin = await originOf(context, plugin, warnings);
	const destination: Destination = {name, remote, tag: options.version};
	return {action: 'reinstall', plugin, origin, destination, ...(await stepsTo(context, plugin, origin, destination, warnings)), warnings};
}

/** The alias an operator gave, checked as a name the daemon takes. */
function checkedAlias(alias: string | undefined): string | undefined {
	if (alias === undefined) {
		return undefined;
	}

	parseReference(alias.trim());
	return alias.trim();
}

/** The build of a digest the operator named: one in the plugin's history (a prefix will do), else the registry's. */
async function buildOfDigest(context: FlowContext, plugin: PluginWithUsage, digest: string): Promise<{identity: ContentIdentity; tag: string; reference: string}> {
	const history = context.ledger.read(plugin.name).entries.filter(entry => entry.outcome === 'ok' && entry.identity.digest && entry.identity.diffIds.length > 0);
	const matches = [...new Map(history.filter(entry => entry.identity.digest!.startsWith(digest)).map(entry => [entry.identity.digest!, entry])).values()];
	if (matches.length > 1) {
		throw new BadInput(`${digest} names ${matches.length} builds in the history of ${plugin.name}: give more of the digest (see "kasm-tui history ${plugin.name}")`);
	}

	if (matches[0]) {
		return {identity: matches[0].identity, tag: matches[0].tag, reference: matches[0].reference || plugin.reference};
	}

	const {registry, repository} = parseReference(plugin.reference || plugin.name);
	if (digest.length < 'sha256:'.length + 64) {
		throw new BadInput(`no build ${digest} in the history of ${plugin.name}: see "kasm-tui history ${plugin.name}", or give the whole digest`);
	}

	try {
		const build = await context.registry.build({registry, repository, digest});
		return {identity: {diffIds: build.diffIds, digest}, tag: '', reference: `${registry}/${repository}`};
	} catch (error) {
		if (error instanceof RegistryNotFound) {
			throw new BadInput(`${repository} has no build ${digest} in ${registry}: see "kasm-tui history ${plugin.name}"`);
		}

		throw error;
	}
}

/**
 * Reinstall a build by its digest: from a release tag that still holds it if one does, else by
 * the digest itself (a daemon with the moby/moby#47299 fix only), under a readable pinned name.
 */
async function planReinstallBuild(context: FlowContext, plugin: PluginWithUsage, options: ReinstallOptions): Promise<Plan> {
	const alias = checkedAlias(options.alias);
	const refusal = commonRefusal(context, plugin, 'reinstall');
	if (refusal) {
		return refusedPlan('reinstall', plugin, refusal, {name: alias ?? plugin.name, remote: options.version, tag: ''});
	}

	const build = await buildOfDigest(context, plugin, options.version);
	const search = await locateBuild(context, build.reference, build.identity, build.tag);
	if ('unavailable' in search) {
		return refusedPlan(
			'reinstall',
			plugin,
			new Refused(`the build ${build.identity.digest} of ${plugin.name}${build.tag ? ` (once ${build.tag})` : ''} ${search.unavailable}; nothing was changed`),
		);
	}

	const {location} = search;
	const warnings: string[] = [];
	const name = alias ?? (location.byDigest ? pinnedName(plugin.name, digestPinTag(build.tag, build.identity.digest!)) : location.remote);
	if (location.byDigest) {
		warnings.push(byDigestWarning(build.tag, location.remote));
		if (alias === undefined) {
			warnings.push(`pinned: the plugin will be named ${name}, so automated updates skip it`);
		}
	}

	if (isRolling(name)) {
		warnings.push(`the name ${name} is rolling: automated updates will upgrade it`);
	}

	const origin = await originOf(context, plugin, warnings);
	const destination: Destination = {name, remote: location.remote, tag: location.tag, identity: build.identity, byDigest: location.byDigest};
	return {action: 'reinstall', plugin, origin, destination, ...(await stepsTo(context, plugin, origin, destination, warnings)), warnings};
}
