import type {PluginSetting} from '../docker/plugin-settings.js';
import type {Privilege} from '../docker/plugins.js';
import type {PluginWithUsage} from '../docker/usage.js';
import {BadInput, Refused} from '../errors.js';
import {safeText} from '../text.js';
import type {FlowContext} from './context.js';
import {comparePrivileges, shownSetting, type Plan, type Step} from './plan.js';
import {commonRefusal, refusedPlan} from './planners.js';

/** One `KEY=VALUE` an operator asked for, matched to the setting it changes. */
interface Assignment {
	setting: PluginSetting;
	value: string;
}

/** The keys that may be set, for the line that refuses the others. */
function settableKeys(plugin: PluginWithUsage): string {
	const keys = (plugin.settings ?? []).filter(setting => setting.settable).map(setting => setting.key);
	return keys.length > 0 ? `its settable ones are ${keys.join(', ')}` : `${plugin.name} has no settable settings`;
}

/**
 * Reads `KEY=VALUE` the way `docker plugin set` does: an env variable by name, a mount or device
 * as `NAME.source` / `NAME.path` (or `NAME` alone), the args by their name. A key that is no
 * setting is bad input; one the plugin does not let be set is refused; both say which may be.
 */
function readAssignments(plugin: PluginWithUsage, words: string[]): Assignment[] {
	if (words.length === 0) {
		throw new BadInput(`set needs at least one KEY=VALUE: usage: kasm-tui set <plugin> KEY=VALUE...; ${settableKeys(plugin)}`);
	}

	const settings = plugin.settings ?? [];
	const seen = new Set<string>();
	return words.map(word => {
		const equals = word.indexOf('=');
		const key = equals === -1 ? word : word.slice(0, equals);
		const shownKey = safeText(key).slice(0, 100);
		if (equals <= 0) {
			throw new BadInput(`"${safeText(word).slice(0, 100)}" is not KEY=VALUE: write e.g. DEBUG=1; ${settableKeys(plugin)}`);
		}

		const setting = settings.find(candidate => candidate.key !== '' && (candidate.key === key || candidate.key.replace(/\.(source|path)$/, '') === key));
		if (!setting) {
			throw new BadInput(`${shownKey} is not a setting of ${plugin.name}: ${settableKeys(plugin)}`);
		}

		if (!setting.settable) {
			throw new Refused(`${shownKey} of ${plugin.name} cannot be changed (its config does not let it be set): ${settableKeys(plugin)}`);
		}

		if (seen.has(setting.key)) {
			throw new BadInput(`${shownKey} is given twice: give each setting once`);
		}

		seen.add(setting.key);
		return {setting, value: word.slice(equals + 1)};
	});
}

/** What the plugin may reach on the host afterwards: a mount's or device's new source replaces its old one. */
function privilegesAfter(privileges: Privilege[], assignments: Assignment[]): Privilege[] {
	const after = privileges.map(privilege => ({...privilege, value: [...privilege.value]}));
	for (const {setting, value} of assignments) {
		const kind = setting.kind === 'mount' ? 'mount' : setting.kind === 'device' ? 'device' : undefined;
		const granted = kind ? after.find(privilege => privilege.name === kind && privilege.value[0] === setting.value) : undefined;
		if (granted) {
			granted.value = [value];
		}
	}

	return after;
}

/**
 * Changes a plugin's settings as Docker requires: disable, set, enable (a disabled plugin is only
 * set). Each step has its undo, so a plugin that does not start with its new settings is set
 * back to the old ones and enabled again.
 */
export function planSet(context: FlowContext, plugin: PluginWithUsage, words: string[]): Plan {
	const assignments = readAssignments(plugin, words);
	const settings = assignments.map(({setting, value}) => `${setting.key}=${value}`);
	const previous = assignments.map(({setting}) => `${setting.key}=${setting.value}`);
	const refusal = commonRefusal(context, plugin, 'change the settings of');
	if (refusal) {
		return refusedPlan('set', plugin, refusal);
	}

	const steps: Step[] = [];
	const warnings: string[] = [];
	if (plugin.enabled) {
		steps.push({kind: 'disable', name: plugin.name});
	} else {
		warnings.push(`${plugin.name} is disabled and stays disabled`);
	}

	steps.push({kind: 'set', name: plugin.name, settings, previous});
	if (plugin.enabled) {
		steps.push({kind: 'enable', name: plugin.name});
	}

	for (const {setting, value} of assignments) {
		if (setting.value === value) {
			warnings.push(`${shownSetting(`${setting.key}=${value}`)} is what it has already`);
		}
	}

	const privileges = privilegesAfter(plugin.privileges, assignments);
	const privilegeChanges = comparePrivileges(plugin.privileges, privileges);
	for (const privilege of privilegeChanges.added) {
		warnings.push(`afterwards it reaches ${privilege.value.join(', ')} on the host (${privilege.name}), instead of what it reached before`);
	}

	return {
		action: 'set',
		plugin,
		origin: {name: plugin.name, reference: plugin.reference, tag: plugin.tag, enabled: plugin.enabled, identity: {diffIds: plugin.diffIds}},
		destination: {name: plugin.name, remote: plugin.reference, tag: plugin.tag},
		steps,
		privileges,
		privilegeChanges,
		warnings,
	};
}
