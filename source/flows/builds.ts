import {generationOf} from '../docker/generation.js';
import type {Plugin} from '../docker/plugins.js';
import type {ContentIdentity, LedgerEntry} from '../ledger/entry.js';
import {RegistryNotFound} from '../registry/errors.js';
import {candidateTags, sameBuild, tagsHoldingBuild} from '../registry/identity.js';
import {parseReference} from '../docker/reference.js';
import {parseVersionTag, sortTagsNewestFirst} from '../registry/versions.js';
import {isRolling, rollingIdentifier} from '../rolling.js';
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
	/** No release tag names the build any more: it is installed by its digest. */
	byDigest: boolean;
}

/** Where a build can be installed from, or why it cannot: the rest of a sentence that names the build. */
export type BuildSearch = {location: BuildLocation} | {unavailable: string};

/**
 * Where the registry still holds a build, by content: its own tag if that tag still holds it,
 * else another immutable tag with the same diff_ids (a rolling tag moves; its releases do not),
 * else its digest, if the registry still has it and the daemon does not crash on digests
 * (moby/moby#47299).
 */
export async function locateBuild(
	context: Pick<FlowContext, 'registry' | 'engineVersion'>,
	reference: string,
	identity: ContentIdentity,
	hintTag: string,
): Promise<BuildSearch> {
	const {registry, repository} = parseReference(reference);
	const repo = {registry, repository};
	const byTag = (tag: string): BuildSearch => ({location: {remote: `${registry}/${repository}:${tag}`, tag, byDigest: false}});
	if (identity.diffIds.length === 0) {
		return isImmutableTag(hintTag) ? byTag(hintTag) : {unavailable: 'was recorded without its content, and no release tag names it'};
	}

	if (isImmutableTag(hintTag)) {
		const build = await context.registry.build({...repo, tag: hintTag}).catch(() => undefined);
		if (build && sameBuild(build.diffIds, identity.diffIds)) {
			return byTag(hintTag);
		}
	}

	const tags = await context.registry.listTags(repo);
	const holding = await tagsHoldingBuild(context.registry, repo, identity.diffIds, {tags: candidateTags(tags, hintTag)});
	const immutable = sortTagsNewestFirst(holding.filter(tag => isImmutableTag(tag)));
	if (immutable[0]) {
		return byTag(immutable[0]);
	}

	return locateByDigest(context, repo, identity);
}

/** The last resort: the digest the ledger proved, if the registry still has it and the daemon can take it. */
async function locateByDigest(context: Pick<FlowContext, 'registry' | 'engineVersion'>, repo: {registry: string; repository: string}, identity: ContentIdentity): Promise<BuildSearch> {
	const {digest} = identity;
	if (!digest) {
		return {unavailable: 'is no longer in its registry under any release tag, and its digest was never learned'};
	}

	try {
		const build = await context.registry.build({...repo, digest});
		if (!sameBuild(build.diffIds, identity.diffIds)) {
			return {unavailable: `is named by no release tag any more, and its recorded digest ${digest} holds another build in the registry`};
		}
	} catch (error) {
		if (error instanceof RegistryNotFound) {
			return {unavailable: `is named by no release tag any more, and its registry no longer has its digest ${digest} (deleted or garbage-collected)`};
		}

		throw error;
	}

	const {version} = context.engineVersion;
	const generation = generationOf(version);
	if (!generation.digestReferences) {
		return {
			unavailable: `is named by no release tag any more and can only be installed by its digest, which Docker ${version} cannot take without crashing (moby/moby#47299); Docker ${generation.digestCapableReleases} can`,
		};
	}

	return {location: {remote: `${repo.registry}/${repo.repository}@${digest}`, tag: '', byDigest: true}};
}

/** The manifest digest the history knows for a build (pulled, or proven when observed), by content. */
export function knownDigest(history: LedgerEntry[], diffIds: readonly string[]): string | undefined {
	return history.filter(entry => entry.outcome === 'ok' && entry.identity.digest && sameBuild(entry.identity.diffIds, diffIds)).at(-1)?.identity.digest;
}

/** An immutable reference to the build a plugin runs now: what undoes an upgrade. */
export async function currentBuildLocation(context: FlowContext, plugin: Plugin): Promise<BuildLocation | undefined> {
	const history = context.ledger.read(plugin.name).entries;
	const search = await locateBuild(context, plugin.reference, {diffIds: plugin.diffIds, digest: knownDigest(history, plugin.diffIds)}, plugin.tag);
	return 'location' in search ? search.location : undefined;
}

/**
 * A readable tag for a build installed by digest, for its pinned name: the tag it was known by,
 * without the rolling identifier, and the digest's first 12 hex digits
 * (`amd64-1.2-rolling`, `sha256:32a4…` → `amd64-1.2-pinned-32a419104831`).
 */
export function digestPinTag(knownTag: string, digest: string): string {
	const line = knownTag.replace(rollingIdentifier, '').slice(0, 80);
	const short = digest.replace(/^sha256:/, '').slice(0, 12);
	return line ? `${line}-pinned-${short}` : `pinned-${short}`;
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
