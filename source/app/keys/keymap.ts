/** Where the operator is: a list pane, or the detail of the selection. */
export type Pane = 'plugins' | 'images' | 'detail';

export type Action =
	| 'up'
	| 'down'
	| 'page-up'
	| 'page-down'
	| 'next-pane'
	| 'previous-pane'
	| 'open'
	| 'filter'
	| 'help'
	| 'upgrade'
	| 'kasm-upgrade'
	| 'rollback'
	| 'reinstall'
	| 'install'
	| 'auto-update'
	| 'logs'
	| 'set'
	| 'open-entry'
	| 'pull'
	| 'enable'
	| 'disable'
	| 'remove'
	| 'health'
	| 'reload'
	| 'back'
	| 'quit';

export interface Key {
	upArrow: boolean;
	downArrow: boolean;
	leftArrow: boolean;
	rightArrow: boolean;
	pageUp: boolean;
	pageDown: boolean;
	tab: boolean;
	shift: boolean;
	return: boolean;
	escape: boolean;
	ctrl: boolean;
}

export interface Binding<P extends string = Pane, A extends string = Action> {
	/** As shown to people. */
	label: string;
	description: string;
	action: A;
	/** Panes where it works; the detail acts on the plugin or image it shows. */
	panes: P[];
	matches: (input: string, key: Key) => boolean;
	/** Changes the daemon: refused, with the reason, in read-only mode. */
	changes?: boolean;
	/** Shown in the footer, in these words (the help screen shows every binding in full). */
	footer?: string;
}

/** One screen's keys: its bindings, and its panes as the help names them, in tab order. */
export interface KeyTable<P extends string = string, A extends string = string> {
	bindings: Array<Binding<P, A>>;
	panes: Record<P, string>;
}

const lists: Pane[] = ['plugins', 'images'];
const everywhere: Pane[] = ['plugins', 'images', 'detail'];
const pluginPanes: Pane[] = ['plugins', 'detail'];
export const char = (letter: string) => (input: string, key: Key) => input === letter && !key.ctrl;

type Moving = 'up' | 'down' | 'page-down' | 'page-up' | 'next-pane' | 'previous-pane';

/** The keys that move, the same on every screen: up and down, a page, the next and the previous pane. */
export function movingKeys<P extends string>(panes: P[]): Array<Binding<P, Moving>> {
	return [
		{label: '↑/k', description: 'move up', action: 'up', panes, matches: (input, key) => key.upArrow || input === 'k'},
		{label: '↓/j', description: 'move down', action: 'down', panes, matches: (input, key) => key.downArrow || input === 'j'},
		{label: 'pgdn', description: 'move a page down', action: 'page-down', panes, matches: (_input, key) => key.pageDown},
		{label: 'pgup', description: 'move a page up', action: 'page-up', panes, matches: (_input, key) => key.pageUp},
		{label: 'tab', description: 'next pane', action: 'next-pane', panes, matches: (_input, key) => key.tab && !key.shift, footer: 'pane'},
		{label: 'shift-tab', description: 'previous pane', action: 'previous-pane', panes, matches: (_input, key) => key.tab && key.shift},
	];
}

/**
 * The one table of keys, in the spirit of lazydocker and k9s: the footer, the help screen and
 * the input handling are all generated from it, so they can never disagree.
 */
export const keymap: Binding[] = [
	...movingKeys(everywhere),
	{label: 'enter', description: 'open the detail', action: 'open', panes: lists, matches: (_input, key) => key.return, footer: 'detail'},
	{label: 'enter', description: 'open a history entry', action: 'open-entry', panes: ['detail'], matches: (_input, key) => key.return, footer: 'open entry'},
	{label: '/', description: 'filter the list', action: 'filter', panes: lists, matches: char('/'), footer: 'filter'},
	{label: 'u', description: 'upgrade', action: 'upgrade', panes: pluginPanes, matches: char('u'), changes: true, footer: 'upgrade'},
	{
		label: 'K',
		description: 'upgrade, Kasm stopped and started',
		action: 'kasm-upgrade',
		panes: pluginPanes,
		matches: char('K'),
		changes: true,
	},
	{label: 'r', description: 'rollback', action: 'rollback', panes: pluginPanes, matches: char('r'), changes: true, footer: 'rollback'},
	{label: 'i', description: 'reinstall a version', action: 'reinstall', panes: pluginPanes, matches: char('i'), changes: true, footer: 'reinstall'},
	{label: 'I', description: 'install a plugin', action: 'install', panes: pluginPanes, matches: char('I'), changes: true, footer: 'install'},
	{label: 'a', description: 'auto-update rolling plugins', action: 'auto-update', panes: pluginPanes, matches: char('a'), changes: true, footer: 'auto-update'},
	{label: 'e', description: 'enable', action: 'enable', panes: pluginPanes, matches: char('e'), changes: true},
	{label: 'd', description: 'disable', action: 'disable', panes: pluginPanes, matches: char('d'), changes: true},
	{label: 's', description: 'change a setting', action: 'set', panes: pluginPanes, matches: char('s'), changes: true},
	{label: 'l', description: 'its lines in the daemon log', action: 'logs', panes: pluginPanes, matches: char('l'), footer: 'logs'},
	{label: 'h', description: 'health check', action: 'health', panes: pluginPanes, matches: char('h'), footer: 'health'},
	{label: 'p', description: 'pull', action: 'pull', panes: ['images'], matches: char('p'), changes: true, footer: 'pull'},
	{label: 'x', description: 'remove', action: 'remove', panes: everywhere, matches: char('x'), changes: true},
	{label: 'ctrl-r', description: 'reload from the daemon', action: 'reload', panes: everywhere, matches: (input, key) => key.ctrl && input === 'r'},
	{label: 'esc', description: 'back, cancel, clear filter', action: 'back', panes: everywhere, matches: (_input, key) => key.escape},
	{label: '?', description: 'help: every key', action: 'help', panes: everywhere, matches: char('?'), footer: 'help'},
	{label: 'q', description: 'quit', action: 'quit', panes: everywhere, matches: char('q'), footer: 'quit'},
];

/** The single-host screen's keys. */
export const screenKeys: KeyTable<Pane, Action> = {bindings: keymap, panes: {plugins: 'plugins pane', images: 'images pane', detail: 'detail'}};

export function bindingIn<P extends string, A extends string>(table: KeyTable<P, A>, pane: P, input: string, key: Key): Binding<P, A> | undefined {
	return table.bindings.find(binding => binding.panes.includes(pane) && binding.matches(input, key));
}

export function bindingFor(pane: Pane, input: string, key: Key): Binding | undefined {
	return bindingIn(screenKeys, pane, input, key);
}

/** Why a binding cannot act now, or undefined when it can: the screen's controller answers it. */
export type DisabledReason<A extends string = string> = (action: A) => string | undefined;

/** A key that cannot act now, with why: what the help lists and a press of it says. */
export interface NotNow {
	label: string;
	description: string;
	reason: string;
}

/** Why a key cannot act now (read-only included), as a screen tells it of each of its bindings. */
export type ReasonOf<P extends string = string, A extends string = string> = (binding: Binding<P, A>) => string | undefined;

/** The pane's keys that cannot act now, each with its reason. */
export function notNowIn<P extends string, A extends string>(table: KeyTable<P, A>, pane: P, reasonOf: ReasonOf<P, A>): NotNow[] {
	return table.bindings
		.filter(binding => binding.panes.includes(pane))
		.flatMap(binding => {
			const reason = reasonOf(binding);
			return reason ? [{label: binding.label, description: binding.description, reason}] : [];
		});
}

/** One item of the footer: a key and what it does; `disabled` ones are drawn dim and in ( ). */
export interface FooterItem {
	text: string;
	disabled: boolean;
}

/**
 * The footer for a pane: its keys, as many as fit, and always help and quit at the end. A key that
 * cannot act now stays in its place, dim and in parentheses (so it reads without colour too).
 */
export function footerOf<P extends string, A extends string>(table: KeyTable<P, A>, pane: P, width: number, reasonOf: ReasonOf<P, A> = () => undefined): FooterItem[] {
	const shown = table.bindings.filter(binding => binding.footer && binding.panes.includes(pane));
	const item = (binding: Binding<P, A>): FooterItem => {
		const off = reasonOf(binding) !== undefined;
		return {text: off ? `(${binding.label} ${binding.footer})` : `${binding.label} ${binding.footer}`, disabled: off};
	};

	const always = shown.filter(binding => binding.action === 'help' || binding.action === 'quit').map(binding => item(binding));
	const ending = always.map(part => part.text).join('  ');
	const items: FooterItem[] = [];
	let used = 1;
	for (const binding of shown.filter(candidate => candidate.action !== 'help' && candidate.action !== 'quit')) {
		const part = item(binding);
		if (used + [...part.text].length + 2 + [...ending].length > width) {
			break;
		}

		items.push(part);
		used += [...part.text].length + 2;
	}

	return [...items, ...always];
}

/** The footer as plain text, as a terminal without colour shows it. */
export function footerText(items: FooterItem[]): string {
	return ` ${items.map(item => item.text).join('  ')}`;
}
