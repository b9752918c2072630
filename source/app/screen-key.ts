import type {Key as InkKey} from 'ink';
import {bindingIn, type Key, type KeyTable} from './keymap.js';
import {line} from './lines.js';
import {handleModeKey, type ModeKeyTarget} from './mode-keys.js';

/** What a key needs of any screen: its key table and pane in focus, its prompts, and what its own actions do. */
export interface ScreenKeyTarget<P extends string, A extends string> {
	keys: KeyTable<P, A>;
	pane: P;
	readOnly: boolean;
	/** What a change key would change, for the read-only refusal: `the daemon`, `the hosts`. */
	changes: string;
	/** The prompt, picker and filter keys (mode-keys.ts); whether a key starts a change is told from the table. */
	modeKeys: Omit<ModeKeyTarget, 'startsChange'>;
	/** ctrl-c: quits, or stops the change under way first. */
	interrupt(): void;
	reload(): void;
	quit(): void;
	/** Every other action: moving, opening, the screen's flows. */
	act(action: A): void;
}

/**
 * The path of a key on every screen: ctrl-c first, then the mode's keys (a prompt, a picker, a
 * filter), then the binding of the pane in focus: refused in read-only mode when it would change
 * something, else quit, help, filter and reload here, and the rest the screen's own.
 */
export function handleScreenKey<P extends string, A extends string>(input: string, key: InkKey, target: ScreenKeyTarget<P, A>): void {
	if (key.ctrl && input === 'c') {
		target.interrupt();
		return;
	}

	const {modeKeys} = target;
	const startsChange = (text: string, inkKey: InkKey) => Boolean(bindingIn(target.keys, target.pane, text, inkKey as Key)?.changes);
	if (handleModeKey(input, key, {...modeKeys, startsChange})) {
		return;
	}

	modeKeys.say(undefined);
	const binding = bindingIn(target.keys, target.pane, input, key as Key);
	if (!binding) {
		return;
	}

	if (binding.changes && target.readOnly) {
		modeKeys.say(line({text: `read-only (--read-only): "${binding.description}" would change ${target.changes}, so it is refused`, color: 'yellow'}));
		return;
	}

	switch (binding.action as string) {
		case 'quit': {
			target.quit();
			return;
		}

		case 'help':
		case 'filter': {
			modeKeys.mode.set({kind: binding.action as 'help' | 'filter'});
			return;
		}

		case 'reload': {
			target.reload();
			return;
		}

		default: {
			target.act(binding.action);
		}
	}
}
