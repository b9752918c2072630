import type {Key as InkKey} from 'ink';
import {safeText} from '../text.js';
import {bindingFor, type Key} from './keymap.js';
import {line, type Line} from './lines.js';
import type {Mode, ModeStore} from './mode.js';
import {navigation, type Navigation, type NavigationAction} from './navigation.js';
import type {Store} from './store.js';
import type {ScreenFlows, Selection} from './use-screen-flows.js';

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
	const current = mode.get();
	const nav = target.nav.get();
	if (key.ctrl && input === 'c') {
		flows.interrupt();
		return;
	}

	switch (current.kind) {
		case 'filter': {
			const pane = nav.focus === 'images' ? 'images' : 'plugins';
			if (key.return) {
				mode.set({kind: 'browse'});
			} else if (key.escape) {
				navigate(target, {type: 'filter', pane, text: ''});
				mode.set({kind: 'browse'});
			} else if (key.backspace || key.delete) {
				navigate(target, {type: 'filter', pane, text: nav.filter[pane].slice(0, -1)});
			} else if (input && !key.ctrl && !key.meta) {
				navigate(target, {type: 'filter', pane, text: nav.filter[pane] + safeText(input)});
			}

			return;
		}

		case 'help': {
			if (key.escape || input === '?' || input === 'q') {
				mode.set({kind: 'browse'});
			}

			return;
		}

		case 'confirm': {
			if (input === 'y' || input === 'Y') {
				flows.accept();
			} else if (input === 'n' || input === 'N' || key.escape) {
				mode.set({kind: 'browse'});
				target.say(line({text: 'cancelled: nothing was changed', dim: true}));
			}

			return;
		}

		case 'pick': {
			// The picker takes its own keys (ink-select-input); esc is ours.
			if (key.escape) {
				mode.set({kind: 'browse'});
			}

			return;
		}

		case 'ask': {
			if (key.return) {
				current.then(current.text);
			} else if (key.escape) {
				mode.set({kind: 'browse'});
			} else if (key.tab && current.complete !== undefined) {
				mode.set({...current, text: current.complete});
			} else if (key.ctrl && input === 'u') {
				mode.set({...current, text: ''});
			} else if (key.backspace || key.delete) {
				mode.set({...current, text: [...current.text].slice(0, -1).join('')});
			} else if (input && !key.ctrl && !key.meta) {
				mode.set({...current, text: current.text + safeText(input)});
			}

			return;
		}

		case 'logs': {
			const last = Math.max(0, current.lines.length - target.logRows);
			const scroll = (by: number) => mode.set({...current, back: Math.min(last, Math.max(0, current.back + by))});
			if (key.escape || input === 'q' || input === 'l') {
				current.stop();
				mode.set({kind: 'browse'});
			} else if (key.upArrow || input === 'k') {
				scroll(1);
			} else if (key.downArrow || input === 'j') {
				scroll(-1);
			} else if (key.pageUp) {
				scroll(target.logRows);
			} else if (key.pageDown) {
				scroll(-target.logRows);
			} else if (key.home || input === 'g') {
				scroll(last);
			} else if (key.end || input === 'G') {
				scroll(-current.back);
			}

			return;
		}

		case 'view': {
			if (key.escape || key.return || input === 'q') {
				mode.set({kind: 'browse'});
			}

			return;
		}

		case 'busy':
		case 'running': {
			// A second `y` of "yy", or a change key: one change at a time, and the operator is told so.
			if (input === 'y' || input === 'Y' || bindingFor(nav.focus, input, key as Key)?.changes) {
				flows.refuseWhileChanging(input);
			}

			return;
		}

		case 'result': {
			if (current.next && input === current.next.key) {
				current.next.run();
			} else if (key.escape || key.return || input === 'q' || input === ' ') {
				mode.set({kind: 'browse'});
			}

			return;
		}

		case 'browse': {
			break;
		}
	}

	target.say(undefined);
	const binding = bindingFor(nav.focus, input, key as Key);
	if (!binding) {
		return;
	}

	if (binding.changes && target.readOnly) {
		target.say(line({text: `read-only (--read-only): "${binding.description}" would change the daemon, so it is refused`, color: 'yellow'}));
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
			navigate(target, {type: binding.action, counts: target.lists(nav).counts, page: target.page, detailLength: target.detailLength});
			return;
		}

		default: {
			flows.act(binding.action, target.lists(nav).selection);
		}
	}
}
