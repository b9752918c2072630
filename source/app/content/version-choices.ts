import type {PluginWithUsage} from '../../docker/usage.js';
import {parseVersionTag} from '../../registry/versions.js';
import type {Choice} from '../components/picker.js';
import type {LedgerEntry} from '../../ledger/entry.js';
import {sameBuild} from '../../registry/same-build.js';
import {versionOfEntry} from './releases.js';
import type {PluginDetails} from '../services/host-services.js';

export interface VersionChoicesInput {
	/** The registry's tags, newest version first. */
	tags: string[];
	/** The daemon's architecture as tags spell it (`amd64`): a tag of another is marked. */
	arch?: string;
	/** The plugin being reinstalled, with what is known of it; none for a new install. */
	plugin?: PluginWithUsage;
	details?: PluginDetails;
	/**
	 * Offer the history's builds that only a digest names (default true). A fleet's rollout leaves
	 * them out: one host's history builds are not another's, and its registry may hold none of them.
	 */
	builds?: boolean;
}

/**
 * The versions a picker offers, each with what to know before picking it: which is installed and
 * which tags hold its build, the latest patch, the build before, pre-releases, rolling tags,
 * another architecture, and the day its history last had it; then the versions of its history
 * that the registry no longer has, and the builds a moving tag named that only a digest names now.
 */
export function versionMarks({tags, arch, plugin, details, builds: withBuilds = true}: VersionChoicesInput): Array<{value: string; label: string; marks: string[]}> {
	// Newest entry first: the first date seen for a version is the last time it was installed.
	const inHistory = new Map<string, string>();
	const byDigest = new Map<string, LedgerEntry>();
	for (const entry of details?.history ?? []) {
		const version = versionOfEntry(entry, details);
		if (entry.outcome !== 'ok' || !version || inHistory.has(version) || byDigest.has(version)) {
			continue;
		}

		if (version === entry.identity.digest) {
			// The build it runs is no choice to reinstall.
			if (withBuilds && !sameBuild(entry.identity.diffIds, plugin?.diffIds ?? [])) {
				byDigest.set(version, entry);
			}
		} else {
			inHistory.set(version, entry.time.slice(0, 10));
		}
	}

	const listed = new Set(tags);
	const holding = new Set(details?.installedBuild ?? []);
	const byTag = [...tags, ...[...inHistory.keys()].filter(tag => !listed.has(tag))].map(tag => {
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
		return {value: tag, label: tag, marks};
	});
	// A build a moving tag named once, which no release tag holds: offered by its digest.
	const builds = [...byDigest].map(([digest, entry]) => ({
		value: digest,
		label: `${entry.tag} @ ${digest.slice(7, 19)}`,
		marks: [digest === details?.previousTag ? 'previous' : '', `history build ${entry.time.slice(0, 10)}`].filter(Boolean),
	}));
	return [...byTag, ...builds];
}

/** The versions as a picker lists them: the tag (or a build's digest), then its marks in a column. */
export function versionChoices(input: VersionChoicesInput): Choice[] {
	const versions = versionMarks(input);
	const width = Math.max(0, ...versions.map(({label}) => label.length));
	return versions.map(({value, label, marks}) => ({label: marks.length > 0 ? `${label.padEnd(width)}  ${marks.join(' · ')}` : label, value}));
}
