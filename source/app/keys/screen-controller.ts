import type {Key as InkKey} from 'ink';
import {screenKeys} from './keymap.js';
import {screenKeyReason} from './screen-reasons.js';
import type {Line} from '../content/line.js';
import {handleScreenKey} from './screen-key.js';
import type {Mode, ModeStore} from '../state/mode.js';
import {navigation, type Navigation, type NavigationAction} from '../state/navigation.js';
import type {Store} from '../state/store.js';
import type {ScreenFlows, Selection} from '../hooks/use-screen-flows.js';

/** What a key needs to know of the screen at the moment it arrives. */
export interface KeyTarget {
	mode: ModeStore;
	nav: Store<Navigation>;
	flows: ScreenFlows;
	readOnly: boolean;
	/** The lists as they are for a navigation (its filters and selection), even one a key of this chunk made. */
	lists: (nav: Navigation) => {counts: {plugins: number; images: number}; selection: Selection};
	/** From the last render: how long the detail is, and what a page is. */
	detailLength: number;
	page: number;
	/** How far the prompt or result shown may scroll, and a page of it. */
	dialog: {limit: number; page: number};
	/** The history entry on a line of the detail, opened whole; none on other lines. */
	entryAt: (line: number) => Extract<Mode, {kind: 'view'}> | undefined;
	/** Log lines a log dialog shows at once. */
	logRows: number;
	say: (message: Line | undefined) => void;
	reload: () => void;
	quit: () => void;
}

const navigate = (target: KeyTarget, action: NavigationAction) => target.nav.set(navigation(target.nav.get(), action));

/**
 * The screen's key machine: what a key does depends on the mode, read from its store at the moment
 * the key arrives, so the second key of a chunk sees what the first one did.
 */
export function handleKey(input: string, key: InkKey, target: KeyTarget): void {
	const {mode, flows} = target;
	const nav = target.nav.get();
	const pane = nav.focus === 'images' ? 'images' : 'plugins';
	handleScreenKey(input, key, {
		keys: screenKeys,
		pane: nav.focus,
		readOnly: target.readOnly,
		changes: 'the daemon',
		disabled: action => screenKeyReason(action, {selection: target.lists(nav).selection, onEntry: Boolean(target.entryAt(nav.cursor))}),
		modeKeys: {
			mode,
			filter: {text: () => target.nav.get().filter[pane], set: text => navigate(target, {type: 'filter', pane, text})},
			accept: () => flows.accept(),
			refuseWhileChanging: text => flows.refuseWhileChanging(text),
			say: target.say,
			dialog: target.dialog,
			logRows: target.logRows,
		},
		interrupt: () => flows.interrupt(),
		reload: target.reload,
		quit: target.quit,
		act(action) {
			switch (action) {
				case 'open-entry': {
					const entry = target.entryAt(nav.cursor);
					if (entry) {
						mode.set(entry);
					}

					return;
				}

				case 'back': {
					navigate(target, {type: 'back'});
					return;
				}

				case 'next-pane':
				case 'previous-pane':
				case 'open':
				case 'up':
				case 'down':
				case 'page-up':
				case 'page-down': {
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
