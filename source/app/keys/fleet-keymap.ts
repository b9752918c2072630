import {char, movingKeys, type Binding, type KeyTable} from './keymap.js';
import type {FleetPane} from '../state/fleet-navigation.js';

export type FleetAction =
	| 'up'
	| 'down'
	| 'left'
	| 'right'
	| 'page-up'
	| 'page-down'
	| 'next-pane'
	| 'previous-pane'
	| 'open'
	| 'filter'
	| 'help'
	| 'upgrade'
	| 'rollback'
	| 'reinstall'
	| 'auto-update'
	| 'canary'
	| 'view'
	| 'pull'
	| 'reload'
	| 'back'
	| 'quit';

const everywhere: FleetPane[] = ['hosts', 'matrix', 'detail'];
const lists: FleetPane[] = ['hosts', 'matrix'];
const onPlugin: FleetPane[] = ['matrix', 'detail'];

/**
 * The fleet screen's keys, as data (the footer, the help and the handling all come from it).
 * The same letters as the single-host screen where they mean the same: u r i a, now across hosts.
 */
export const fleetKeymap: Array<Binding<FleetPane, FleetAction>> = [
	...movingKeys(everywhere),
	{label: '←/h', description: 'previous host', action: 'left', panes: lists, matches: (input, key) => key.leftArrow || input === 'h'},
	{label: '→/l', description: 'next host', action: 'right', panes: lists, matches: (input, key) => key.rightArrow || input === 'l'},
	{label: 'enter', description: 'open the detail', action: 'open', panes: lists, matches: (_input, key) => key.return, footer: 'detail'},
	{label: '/', description: 'filter the plugins', action: 'filter', panes: lists, matches: char('/'), footer: 'filter'},
	{label: 'v', description: 'images or plugins matrix', action: 'view', panes: onPlugin, matches: char('v'), footer: 'images'},
	{label: 'p', description: 'pull the image to hosts', action: 'pull', panes: onPlugin, matches: char('p'), changes: true, footer: 'pull'},
	{label: 'u', description: 'upgrade on every host', action: 'upgrade', panes: onPlugin, matches: char('u'), changes: true, footer: 'upgrade'},
	{label: 'r', description: 'roll back on every host', action: 'rollback', panes: onPlugin, matches: char('r'), changes: true, footer: 'rollback'},
	{label: 'i', description: 'reinstall on every host', action: 'reinstall', panes: onPlugin, matches: char('i'), changes: true, footer: 'reinstall'},
	{label: 'a', description: 'auto-update every host', action: 'auto-update', panes: everywhere, matches: char('a'), changes: true, footer: 'auto-update'},
	{label: 'c', description: 'mark or unmark a canary', action: 'canary', panes: lists, matches: char('c'), footer: 'canary'},
	{label: 'ctrl-r', description: 'read every host again', action: 'reload', panes: everywhere, matches: (input, key) => key.ctrl && input === 'r'},
	{label: 'esc', description: 'back, cancel, clear filter', action: 'back', panes: everywhere, matches: (_input, key) => key.escape},
	{label: '?', description: 'help: every key', action: 'help', panes: everywhere, matches: char('?'), footer: 'help'},
	{label: 'q', description: 'quit', action: 'quit', panes: everywhere, matches: char('q'), footer: 'quit'},
];

export const fleetKeys: KeyTable<FleetPane, FleetAction> = {bindings: fleetKeymap, panes: {hosts: 'hosts pane', matrix: 'matrix', detail: 'detail'}};

/** Keys of the plugins matrix only, and of the images one only: the footer of each view leaves the other's out (help lists them all). */
const pluginsOnly = new Set<FleetAction>(['upgrade', 'rollback', 'reinstall', 'auto-update', 'canary']);

/** The footer's keys for a view: `v` names the view it switches to. */
export function fleetFooterKeys(view: 'plugins' | 'images'): KeyTable<FleetPane, FleetAction> {
	const bindings = fleetKeymap.map(binding => {
		if (binding.action === 'view') {
			return {...binding, footer: view === 'plugins' ? 'images' : 'plugins'};
		}

		const elsewhere = view === 'images' ? pluginsOnly.has(binding.action) : binding.action === 'pull';
		return elsewhere ? {...binding, footer: undefined} : binding;
	});
	return {...fleetKeys, bindings};
}
