import type {Choice} from '../components/picker.js';
import type {NotNow} from '../keys/keymap.js';
import type {Line} from '../content/line.js';
import {createStore, type Store} from './store.js';

/** How a change ended, as its result says it. */
export type Outcome = 'done' | 'failed' | 'refused' | 'failed, not put back';

/** A key a dialog offers besides going back: the next step on the screen (`i` pick a version). */
export interface NextStep {
	key: string;
	label: string;
	run: () => void;
}

/** What the body shows besides the panes: a prompt, a picker, work under way, a result. */
export type Mode =
	| {kind: 'browse'}
	| {kind: 'filter'}
	/** Every key; `notNow`: those of the pane in focus that cannot act at the moment it opened, with why. */
	| {kind: 'help'; notNow?: NotNow[]; scroll?: number}
	/** Planning: asking the daemon and the registry what a change would do; `cancel` lets go of it (esc). */
	| {kind: 'busy'; title: string; cancel?: () => void}
	/**
	 * `scroll`: the first line shown, for a prompt longer than the screen (a rollout's plan);
	 * `cancel`: what a "no" lets go of (a rollout's connections to its hosts).
	 */
	| {kind: 'confirm'; title: string; lines: Line[]; run: () => void; cancel?: () => void; scroll?: number}
	/** A choice from a short list (a version, a setting); `then` takes the one picked. */
	| {kind: 'pick'; title: string; choices: Choice[]; then: (choice: Choice) => void}
	/**
	 * A line to type (a reference, an alias, a value); `then` takes it. `complete` is what tab
	 * fills in; a `secret` is drawn as dots.
	 */
	| {kind: 'ask'; title: string; label: string; text: string; notes: Line[]; complete?: string; secret?: boolean; then: (text: string) => void}
	/**
	 * A plugin's lines in the daemon's log, followed while open; `back` is how many lines it is
	 * scrolled back from the newest (0: following what arrives); `stop` ends the reading.
	 */
	| {kind: 'logs'; title: string; source: Line; lines: Line[]; back: number; stop: () => void}
	/** Something to read whole (a history entry), then back. */
	| {kind: 'view'; title: string; lines: Line[]}
	/** A change under way: the one at a time; `hint` says what ctrl-c does to it, where a screen says more. */
	| {kind: 'running'; title: string; lines: Line[]; hint?: string}
	/**
	 * `Rollback refused: <subject>`: what was asked, how it ended, of what; `next` is the step it
	 * offers; `scroll` as a confirm's (a rollout's report of many hosts).
	 */
	| {kind: 'result'; action: string; subject?: string; outcome: Outcome; lines: Line[]; next?: NextStep; scroll?: number};

/** The screen's mode: one store, changed only through its `set`, read by keys through its `get`. */
export type ModeStore = Store<Mode>;

export function createModeStore(): ModeStore {
	return createStore<Mode>({kind: 'browse'});
}

/** Planning or running a change: another may not start until it has finished. */
export function isChanging(mode: Mode): mode is Extract<Mode, {kind: 'busy' | 'running'}> {
	return mode.kind === 'busy' || mode.kind === 'running';
}

/** A result's title, in the words an operator would say it: `Rollback refused: kasmweb/sidecar:…`. */
export function resultTitle(mode: Extract<Mode, {kind: 'result'}>): string {
	return `${mode.action} ${mode.outcome}${mode.subject ? `: ${mode.subject}` : ''}`;
}
