/** Where the operator is on the fleet screen. The host is the matrix's column too: one selection, two views of it. */
export type FleetPane = 'hosts' | 'matrix' | 'detail';

export interface FleetNavigation {
	focus: FleetPane;
	/** The pane whose selection the detail shows. */
	detailOf: 'hosts' | 'matrix';
	/** The selected host: a row of the hosts pane, a column of the matrix. */
	host: number;
	/** The selected plugin: a row of the matrix. */
	row: number;
	/** The matrix's rows narrowed to plugin names holding this. */
	filter: string;
	/** The first detail line shown while the detail has focus. */
	scroll: number;
	/** What the matrix shows: plugins × hosts, or images × hosts (`v` switches). */
	view: 'plugins' | 'images';
}

export const fleetStartAt: FleetNavigation = {focus: 'matrix', detailOf: 'matrix', host: 0, row: 0, filter: '', scroll: 0, view: 'plugins'};

export type FleetMove = 'up' | 'down' | 'left' | 'right' | 'page-up' | 'page-down' | 'next-pane' | 'previous-pane' | 'open';

export type FleetNavigationAction =
	| {type: FleetMove; counts: {hosts: number; rows: number}; page: number; detailLength: number}
	| {type: 'back'}
	| {type: 'filter'; text: string}
	| {type: 'view'};

const order: FleetPane[] = ['hosts', 'matrix', 'detail'];

const clamp = (value: number, count: number) => Math.min(Math.max(0, value), Math.max(0, count - 1));

/** A pure reducer: every move is testable without a terminal. */
export function fleetNavigation(state: FleetNavigation, action: FleetNavigationAction): FleetNavigation {
	switch (action.type) {
		case 'next-pane':
		case 'previous-pane': {
			const step = action.type === 'next-pane' ? 1 : order.length - 1;
			const focus = order[(order.indexOf(state.focus) + step) % order.length]!;
			const detailOf = focus === 'detail' && state.focus !== 'detail' ? state.focus : state.detailOf;
			return {...state, focus, detailOf, scroll: 0};
		}

		case 'open': {
			return state.focus === 'detail' ? state : {...state, focus: 'detail', detailOf: state.focus, scroll: 0};
		}

		case 'back': {
			if (state.focus === 'detail') {
				return {...state, focus: state.detailOf, scroll: 0};
			}

			return state.filter === '' ? state : {...state, filter: '', row: 0};
		}

		case 'filter': {
			return {...state, filter: action.text, row: 0};
		}

		case 'view': {
			// The other matrix, from its top; the host stays selected.
			return {...state, view: state.view === 'plugins' ? 'images' : 'plugins', row: 0, scroll: 0, focus: state.focus === 'detail' ? state.detailOf : state.focus};
		}

		case 'left':
		case 'right': {
			return state.focus === 'detail' ? state : {...state, host: clamp(state.host + (action.type === 'left' ? -1 : 1), action.counts.hosts)};
		}

		default: {
			const by = action.type === 'up' ? -1 : action.type === 'down' ? 1 : action.type === 'page-up' ? -action.page : action.page;
			if (state.focus === 'detail') {
				return {...state, scroll: clamp(state.scroll + by, action.detailLength)};
			}

			return state.focus === 'hosts' ? {...state, host: clamp(state.host + by, action.counts.hosts)} : {...state, row: clamp(state.row + by, action.counts.rows)};
		}
	}
}
