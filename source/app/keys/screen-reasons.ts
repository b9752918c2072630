import type {ImageWithUsage} from '../../docker/images.js';
import {describeUsage, isInUse, usageBesidesKasm, usedOnlyByKasm, type PluginWithUsage} from '../../docker/usage.js';
import {skipReason} from '../../flows/auto-update.js';
import {imageName} from '../content/image-detail.js';
import type {Action} from './keymap.js';
import type {Selection} from '../hooks/use-screen-flows.js';

/** What the single-host screen's keys are asked to act on, at the moment they are drawn or pressed. */
export interface ScreenKeyState {
	selection: Selection;
	/** In the detail: whether the cursor is on a history entry (enter opens it). */
	onEntry: boolean;
}

/**
 * Why a key of the single-host screen cannot act on the selection now, or undefined when it can:
 * what the footer greys, what `?` lists, what a press says, all before the daemon is asked. Only
 * what is certain from the selection: a plugin in use is the planner's to refuse (its refusal is
 * recorded, and Kasm's own services or sessions may have a way through). Read-only and work
 * under way are the screen's (screen-key.ts, the change runner), not here.
 */
export function screenKeyReason(action: Action, {selection, onEntry}: ScreenKeyState): string | undefined {
	const {plugin, image, onPlugins, snapshot} = selection;
	switch (action) {
		case 'upgrade':
		case 'kasm-upgrade':
		case 'rollback':
		case 'reinstall':
		case 'set':
		case 'enable':
		case 'disable':
		case 'logs':
		case 'health': {
			return onPlugins && plugin ? pluginReason(action, plugin) : 'no plugin selected';
		}

		case 'auto-update': {
			return snapshot && !snapshot.plugins.some(candidate => !skipReason(candidate)) ? 'no rolling plugin that nothing uses' : undefined;
		}

		case 'remove': {
			if (onPlugins) {
				return plugin ? undefined : 'no plugin selected';
			}

			return image ? imageInUse(image) : 'no image selected';
		}

		case 'pull': {
			if (!image) {
				return 'no image selected';
			}

			return image.dangling ? 'it has no tag: nothing names a build to pull' : undefined;
		}

		case 'open-entry': {
			return onEntry ? undefined : 'the cursor is not on a history entry';
		}

		default: {
			return undefined;
		}
	}
}

function pluginReason(action: Action, plugin: PluginWithUsage): string | undefined {
	switch (action) {
		case 'upgrade': {
			return plugin.reference ? undefined : 'it has no remote reference to upgrade from: reinstall a version (i)';
		}

		case 'kasm-upgrade': {
			if (!plugin.reference) {
				return 'it has no remote reference to upgrade from: reinstall a version (i)';
			}

			if (!plugin.enabled || !isInUse(plugin.usedBy)) {
				return `none of Kasm's services uses it: upgrade it with u`;
			}

			return usedOnlyByKasm(plugin.usedBy) ? undefined : `${describeUsage(usageBesidesKasm(plugin.usedBy))} use it besides Kasm: stopping Kasm would not free it`;
		}

		case 'set': {
			return (plugin.settings ?? []).some(setting => setting.settable) ? undefined : 'its config lets no setting be changed';
		}

		case 'enable': {
			return plugin.enabled ? `${plugin.name} is already enabled` : undefined;
		}

		case 'disable': {
			return plugin.enabled ? undefined : `${plugin.name} is already disabled`;
		}

		case 'health': {
			return plugin.enabled ? undefined : 'it is disabled: nothing answers on its socket';
		}

		default: {
			return undefined;
		}
	}
}

function imageInUse(image: ImageWithUsage): string | undefined {
	const {containers} = image.usedBy;
	return containers.length > 0 ? `${image.dangling ? image.id : imageName(image)} is used by ${containers.join(', ')}: remove those containers first` : undefined;
}
