import {mapLimited} from '../limit.js';
import type {RegistryClient, RepositoryName} from './client.js';
import {RegistryNotFound} from './errors.js';
import type {Platform} from './manifest.js';
import {sameBuild} from './same-build.js';
import {parseReference} from '../docker/reference.js';
import {parseVersionTag} from './versions.js';

export {sameBuild} from './same-build.js';

/**
 * Content identity: which tags hold the very build a plugin runs. The daemon keeps a plugin's
 * rootfs layer digests (Config.rootfs.diff_ids); the registry keeps the same list in the plugin's
 * config blob. Equal lists are the same build, whatever tag it came from and wherever that tag
 * has moved since.
 */


export interface IdentityOptions {
	/** The tags to look at; default: every tag of the repository. */
	tags?: readonly string[];
	/** Manifests read at once; default 4, gentle on a registry and on Docker Hub's limits. */
	concurrency?: number;
	platform?: Platform;
}

/**
 * The tags worth reading to find a build that came from `installedTag`: the same architecture
 * and line (`amd64-1.2-rolling` → every `amd64-1.2…`), so a repository with hundreds of tags
 * costs a few reads, which matters under Docker Hub's pull limits. A tag that is no version
 * (`latest`) could be anything, so then every tag is a candidate.
 */
export function candidateTags(tags: readonly string[], installedTag: string): string[] {
	const installed = parseVersionTag(installedTag);
	if (!installed) {
		return [...tags];
	}

	return tags.filter(tag => {
		const version = parseVersionTag(tag);
		return (
			tag === installedTag ||
			(version !== undefined &&
				version.arch === installed.arch &&
				version.major === installed.major &&
				(installed.minor === undefined || version.minor === undefined || version.minor === installed.minor))
		);
	});
}

/**
 * What each tag holds: its build's diff_ids, `concurrency` tags at a time. A tag that vanished
 * while we looked, or holds no build for the platform, is left out; every other failure (auth,
 * network, a broken registry) is the caller's to report.
 */
export async function buildsOfTags(
	client: RegistryClient,
	repository: RepositoryName,
	tags: readonly string[],
	options: Omit<IdentityOptions, 'tags'> = {},
): Promise<Map<string, string[]>> {
	const builds = new Map<string, string[]>();
	await mapLimited(tags, options.concurrency ?? 4, async tag => {
		try {
			builds.set(tag, (await client.build({...repository, tag}, {platform: options.platform})).diffIds);
		} catch (error) {
			if (!(error instanceof RegistryNotFound)) {
				throw error;
			}
		}
	});
	return builds;
}

/** The tags of `repository` whose build has exactly these diff_ids, in the order of `tags`. */
export async function tagsHoldingBuild(
	client: RegistryClient,
	repository: RepositoryName,
	diffIds: readonly string[],
	options: IdentityOptions = {},
): Promise<string[]> {
	if (diffIds.length === 0) {
		return [];
	}

	const tags = options.tags ?? (await client.listTags(repository));
	const builds = await buildsOfTags(client, repository, tags, options);
	return tags.filter(tag => sameBuild(builds.get(tag) ?? [], diffIds));
}

/**
 * The manifest digest of the build a plugin runs, proven: the registry's build behind the
 * plugin's reference has the plugin's very diff_ids. Undefined when the reference names another
 * build now (its tag has moved on) or no build: a digest is never guessed.
 */
export async function provenDigest(client: Pick<RegistryClient, 'build'>, reference: string, diffIds: readonly string[]): Promise<string | undefined> {
	if (diffIds.length === 0) {
		return undefined;
	}

	const named = parseReference(reference);
	try {
		const build = await client.build(named);
		return sameBuild(build.diffIds, diffIds) ? build.manifestDigest : undefined;
	} catch (error) {
		if (error instanceof RegistryNotFound) {
			return undefined;
		}

		throw error;
	}
}
