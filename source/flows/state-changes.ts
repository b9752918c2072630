import {PluginInUse} from '../docker/errors.js';
import {isInUse, type PluginWithUsage} from '../docker/usage.js';
import {Refused} from '../errors.js';
import type {FlowContext} from './context.js';
import type {Plan, Step} from './plan.js';
import {commonRefusal, ReadOnlyRefusal, refusedPlan} from './planners.js';

export type StateChange = 'enable' | 'disable' | 'remove';

/**
 * Enable, disable and remove: changes that keep the build, planned like every flow so they run
 * like one (the lock, a ledger entry per attempt, an undo, interrupts). A remove disables first,
 * and a failed remove enables the plugin again: it is never left disabled because it stayed.
 */
export function planStateChange(context: FlowContext, plugin: PluginWithUsage, action: StateChange): Plan {
	const refusal = stateChangeRefusal(context, plugin, action);
	if (refusal) {
		return refusedPlan(action, plugin, refusal);
	}

	const steps: Step[] =
		action === 'enable'
			? [{kind: 'enable', name: plugin.name}]
			: action === 'disable'
				? [{kind: 'disable', name: plugin.name}]
				: [...(plugin.enabled ? [{kind: 'disable', name: plugin.name} as const] : []), {kind: 'remove', name: plugin.name}];
	const warnings =
		action === 'disable'
			? ['volumes and networks of this driver stop working until it is enabled again']
			: action === 'remove'
				? ['its history stays in the ledger']
				: [];
	return {
		action,
		plugin,
		origin: {name: plugin.name, reference: plugin.reference, tag: plugin.tag, enabled: plugin.enabled, identity: {diffIds: plugin.diffIds}},
		destination: {name: plugin.name, remote: plugin.reference, tag: plugin.tag, identity: {diffIds: plugin.diffIds}},
		steps,
		// Enabling starts it with what it was granted; the others start nothing.
		privileges: action === 'enable' ? plugin.privileges : [],
		privilegeChanges: {added: [], removed: []},
		warnings,
	};
}

function stateChangeRefusal(context: FlowContext, plugin: PluginWithUsage, action: StateChange): Refused | undefined {
	if (context.readOnly) {
		return new ReadOnlyRefusal(action, plugin.name);
	}

	if (action !== 'remove' && plugin.enabled === (action === 'enable')) {
		return new Refused(`${plugin.name} is already ${action}d: nothing to do`);
	}

	// Docker refuses to remove a plugin a volume or network uses, enabled or not.
	if (action === 'remove' && isInUse(plugin.usedBy)) {
		return new PluginInUse(plugin.name, plugin.usedBy);
	}

	return action === 'enable' ? undefined : commonRefusal(context, plugin, action);
}
