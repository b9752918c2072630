import type {PluginWithUsage} from '../../docker/usage.js';
import {describeUsage, isInUse} from '../../docker/usage.js';
import {settingText} from '../../docker/plugin-settings.js';
import {isSensitive, privilegeText} from '../../flows/describe.js';
import {sameBuild} from '../../registry/same-build.js';
import {line, type Line} from './line.js';
import {releaseOfEntry} from './releases.js';
import type {PluginDetails} from '../services/host-services.js';
import {shortTime} from './time.js';
import {versionMarks} from './version-choices.js';
import type {LedgerEntry} from '../../ledger/entry.js';

export type DetailState = {status: 'loading'} | {status: 'ready'; details: PluginDetails};

/** The detail's lines, and the history entry each history line shows (by line index), to open it whole. */
export interface PluginDetailLines {
	lines: Line[];
	entries: Map<number, LedgerEntry>;
}

const label = (text: string) => ({text: text.padEnd(7), dim: true});

/**
 * What one plugin is and has been: state, reference, the build it runs, what it may do, who
 * uses it, its history and the registry's tags. A pure function of state: views never call out.
 */
export function pluginDetailLines(
	plugin: PluginWithUsage,
	detail: DetailState | undefined,
	{health: healthText, updateAvailable, arch}: {health?: string; updateAvailable?: boolean | null; arch?: string} = {},
): PluginDetailLines {
	const details = detail?.status === 'ready' ? detail.details : undefined;
	const state: Line = [
		plugin.enabled ? {text: 'enabled', color: 'green'} : {text: 'disabled', color: 'yellow'},
		{text: ' · '},
		plugin.rolling ? {text: 'rolling (auto-updates)'} : {text: 'pinned'},
	];
	// Found once, in the background, for the list and the detail alike (usePluginUpdates).
	if (updateAvailable) {
		state.push({text: ' · '}, {text: '↑ update available', color: 'cyan'});
	}

	if (healthText) {
		state.push({text: ' · '}, {text: healthText});
	}

	const lines: Line[] = [line({text: plugin.name, bold: true}), line(...state), line(label('ref'), plugin.reference || '(none)')];
	const entries = new Map<number, LedgerEntry>();
	const build = details?.installedBuild?.filter(tag => tag !== plugin.tag);
	if (build && build.length > 0) {
		lines.push(line(label('build'), `= ${build.join(', ')}`));
	} else if (details?.installedBuild && details.installedBuild.length === 0) {
		lines.push(line(label('build'), {text: 'no tag in the registry holds this build', color: 'yellow'}));
	}

	lines.push(line(label('about'), plugin.description || '(no description)'));
	if (plugin.privileges.length > 0) {
		const grants: Line = [label('grants')];
		for (const [index, privilege] of plugin.privileges.entries()) {
			grants.push(
				index > 0 ? {text: ' · '} : {text: ''},
				isSensitive(privilege) ? {text: `! ${privilegeText(privilege)}`, color: 'yellow', bold: true} : {text: privilegeText(privilege)},
			);
		}

		lines.push(grants);
	}

	lines.push(line(label('used'), isInUse(plugin.usedBy) ? {text: describeUsage(plugin.usedBy, 4), color: 'magenta'} : {text: 'nothing uses it', dim: true}));
	lines.push(line(label('types'), plugin.types.join(', ') || '(none)'));
	// What `kasm-tui set` may change, and apart from it what the plugin's config keeps fixed.
	for (const [title, settable] of [['set', true], ['fixed', false]] as const) {
		const settings = (plugin.settings ?? []).filter(setting => setting.settable === settable);
		if (settings.length > 0) {
			lines.push(line(label(title), ...settings.flatMap((setting, index) => [index > 0 && ' · ', {text: settingText(setting), dim: !settable}])));
		}
	}

	lines.push([], line({text: 'History', bold: true}, {text: '  newest first', dim: true}));
	if (!details) {
		lines.push(line({text: '  reading…', dim: true}));
	} else if (details.historyError) {
		lines.push(line({text: `  ${details.historyError}`, color: 'red'}));
	} else if (details.history.length === 0) {
		lines.push(line({text: '  no history yet', dim: true}));
	} else {
		const current = details.history.find(entry => entry.outcome === 'ok' && sameBuild(entry.identity.diffIds, plugin.diffIds));
		// One line per entry, a long error cut where the pane ends: enter on it shows it whole.
		for (const entry of details.history.filter(item => item.outcome !== 'started')) {
			const outcomeColor = entry.outcome === 'ok' ? undefined : entry.outcome === 'restored' ? ('yellow' as const) : ('red' as const);
			const release = releaseOfEntry(entry, details);
			entries.set(lines.length, entry);
			lines.push(
				line(
					entry === current ? {text: '▸ ', bold: true} : {text: '  '},
					{text: `${shortTime(entry.time)} `, dim: true},
					{text: entry.action.padEnd(12)},
					{text: `${entry.tag || entry.reference} `},
					release ? {text: `(${release}) `, dim: true} : undefined,
					{text: entry.outcome, color: outcomeColor},
					entry === current ? {text: '  (current)', bold: true} : undefined,
					entry.error ? {text: `  ${entry.error}`, dim: true} : undefined,
				),
			);
		}
	}

	lines.push([], line({text: 'Tags', bold: true}, {text: '  newest first', dim: true}));
	if (!details) {
		lines.push(line({text: '  reading…', dim: true}));
	} else if (details.tagsError) {
		lines.push(line({text: `  ${details.tagsError}`, color: 'red'}));
	} else {
		// Marked as the version picker marks them: the two can never disagree. (A build only its digest names is no tag.)
		for (const {value: tag, marks} of versionMarks({tags: details.tags ?? [], arch, plugin, details}).filter(({value, label}) => value === label)) {
			lines.push(line({text: `  ${tag}`, bold: marks.length > 0}, marks.length > 0 ? {text: `  (${marks.join(', ')})`, color: 'cyan'} : undefined));
		}
	}

	return {lines, entries};
}
