import {PluginInUse} from '../docker/errors.js';
import {pluginPrivileges} from '../docker/plugin-ops.js';
import {isInUse, type PluginWithUsage} from '../docker/usage.js';
import {BadInput, Refused} from '../errors.js';
import {RegistryNotFound} from '../registry/errors.js';
import {formatReference, normaliseReference, parseReference} from '../registry/reference.js';
import {isRolling} from '../rolling.js';
import {safeText} from '../text.js';
import {currentBuildLocation, locateBuild, previousBuild, type BuildLocation} from './builds.js';
import {pullAuth, type FlowContext} from './context.js';
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

	if (isInUse(plugin.usedBy) && plugin.enabled) {
		return new PluginInUse(plugin.name, plugin.usedBy);
	}

	return undefined;
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

	const location = await locateBuild(context, previous.reference || plugin.reference, previous.identity, previous.tag);
	if (!location) {
		return refusedPlan(
			'rollback',
			plugin,
			new NoPreviousBuild(
				plugin.name,
				`the previous build of ${plugin.name} (from ${previous.tag || previous.reference}, ${previous.time.slice(0, 10)}) is no longer in its registry under any release tag`,
			),
		);
	}

	const warnings: string[] = [];
	const origin = await originOf(context, plugin, warnings);
	const destination: Destination = {
		name: pinnedName(plugin.name, location.tag || `pinned-${location.remote.split('@sha256:')[1]?.slice(0, 12) ?? 'build'}`),
		remote: location.remote,
		tag: location.tag,
		identity: previous.identity,
	};
	if (location.tag !== previous.tag) {
		warnings.push(`${previous.tag || 'the previous tag'} has moved since; the same build is ${location.tag || location.remote} now`);
	}

	warnings.push(`pinned: the plugin will be named ${destination.name}, so automated updates skip it`);
	return {action: 'rollback', plugin, origin, destination, ...(await stepsTo(context, plugin, origin, destination, warnings)), warnings};
}

export interface ReinstallOptions {
	version: string;
	alias?: string;
}

/** Install a chosen tag of the plugin's repository, under the alias given or, as Kasm's script does, the registry reference. */
export async function planReinstall(context: FlowContext, plugin: PluginWithUsage, options: ReinstallOptions): Promise<Plan> {
	if (!tagPattern.test(options.version)) {
		throw new BadInput(`"${safeText(options.version).slice(0, 130)}" is not a tag: a tag holds letters, digits, _ . - (at most 128)`);
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
