import type {Pane} from '../keys/keymap.js';

type List = 'plugins' | 'images';

/** Where the operator is: which pane has focus, what is selected in each list, the filters. */
export interface Navigation {
	focus: Pane;
	/** The list whose selection the detail shows. */
	detailOf?: List;
	selected: Record<List, number>;
	filter: Record<List, string>;
	/** The detail line at the cursor while the detail has focus; the pane scrolls to keep it in view. */
	cursor: number;
}

export type NavigationAction =
	| {type: 'next-pane' | 'previous-pane' | 'open' | 'up' | 'down' | 'page-up' | 'page-down'; counts: Record<List, number>; page: number; detailLength: number}
	| {type: 'back'}
	| {type: 'filter'; pane: List; text: string};

const order: Pane[] = ['plugins', 'images', 'detail'];

const clamp = (value: number, last: number) => Math.min(Math.max(0, value), Math.max(0, last));

/** A pure reducer: keys arrive here already decoded, so every move is testable without a terminal. */
export function navigation(state: Navigation, action: NavigationAction): Navigation {
	switch (action.type) {
		case 'next-pane':
		case 'previous-pane': {
			const step = action.type === 'next-pane' ? 1 : order.length - 1;
			const focus = order[(order.indexOf(state.focus) + step) % order.length]!;
			const detailOf = focus === 'detail' ? (state.focus === 'detail' ? state.detailOf : (state.focus as List)) : state.detailOf;
			return {...state, focus, detailOf, cursor: 0};
		}

		case 'open': {
			return state.focus === 'detail' ? state : {...state, focus: 'detail', detailOf: state.focus, cursor: 0};
		}

		case 'back': {
			if (state.focus === 'detail') {
				return {...state, focus: state.detailOf ?? 'plugins', cursor: 0};
			}

			return state.filter[state.focus] === '' ? state : {...state, filter: {...state.filter, [state.focus]: ''}, selected: {...state.selected, [state.focus]: 0}};
		}

		case 'filter': {
			return {...state, filter: {...state.filter, [action.pane]: action.text}, selected: {...state.selected, [action.pane]: 0}};
		}

		default: {
			const by = action.type === 'up' ? -1 : action.type === 'down' ? 1 : action.type === 'page-up' ? -action.page : action.page;
			if (state.focus === 'detail') {
				return {...state, cursor: clamp(state.cursor + by, action.detailLength - 1)};
			}

			const list = state.focus;
			return {...state, selected: {...state.selected, [list]: clamp(state.selected[list] + by, action.counts[list] - 1)}};
		}
	}
}
