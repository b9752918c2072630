import {isImmutableTag} from '../../flows/builds.js';
import type {LedgerEntry} from '../../ledger/entry.js';
import {buildKey} from '../../registry/same-build.js';
import {sortTagsNewestFirst} from '../../registry/versions.js';
import type {PluginDetails} from '../services/host-services.js';

/**
 * Which release tag names a build: a rolling tag names many over time, so the history, the
 * picker and the rollback's target are told by the release that holds each build instead.
 */
export function releasesOf(builds: Map<string, string[]>): Record<string, string> {
	const releases: Record<string, string> = {};
	for (const tag of sortTagsNewestFirst([...builds.keys()].filter(tag => isImmutableTag(tag)))) {
		releases[buildKey(builds.get(tag)!)] ??= tag;
	}

	return releases;
}

/** The release tag that names a history entry's build, where its own tag does not (`amd64-1.2-rolling` → `amd64-1.2.10`). */
export function releaseOfEntry(entry: LedgerEntry, details: PluginDetails | undefined): string | undefined {
	return isImmutableTag(entry.tag) ? undefined : details?.releaseOf?.[buildKey(entry.identity.diffIds)];
}

/**
 * What names a history entry's build for a reinstall: the release that holds it, else its own
 * tag where that names one build (or nothing better is known), else its digest: a moving tag
 * names today's build, not the one in the history.
 */
export function versionOfEntry(entry: LedgerEntry, details: PluginDetails | undefined): string {
	return releaseOfEntry(entry, details) ?? (isImmutableTag(entry.tag) || !entry.identity.digest ? entry.tag : entry.identity.digest);
}
