import type {PluginWithUsage} from '../docker/usage.js';
import type {Choice} from './dialogs.js';
import type {Line} from './lines.js';
import {createStore, type Store} from './store.js';

/** How a change ended, as its result says it. */
export type Outcome = 'done' | 'failed' | 'refused' | 'failed, not put back';

/** What the body shows besides the panes: a prompt, a picker, work under way, a result. */
export type Mode =
	| {kind: 'browse'}
	| {kind: 'filter'}
	| {kind: 'help'}
	/** Planning: asking the daemon and the registry what a change would do. */
	| {kind: 'busy'; title: string}
	| {kind: 'confirm'; title: string; lines: Line[]; run: () => void}
	| {kind: 'pick-version'; plugin: PluginWithUsage; choices: Choice[]}
	| {kind: 'alias'; plugin: PluginWithUsage; version: string; text: string}
	/** A change under way: the one at a time. */
	| {kind: 'running'; title: string; lines: Line[]}
	| {kind: 'result'; title: string; outcome: Outcome; lines: Line[]};

/** The screen's mode: one store, changed only through its `set`, read by keys through its `get`. */
export type ModeStore = Store<Mode>;

export function createModeStore(): ModeStore {
	return createStore<Mode>({kind: 'browse'});
}

/** Planning or running a change: another may not start until it has finished. */
export function isChanging(mode: Mode): mode is Extract<Mode, {kind: 'busy' | 'running'}> {
	return mode.kind === 'busy' || mode.kind === 'running';
}
