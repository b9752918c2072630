import type {PluginWithUsage} from '../docker/usage.js';
import {isImmutableTag} from '../flows/builds.js';
import {sameBuild} from '../registry/same-build.js';
import type {Choice} from './dialogs.js';
import type {DetailState} from './plugin-detail.js';

/**
 * What a reinstall may pick for a plugin: the registry's tags and the history's, each marked
 * (installed, previous, latest patch), and the history's builds no tag names any more, by digest.
 * A fleet leaves the digests out (`builds: false`): one host's history is not another's.
 */
export function versionChoices(plugin: PluginWithUsage, details: DetailState | undefined, {builds: withBuilds = true}: {builds?: boolean} = {}): {choices: Choice[]} | {missing: string} {
	const known = details?.status === 'ready' ? details.details : undefined;
	const settled = (known?.history ?? []).filter(entry => entry.outcome === 'ok' && entry.tag);
	// A moving tag names today's build, not the one in the history: that one is offered by its digest.
	const fromHistory = settled.filter(entry => isImmutableTag(entry.tag) || !entry.identity.digest).map(entry => entry.tag);
	const builds = withBuilds
		? [
				...new Map(
					settled
						.filter(entry => !isImmutableTag(entry.tag) && entry.identity.digest && !sameBuild(entry.identity.diffIds, plugin.diffIds))
						.map(entry => [entry.identity.digest!, entry]),
				).values(),
			].map(entry => ({
				label: `${entry.tag} @ ${entry.identity.digest!.slice(7, 19)}  (history build, ${entry.time.slice(0, 10)})`,
				value: entry.identity.digest!,
			}))
		: [];
	const choices = [
		...[...new Set([...(known?.tags ?? []), ...fromHistory])].map(tag => ({
			label: `${tag}${tag === plugin.tag ? '  (installed)' : ''}${tag === known?.previousTag ? '  (previous)' : ''}${tag === known?.latestPatch ? '  (latest patch)' : ''}${fromHistory.includes(tag) && !(known?.tags ?? []).includes(tag) ? '  (history)' : ''}`,
			value: tag,
		})),
		...builds,
	];
	if (choices.length === 0) {
		return {missing: known ? 'no versions known for this plugin: its registry listed no tags' : 'still reading its tags: try again in a moment'};
	}

	return {choices};
}
