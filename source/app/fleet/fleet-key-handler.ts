import type {Key as InkKey} from 'ink';
import {bindingIn, type Key} from '../keymap.js';
import {line, type Line} from '../lines.js';
import {handleModeKey} from '../mode-keys.js';
import type {ModeStore} from '../mode.js';
import type {Store} from '../store.js';
import {fleetKeys} from './fleet-keymap.js';
import {fleetNavigation, type FleetNavigation, type FleetNavigationAction} from './fleet-navigation.js';
import type {FleetSelection, RolloutFlows} from './use-rollout-flows.js';

/** What a key needs to know of the fleet screen at the moment it arrives. */
export interface FleetKeyTarget {
	mode: ModeStore;
	nav: Store<FleetNavigation>;
	flows: RolloutFlows;
	readOnly: boolean;
	/** The counts of hosts and matrix rows for a navigation (its filter), and what it selects. */
	lists: (nav: FleetNavigation) => {counts: {hosts: number; rows: number}; selection: FleetSelection};
	detailLength: number;
	page: number;
	dialog: {limit: number; page: number};
	say: (message: Line | undefined) => void;
	reload: () => void;
	quit: () => void;
}

const navigate = (target: FleetKeyTarget, action: FleetNavigationAction) => target.nav.set(fleetNavigation(target.nav.get(), action));

/** The fleet screen's key machine: prompts and pickers as on every screen, then the fleet keymap. */
export function handleFleetKey(input: string, key: InkKey, target: FleetKeyTarget): void {
	const {mode, flows} = target;
	const nav = target.nav.get();
	if (key.ctrl && input === 'c') {
		flows.interrupt();
		return;
	}

	const inMode = handleModeKey(input, key, {
		mode,
		filter: {text: () => target.nav.get().filter, set: text => navigate(target, {type: 'filter', text})},
		accept: () => flows.accept(),
		startsChange: (text, inkKey) => Boolean(bindingIn(fleetKeys, nav.focus, text, inkKey as Key)?.changes),
		refuseWhileChanging: text => flows.refuseWhileChanging(text),
		say: target.say,
		dialog: target.dialog,
	});
	if (inMode) {
		return;
	}

	target.say(undefined);
	const binding = bindingIn(fleetKeys, nav.focus, input, key as Key);
	if (!binding) {
		return;
	}

	if (binding.changes && target.readOnly) {
		target.say(line({text: `read-only (--read-only): "${binding.description}" would change the hosts, so it is refused`, color: 'yellow'}));
		return;
	}

	switch (binding.action) {
		case 'quit': {
			target.quit();
			return;
		}

		case 'help':
		case 'filter': {
			mode.set({kind: binding.action});
			return;
		}

		case 'reload': {
			target.reload();
			return;
		}

		case 'back': {
			navigate(target, {type: 'back'});
			return;
		}

		case 'up':
		case 'down':
		case 'left':
		case 'right':
		case 'page-up':
		case 'page-down':
		case 'next-pane':
		case 'previous-pane':
		case 'open': {
			navigate(target, {type: binding.action, counts: target.lists(nav).counts, page: target.page, detailLength: target.detailLength});
			return;
		}

		default: {
			flows.act(binding.action, target.lists(nav).selection);
		}
	}
}
