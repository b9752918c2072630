import type {PluginWithUsage} from '../docker/usage.js';
import {parseVersionTag} from '../registry/versions.js';
import type {Choice} from './dialogs.js';
import {releaseOfEntry} from './releases.js';
import type {PluginDetails} from './services.js';

export interface VersionChoicesInput {
	/** The registry's tags, newest version first. */
	tags: string[];
	/** The daemon's architecture as tags spell it (`amd64`): a tag of another is marked. */
	arch?: string;
	/** The plugin being reinstalled, with what is known of it; none for a new install. */
	plugin?: PluginWithUsage;
	details?: PluginDetails;
}

/**
 * The versions a picker offers, each with what to know before picking it: which is installed and
 * which tags hold its build, the latest patch, the build before, pre-releases, rolling tags,
 * another architecture, and the day its history last had it; then the versions of its history
 * that the registry no longer has.
 */
export function versionMarks({tags, arch, plugin, details}: VersionChoicesInput): Array<{tag: string; marks: string[]}> {
	// Newest entry first: the first date seen for a release is the last time it was installed.
	const inHistory = new Map<string, string>();
	for (const entry of details?.history ?? []) {
		const tag = releaseOfEntry(entry, details) ?? entry.tag;
		if (entry.outcome === 'ok' && tag && !inHistory.has(tag)) {
			inHistory.set(tag, entry.time.slice(0, 10));
		}
	}

	const listed = new Set(tags);
	const all = [...tags, ...[...inHistory.keys()].filter(tag => !listed.has(tag))];
	const holding = new Set(details?.installedBuild ?? []);
	return all.map(tag => {
		const version = parseVersionTag(tag);
		const installed = plugin !== undefined && tag === plugin.tag;
		const marks = [
			installed && (details?.installedBuild === undefined || holding.has(tag) ? 'installed' : 'installed from, has moved on since'),
			!installed && holding.has(tag) && 'installed build',
			tag === details?.latestPatch && 'latest patch',
			tag === details?.previousTag && 'previous',
			version?.prerelease && 'pre-release',
			version?.rolling && 'rolling',
			arch && version?.arch && version.arch !== arch && `another architecture (${version.arch})`,
			inHistory.has(tag) && `history ${inHistory.get(tag)}`,
			!listed.has(tag) && 'no longer in the registry',
		].filter((mark): mark is string => typeof mark === 'string' && mark !== '');
		return {tag, marks};
	});
}

/** The versions as a picker lists them: the tag, then its marks in a column. */
export function versionChoices(input: VersionChoicesInput): Choice[] {
	const versions = versionMarks(input);
	const width = Math.max(0, ...versions.map(({tag}) => tag.length));
	return versions.map(({tag, marks}) => ({label: marks.length > 0 ? `${tag.padEnd(width)}  ${marks.join(' · ')}` : tag, value: tag}));
}
