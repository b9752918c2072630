import {daemonSupportsDigestReferences} from '../docker/digest-support.js';
import type {Plugin} from '../docker/plugins.js';
import type {LedgerEntry} from '../ledger/entry.js';
import {candidateTags, sameBuild, tagsHoldingBuild} from '../registry/identity.js';
import {parseReference} from '../registry/reference.js';
import {parseVersionTag, sortTagsNewestFirst} from '../registry/versions.js';
import {isRolling} from '../rolling.js';
import type {FlowContext} from './context.js';

/** A tag that names one build for good: a full version (`amd64-1.2.1`), not a line (`amd64-1.2`) or a rolling tag. */
export function isImmutableTag(tag: string): boolean {
	const version = parseVersionTag(tag);
	return version !== undefined && !version.rolling && !isRolling(tag) && version.patch !== undefined;
}

export interface BuildLocation {
	/** `registry/repository:tag`, or `registry/repository@sha256:…` on a daemon that takes digests. */
	remote: string;
	/** The tag, or '' for a digest. */
	tag: string;
}

/**
 * Where the registry still holds a build, by content: its own tag if that tag still holds it,
 * else another immutable tag with the same diff_ids (a rolling tag moves; its releases do not),
 * else its digest, only on a daemon that does not crash on digests (moby/moby#47299).
 */
export async function locateBuild(
	context: Pick<FlowContext, 'registry' | 'engineVersion'>,
	reference: string,
	identity: {diffIds: string[]; digest?: string},
	hintTag: string,
): Promise<BuildLocation | undefined> {
	const {registry, repository} = parseReference(reference);
	const repo = {registry, repository};
	if (identity.diffIds.length === 0) {
		return isImmutableTag(hintTag) ? {remote: `${registry}/${repository}:${hintTag}`, tag: hintTag} : undefined;
	}

	if (isImmutableTag(hintTag)) {
		const build = await context.registry.build({...repo, tag: hintTag}).catch(() => undefined);
		if (build && sameBuild(build.diffIds, identity.diffIds)) {
			return {remote: `${registry}/${repository}:${hintTag}`, tag: hintTag};
		}
	}

	const tags = await context.registry.listTags(repo);
	const holding = await tagsHoldingBuild(context.registry, repo, identity.diffIds, {tags: candidateTags(tags, hintTag)});
	const immutable = sortTagsNewestFirst(holding.filter(tag => isImmutableTag(tag)));
	if (immutable[0]) {
		return {remote: `${registry}/${repository}:${immutable[0]}`, tag: immutable[0]};
	}

	if (identity.digest && daemonSupportsDigestReferences(context.engineVersion.version)) {
		return {remote: `${registry}/${repository}@${identity.digest}`, tag: ''};
	}

	return undefined;
}

/** An immutable reference to the build a plugin runs now: what undoes an upgrade. */
export async function currentBuildLocation(context: FlowContext, plugin: Plugin): Promise<BuildLocation | undefined> {
	const history = context.ledger.read(plugin.name).entries;
	const digest = history.filter(entry => entry.outcome === 'ok' && sameBuild(entry.identity.diffIds, plugin.diffIds)).at(-1)?.identity.digest;
	return locateBuild(context, plugin.reference, {diffIds: plugin.diffIds, digest}, plugin.tag);
}

/**
 * The build a rollback goes back to: the most recent one in the plugin's history that is not
 * the one it runs now. By content, so "upgraded A→B" targets A even when both came from one tag.
 */
export function previousBuild(history: LedgerEntry[], plugin: Plugin): LedgerEntry | undefined {
	const settled = history.filter(entry => entry.outcome === 'ok');
	for (const entry of [...settled].reverse()) {
		if (entry.identity.diffIds.length > 0) {
			if (!sameBuild(entry.identity.diffIds, plugin.diffIds)) {
				return entry;
			}
		} else if (isImmutableTag(entry.tag) && entry.tag !== plugin.tag) {
			// Written without content identity (by hand, or an old kasm-tui): an immutable tag still names one build.
			return entry;
		}
	}

	return undefined;
}
