import type {FleetAction} from './fleet-keymap.js';
import type {FleetSelection} from '../hooks/use-rollout-flows.js';

/**
 * Why a key of the fleet screen cannot act on the selection now, or undefined when it can: what
 * the footer greys, what `?` lists, what a press says, before any host is asked. Read-only and
 * work under way are the screen's (screen-key.ts, the change runner), not here.
 */
export function fleetKeyReason(action: FleetAction, {host, row, plugin, view, image}: FleetSelection): string | undefined {
	if (view === 'images' && (action === 'upgrade' || action === 'rollback' || action === 'reinstall')) {
		return 'the images view: v shows the plugins again';
	}

	switch (action) {
		case 'pull': {
			if (view !== 'images') {
				return 'the plugins view: v shows the images, where p pulls one';
			}

			return image ? undefined : 'no image selected: no host has answered with one yet';
		}

		case 'upgrade':
		case 'rollback': {
			return row ? undefined : 'no plugin selected: no host has answered with one yet';
		}

		case 'reinstall': {
			if (!row) {
				return 'no plugin selected: no host has answered with one yet';
			}

			// The versions offered are one host's tags: that host must run the plugin.
			return plugin ? undefined : `${row.name} is not installed on ${host?.host.name ?? 'this host'}: pick a host that runs it, to choose from its tags`;
		}

		case 'canary': {
			return host ? undefined : 'no host selected';
		}

		default: {
			return undefined;
		}
	}
}
