import {PluginExists} from '../docker/errors.js';
import {pluginPrivileges} from '../docker/plugin-ops.js';
import type {Plugin} from '../docker/plugins.js';
import {isRolling} from '../rolling.js';
import {emptyUsage} from '../docker/usage.js';
import {BadInput, type Refused} from '../errors.js';
import {RegistryNotFound} from '../registry/errors.js';
import {familiarReference, normaliseReference, parseReference} from '../docker/reference.js';
import {safeText} from '../text.js';
import {pullAuth, type FlowContext} from './context.js';
import type {Origin, Plan, Step} from './plan.js';
import {ReadOnlyRefusal, refusedPlan} from './planners.js';

export interface InstallOptions {
	/** What to pull: `[registry/]repository[:tag]` (a digest only where the daemon takes one). */
	reference: string;
	/** The local name; default, as `docker plugin install` does, the reference. */
	alias?: string;
	/** Leave it installed but disabled (`--disable`). */
	disable?: boolean;
}

/**
 * A new plugin: pulled disabled with exactly the privileges the daemon lists for it, then
 * enabled. Each step has its undo, so a failed pull or a failed start leaves nothing installed.
 * A name already on the daemon is refused and left alone.
 */
export async function planInstall(context: FlowContext, installed: Plugin[], options: InstallOptions): Promise<Plan> {
	const reference = parseReference(options.reference);
	const remote = familiarReference(reference);
	const name = options.alias === undefined ? remote : options.alias.trim();
	if (options.alias !== undefined) {
		const alias = parseReference(name);
		if (alias.digest) {
			throw new BadInput(`the alias ${safeText(name).slice(0, 200)} has a digest: an alias is a name, e.g. kasmweb/sidecar:amd64-1.2`);
		}
	}

	const tag = reference.tag ?? '';
	const origin: Origin = {name, reference: '', tag: '', enabled: false, identity: {diffIds: []}, absent: true};
	const destination = {name, remote, tag};
	const subject = {
		name,
		reference: remote,
		tag,
		id: '',
		enabled: false,
		rolling: isRolling(name),
		description: '',
		types: [],
		privileges: [],
		socket: '',
		diffIds: [],
		usedBy: emptyUsage(),
	};
	const refused = (refusal: Refused): Plan => ({...refusedPlan('install', subject, refusal, destination), origin});
	if (context.readOnly) {
		return refused(new ReadOnlyRefusal('install', name));
	}

	const taken = installed.find(plugin => plugin.name === name || normaliseReference(plugin.name) === normaliseReference(name));
	if (taken) {
		return refused(
			new PluginExists(taken.name, {
				state: `${taken.enabled ? 'enabled' : 'disabled'} at ${taken.tag || taken.reference || 'no reference'}`,
				nextStep: 'nothing was changed; upgrade or reinstall it, or install this one under another name with --alias',
			}),
		);
	}

	// A reference that is not there is bad input, said before anything is pulled.
	if (!reference.digest) {
		try {
			await context.registry.build({registry: reference.registry, repository: reference.repository, tag: reference.tag});
		} catch (error) {
			if (error instanceof RegistryNotFound) {
				throw new BadInput(`${remote} is not in its registry: ${error.message}; see "kasm-tui tags ${familiarReference({...reference, tag: undefined})}"`);
			}

			throw error;
		}
	}

	const privileges = await pluginPrivileges(context.engine, remote, {auth: await pullAuth(context, remote)});
	const steps: Step[] = [{kind: 'install', name, remote, privileges}];
	const warnings: string[] = [];
	if (options.disable) {
		warnings.push(`${name} stays disabled: enable it with "docker plugin enable ${name}"`);
	} else {
		steps.push({kind: 'enable', name});
	}

	if (subject.rolling) {
		warnings.push(`the name ${name} is rolling: automated updates will upgrade it`);
	}

	return {
		action: 'install',
		plugin: {...subject, privileges},
		origin,
		destination,
		steps,
		privileges,
		// Nothing was granted before, so nothing is "more than the current build".
		privilegeChanges: {added: [], removed: []},
		warnings,
	};
}
