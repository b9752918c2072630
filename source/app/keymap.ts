/** Where a key works. */
export type Pane = 'plugins' | 'images';

export type Action = 'up' | 'down' | 'next-pane' | 'quit';

export interface Binding {
	/** As shown to people. */
	label: string;
	/** What ink's useInput reports for it. */
	matches: (input: string, key: {upArrow: boolean; downArrow: boolean; tab: boolean; shift: boolean}) => boolean;
	description: string;
	action: Action;
	panes: Pane[];
	/** Shown in the footer; the help screen shows every binding. */
	footer: boolean;
}

const everywhere: Pane[] = ['plugins', 'images'];

/** The one table of keys: the footer and the help screen are generated from it. */
export const keymap: Binding[] = [
	{label: '↑/k', matches: (input, key) => key.upArrow || input === 'k', description: 'up', action: 'up', panes: everywhere, footer: false},
	{label: '↓/j', matches: (input, key) => key.downArrow || input === 'j', description: 'down', action: 'down', panes: everywhere, footer: false},
	{label: 'tab', matches: (_input, key) => key.tab, description: 'next pane', action: 'next-pane', panes: everywhere, footer: true},
	{label: 'q', matches: input => input === 'q', description: 'quit', action: 'quit', panes: everywhere, footer: true},
];

export function bindingFor(pane: Pane, input: string, key: Parameters<Binding['matches']>[1]): Binding | undefined {
	return keymap.find(binding => binding.panes.includes(pane) && binding.matches(input, key));
}
