import type {LedgerEntry} from '../../ledger/entry.js';
import {line, type Line} from './line.js';

/** One history entry whole, as the pane's one line cannot show it: every field, the error unabridged. */
export function historyEntryLines(entry: LedgerEntry, release?: string): Line[] {
	const row = (name: string, ...value: Parameters<typeof line>) => line({text: name.padEnd(11), dim: true}, ...value);
	const outcomeColor = entry.outcome === 'ok' ? 'green' : entry.outcome === 'restored' ? 'yellow' : 'red';
	const rows: Array<Line | undefined> = [
		row('time', `${entry.time.replace('T', ' ').replace(/(\.\d+)?Z$/, '')} UTC`),
		row('action', entry.action),
		row('name', entry.name, entry.previousName ? {text: `  (was ${entry.previousName})`, dim: true} : undefined),
		row('reference', entry.reference || '(none)'),
		row('tag', entry.tag || '(none)', release ? {text: `  = ${release}, the release that holds this build`, dim: true} : undefined),
		entry.identity.digest ? row('digest', entry.identity.digest) : undefined,
		entry.identity.diffIds.length > 0 ? row('layers', entry.identity.diffIds.join(' ')) : undefined,
		entry.pluginId ? row('plugin id', entry.pluginId) : undefined,
		entry.settings ? row('settings', entry.settings.join(' ')) : undefined,
		entry.kasm ? row('Kasm', `stopped before and started after, ${entry.kasm.dir} on ${entry.kasm.where}`) : undefined,
		row('outcome', {text: entry.outcome, color: outcomeColor, bold: true}),
		entry.error ? row('error', {text: entry.error, color: 'red'}) : undefined,
		row('by', `${entry.user || 'unknown'}, kasm-tui ${entry.version || '?'}`),
	];
	return rows.filter((item): item is Line => item !== undefined);
}
