import type {ImageWithUsage} from '../../docker/images.js';
import type {LedgerEntry} from '../../ledger/entry.js';
import type {PluginWithUsage} from '../../docker/usage.js';
import {imageDetailLines, imageName} from './image-detail.js';
import {line, type Line} from './line.js';
import type {ListRow} from '../components/list-pane.js';
import {pluginDetailLines, type DetailState} from './plugin-detail.js';
import type {ImageUpdateState} from '../hooks/use-image-updates.js';
import {imageKey} from '../hooks/use-image-updates.js';
import {wrapLine, wrapLines} from './wrap.js';

/** What the panes show, from state alone: the rows of each list and the detail of the selection. */
export function filterRows<Row>(rows: Row[], filter: string, text: (row: Row) => string): Row[] {
	const wanted = filter.trim().toLowerCase();
	return wanted === '' ? rows : rows.filter(row => text(row).toLowerCase().includes(wanted));
}

export function pluginRows(plugins: PluginWithUsage[], updates: Map<string, boolean | null>, health: Record<string, string>): ListRow[] {
	return plugins.map(item => ({
		key: item.id || item.name,
		text: item.name,
		mark: [
			updates.get(item.name) ? '↑' : '',
			item.enabled ? '' : 'disabled',
			/^(unresponsive|error)/.test(health[item.id] ?? '') ? '✗ unhealthy' : '',
			item.usedBy.networks.length + item.usedBy.volumes.length + item.usedBy.containers.length > 0 ? '● in use' : '',
		]
			.filter(Boolean)
			.join(' '),
	}));
}

export function imageRows(images: ImageWithUsage[], updates: Map<string, ImageUpdateState>): ListRow[] {
	return images.map(item => ({
		key: `${item.id}/${imageName(item)}`,
		text: imageName(item),
		mark: [updates.get(imageKey(item))?.updateAvailable ? '↑' : '', item.usedBy.containers.length > 0 ? '● in use' : ''].filter(Boolean).join(' '),
	}));
}

export interface DetailInput {
	onPlugins: boolean;
	plugin?: PluginWithUsage;
	image?: ImageWithUsage;
	details?: DetailState;
	health: Record<string, string>;
	updates: Map<string, boolean | null>;
	imageUpdates: Map<string, ImageUpdateState>;
	/** Whether the daemon has been read yet. */
	loaded: boolean;
	/** Now, for ages: given, so the same state draws the same frame whenever it is drawn. */
	now: number;
	width: number;
	/** The daemon's architecture: tags of another are marked. */
	arch?: string;
}

/** What the detail pane draws: its rows, and the history entry on each row that shows one. */
export interface Detail {
	lines: Line[];
	entries: Map<number, LedgerEntry>;
}

/**
 * The detail of the selection, wrapped to the width of its pane; a history entry stays one row
 * (cut where the pane ends), so the row at the cursor is the entry enter opens.
 */
export function detailLines(input: DetailInput): Detail {
	const {plugin, image} = input;
	if (!input.onPlugins || !plugin) {
		const lines = input.onPlugins
			? [line({text: input.loaded ? 'no plugin selected' : '', dim: true})]
			: image
				? imageDetailLines(image, input.imageUpdates.get(imageKey(image)), input.now)
				: [line({text: 'no image selected', dim: true})];
		return {lines: wrapLines(lines, input.width), entries: new Map()};
	}

	const detail = pluginDetailLines(plugin, input.details, {health: input.health[plugin.id], updateAvailable: input.updates.get(plugin.name), arch: input.arch});
	const lines: Line[] = [];
	const entries = new Map<number, LedgerEntry>();
	for (const [index, row] of detail.lines.entries()) {
		const entry = detail.entries.get(index);
		if (entry) {
			entries.set(lines.length, entry);
			lines.push(row);
		} else {
			lines.push(...wrapLine(row, input.width));
		}
	}

	return {lines, entries};
}
