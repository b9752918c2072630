import type {Key as InkKey} from 'ink';
import {safeText} from '../../text.js';
import {line, type Line} from '../content/line.js';
import type {ModeStore} from '../state/mode.js';

/** What the keys of a prompt, a picker or a filter need of the screen that shows it. */
export interface ModeKeyTarget {
	mode: ModeStore;
	/** The filter being typed. */
	filter: {text: () => string; set: (text: string) => void};
	/** `y` at a confirmation. */
	accept(): void;
	/** Whether the key would start a change in the pane in focus. */
	startsChange(input: string, key: InkKey): boolean;
	refuseWhileChanging(key: string): void;
	say(message: Line | undefined): void;
	/** How far the prompt or result shown may scroll, and a page of it. */
	dialog: {limit: number; page: number};
	/** Log lines a log dialog shows at once (a screen without one: any). */
	logRows?: number;
}

/** The scroll a key asks of a long prompt: arrows and j/k a line, page keys a page. */
function scrollBy(input: string, key: InkKey, page: number): number {
	if (key.upArrow || input === 'k') {
		return -1;
	}

	if (key.downArrow || input === 'j') {
		return 1;
	}

	return key.pageUp ? -page : key.pageDown ? page : 0;
}

/**
 * Keys while the body shows something other than the panes: the same in every screen. Returns
 * false while browsing, where the screen's own keymap decides.
 */
export function handleModeKey(input: string, key: InkKey, target: ModeKeyTarget): boolean {
	const {mode} = target;
	const current = mode.get();
	switch (current.kind) {
		case 'browse': {
			return false;
		}

		case 'filter': {
			if (key.return) {
				mode.set({kind: 'browse'});
			} else if (key.escape) {
				target.filter.set('');
				mode.set({kind: 'browse'});
			} else if (key.backspace || key.delete) {
				target.filter.set(target.filter.text().slice(0, -1));
			} else if (input && !key.ctrl && !key.meta) {
				target.filter.set(target.filter.text() + safeText(input));
			}

			return true;
		}

		case 'help': {
			const by = scrollBy(input, key, target.dialog.page);
			if (by !== 0) {
				mode.set({...current, scroll: Math.min(Math.max(0, (current.scroll ?? 0) + by), target.dialog.limit)});
			} else if (key.escape || input === '?' || input === 'q') {
				mode.set({kind: 'browse'});
			}

			return true;
		}

		case 'confirm':
		case 'result': {
			const by = scrollBy(input, key, target.dialog.page);
			if (by !== 0) {
				mode.set({...current, scroll: Math.min(Math.max(0, (current.scroll ?? 0) + by), target.dialog.limit)});
			} else if (current.kind === 'confirm' && (input === 'y' || input === 'Y')) {
				target.accept();
			} else if (current.kind === 'confirm' && (input === 'n' || input === 'N' || key.escape)) {
				current.cancel?.();
				mode.set({kind: 'browse'});
				target.say(line({text: 'cancelled: nothing was changed', dim: true}));
			} else if (current.kind === 'result' && current.next && input === current.next.key) {
				current.next.run();
			} else if (current.kind === 'result' && (key.escape || key.return || input === 'q' || input === ' ')) {
				mode.set({kind: 'browse'});
			}

			return true;
		}

		case 'pick': {
			// The picker takes its own keys (ink-select-input); esc is ours.
			if (key.escape) {
				mode.set({kind: 'browse'});
			}

			return true;
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

			return true;
		}

		case 'logs': {
			const rows = target.logRows ?? 1;
			const last = Math.max(0, current.lines.length - rows);
			const scroll = (by: number) => mode.set({...current, back: Math.min(last, Math.max(0, current.back + by))});
			if (key.escape || input === 'q' || input === 'l') {
				current.stop();
				mode.set({kind: 'browse'});
			} else if (key.upArrow || input === 'k') {
				scroll(1);
			} else if (key.downArrow || input === 'j') {
				scroll(-1);
			} else if (key.pageUp) {
				scroll(rows);
			} else if (key.pageDown) {
				scroll(-rows);
			} else if (key.home || input === 'g') {
				scroll(last);
			} else if (key.end || input === 'G') {
				scroll(-current.back);
			}

			return true;
		}

		case 'view': {
			if (key.escape || key.return || input === 'q') {
				mode.set({kind: 'browse'});
			}

			return true;
		}

		case 'busy':
		case 'running': {
			// Planning changes nothing yet: esc lets go of it. Work under way is never cut short here.
			if (current.kind === 'busy' && key.escape && current.cancel) {
				current.cancel();
				return true;
			}

			// A second `y` of "yy", or a change key: one change at a time, and the operator is told so.
			if (input === 'y' || input === 'Y' || target.startsChange(input, key)) {
				target.refuseWhileChanging(input);
			}

			return true;
		}
	}
}
