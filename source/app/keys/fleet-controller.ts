import type {Key as InkKey} from 'ink';
import type {Line} from '../content/line.js';
import {handleScreenKey} from './screen-key.js';
import type {ModeStore} from '../state/mode.js';
import type {Store} from '../state/store.js';
import {fleetKeys} from './fleet-keymap.js';
import {fleetKeyReason} from './fleet-reasons.js';
import {fleetNavigation, type FleetNavigation, type FleetNavigationAction} from '../state/fleet-navigation.js';
import type {FleetSelection, RolloutFlows} from '../hooks/use-rollout-flows.js';

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
	handleScreenKey(input, key, {
		keys: fleetKeys,
		pane: nav.focus,
		readOnly: target.readOnly,
		changes: 'the hosts',
		disabled: action => fleetKeyReason(action, target.lists(nav).selection),
		modeKeys: {
			mode,
			filter: {text: () => target.nav.get().filter, set: text => navigate(target, {type: 'filter', text})},
			accept: () => flows.accept(),
			refuseWhileChanging: text => flows.refuseWhileChanging(text),
			say: target.say,
			dialog: target.dialog,
		},
		interrupt: () => flows.interrupt(),
		reload: target.reload,
		quit: target.quit,
		act(action) {
			switch (action) {
				case 'back': {
					navigate(target, {type: 'back'});
					return;
				}

				case 'view': {
					navigate(target, {type: 'view'});
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
					navigate(target, {type: action, counts: target.lists(nav).counts, page: target.page, detailLength: target.detailLength});
					return;
				}

				default: {
					flows.act(action, target.lists(nav).selection);
				}
			}
		},
	});
}
