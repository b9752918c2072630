import type {Key as InkKey} from 'ink';
import {bindingIn, notNowIn, type Binding, type DisabledReason, type Key, type KeyTable} from './keymap.js';
import {line} from '../content/line.js';
import {handleModeKey, type ModeKeyTarget} from './mode-keys.js';

/** What a key needs of any screen: its key table and pane in focus, its prompts, and what its own actions do. */
export interface ScreenKeyTarget<P extends string, A extends string> {
	keys: KeyTable<P, A>;
	pane: P;
	readOnly: boolean;
	/** What a change key would change, for the read-only refusal: `the daemon`, `the hosts`. */
	changes: string;
	/** The pane's controller: why a key cannot act now (its selection, work under way), or undefined. */
	disabled: DisabledReason<A>;
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

	// Said before anything is asked of the daemon: the footer showed it dim, `?` lists why.
	const reason = keyReason(binding, target);
	if (reason) {
		modeKeys.say(line({text: `${binding.label} ${binding.description}: ${reason}`, color: 'yellow'}));
		return;
	}

	switch (binding.action as string) {
		case 'quit': {
			target.quit();
			return;
		}

		case 'help': {
			modeKeys.mode.set({kind: 'help', notNow: notNowIn(target.keys, target.pane, candidate => keyReason(candidate, target))});
			return;
		}

		case 'filter': {
			modeKeys.mode.set({kind: 'filter'});
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

/** Why a key of a screen cannot act now: read-only for a change, else what the pane's controller says. */
export function keyReason<P extends string, A extends string>(binding: Binding<P, A>, screen: Pick<ScreenKeyTarget<P, A>, 'readOnly' | 'changes' | 'disabled'>): string | undefined {
	if (binding.changes && screen.readOnly) {
		return `read-only (--read-only): it would change ${screen.changes}`;
	}

	return screen.disabled(binding.action);
}
