import {KasmTuiError} from '../errors.js';
import type {RegistryClient} from '../registry/client.js';
import {RegistryNotFound} from '../registry/errors.js';
import {mapLimited} from '../limit.js';
import {defaultPlatform, describePlatform, pickPlatform, type Platform} from '../registry/manifest.js';
import {parseReference, type Reference} from '../docker/reference.js';
import {safeText} from '../text.js';
import {repoDigestsFromRegistry} from '../docker/generation.js';
import type {Image} from '../docker/images.js';

/**
 * "Is there a newer build behind this tag?" The registry's digest for the tag (a HEAD) against the
 * digests the daemon recorded when it pulled or pushed the image (RepoDigests). When the answer
 * cannot be known, it says why instead of guessing.
 */
export type ImageUpdate =
	| {updateAvailable: boolean; registryDigest: string}
	| {updateAvailable: null; updateError: string};

export interface ImageUpdateCheckerOptions {
	/** With the daemon's insecure registries, so loopback and HTTP-only registries are read as the daemon reads them. */
	registry: Pick<RegistryClient, 'manifestDigest' | 'manifest'>;
	/** How long a tag's digest is reused; default 300 s. 0: ask every time. */
	ttlSeconds?: number;
	/** Registry checks at once; default 4. */
	concurrency?: number;
	/** The build of a multi-platform tag that this host runs; default linux and this machine's architecture. */
	platform?: Platform;
	now?: () => number;
}

export interface CheckAllOptions {
	/** Checks not finished by then say so; default: wait for all of them. */
	timeoutMs?: number;
	/** Each answer as it comes, for a screen that shows "checking…" until then. */
	onUpdate?: (image: Image, update: ImageUpdate) => void;
}

/** What a row is checked as, or why it cannot be checked. */
type Subject = {reference: Reference; localDigests: Set<string>; fromRegistry: boolean} | {reason: string};

const notFromRegistry = (registry: string) =>
	`not from a registry: ${registry} has no build with its digest (built, imported or loaded here, never pulled or pushed)`;

/** One checker per screen or command: it caches tag digests for `ttlSeconds`, and never throws. */
export class ImageUpdateChecker {
	private readonly registry: ImageUpdateCheckerOptions['registry'];
	private readonly ttlMs: number;
	private readonly concurrency: number;
	private readonly platform: Platform;
	private readonly now: () => number;
	private readonly tagDigests = new Map<string, {expires: number; digest: Promise<string>}>();
	/** Index digest → this platform's build; content-addressed, so it never goes stale. */
	private readonly platformDigests = new Map<string, Promise<string | undefined>>();
	/** Repository@digest → the registry has that build (content-addressed: it stays so). */
	private readonly heldDigests = new Map<string, Promise<boolean>>();

	constructor(options: ImageUpdateCheckerOptions) {
		this.registry = options.registry;
		this.ttlMs = Math.max(0, options.ttlSeconds ?? 300) * 1000;
		this.concurrency = Math.max(1, options.concurrency ?? 4);
		this.platform = options.platform ?? defaultPlatform();
		this.now = options.now ?? Date.now;
	}

	async check(image: Image): Promise<ImageUpdate> {
		const subject = checkSubject(image);
		if ('reason' in subject) {
			return {updateAvailable: null, updateError: subject.reason};
		}

		const {reference, localDigests, fromRegistry} = subject;
		try {
			let digest: string;
			try {
				digest = await this.tagDigest(reference);
			} catch (error) {
				// No such tag there, and the image is only named by the containerd store: it may never have been there at all.
				if (!fromRegistry && error instanceof RegistryNotFound && !(await this.registryHasAny(reference, localDigests))) {
					return {updateAvailable: null, updateError: notFromRegistry(reference.registry)};
				}

				throw error;
			}

			if (localDigests.has(digest)) {
				return {updateAvailable: false, registryDigest: digest};
			}

			// A tag that became a multi-platform index still holds our build if its child for this platform is it.
			const child = await this.platformDigest(reference, digest);
			if (child && localDigests.has(child)) {
				return {updateAvailable: false, registryDigest: digest};
			}

			if (!fromRegistry && !(await this.registryHasAny(reference, localDigests))) {
				return {updateAvailable: null, updateError: notFromRegistry(reference.registry)};
			}

			return {updateAvailable: true, registryDigest: digest};
		} catch (error) {
			return {updateAvailable: null, updateError: oneLine(error)};
		}
	}

	/** Whether the tag's repository has any of these builds (a HEAD each): content-addressed, so never stale. */
	private async registryHasAny(reference: Reference, digests: Set<string>): Promise<boolean> {
		for (const digest of digests) {
			const key = `${reference.registry}/${reference.repository}@${digest}`;
			let known = this.heldDigests.get(key);
			if (!known) {
				known = this.registry.manifestDigest({registry: reference.registry, repository: reference.repository, digest}).then(
					() => true,
					(error: unknown) => {
						if (error instanceof RegistryNotFound) {
							return false;
						}

						throw error;
					},
				);
				this.heldDigests.set(key, known);
				// Only a build that is there stays known: one pushed later must be found then.
				known.then(
					held => held || this.heldDigests.delete(key),
					() => this.heldDigests.delete(key),
				);
			}

			if (await known) {
				return true;
			}
		}

		return false;
	}

	/** Every image, `concurrency` at a time, answers in the order of `images`. */
	async checkAll(images: readonly Image[], options: CheckAllOptions = {}): Promise<ImageUpdate[]> {
		const answers = new Array<ImageUpdate | undefined>(images.length);
		let late = false;
		const all = mapLimited(
			images.map((_, index) => index),
			this.concurrency,
			async index => {
				if (late) {
					return;
				}

				const image = images[index]!;
				const update = await this.check(image);
				if (!late) {
					answers[index] = update;
					options.onUpdate?.(image, update);
				}
			},
		);
		if (options.timeoutMs === undefined) {
			await all;
		} else {
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([all, new Promise(resolve => (timer = setTimeout(resolve, options.timeoutMs)))]);
			clearTimeout(timer);
			late = true;
		}

		const waited = (options.timeoutMs ?? 0) < 1000 ? `${options.timeoutMs} ms` : `${Math.round((options.timeoutMs ?? 0) / 1000)} s`;
		return Array.from(
			images,
			(_, index) => answers[index] ?? {updateAvailable: null, updateError: `not checked within ${waited}: its registry, or those checked before it, answered too slowly`},
		);
	}

	/** Drops cached tag digests, e.g. when the operator asks to check again now. */
	forget(): void {
		this.tagDigests.clear();
	}

	private async tagDigest(reference: Reference): Promise<string> {
		const key = `${reference.registry}/${reference.repository}:${reference.tag}`;
		const now = this.now();
		const cached = this.tagDigests.get(key);
		if (cached && cached.expires > now) {
			return cached.digest;
		}

		const digest = this.registry.manifestDigest(reference);
		const entry = {expires: now + this.ttlMs, digest};
		this.tagDigests.set(key, entry);
		// A failure is not an answer worth keeping: the next check asks again.
		digest.catch(() => {
			if (this.tagDigests.get(key) === entry) {
				this.tagDigests.delete(key);
			}
		});
		return digest;
	}

	private async platformDigest(reference: Reference, digest: string): Promise<string | undefined> {
		const key = `${reference.registry}/${reference.repository}@${digest}|${describePlatform(this.platform)}`;
		let pending = this.platformDigests.get(key);
		if (!pending) {
			pending = this.registry
				.manifest({registry: reference.registry, repository: reference.repository, digest})
				.then(({manifest}) => (manifest.kind === 'index' ? pickPlatform(manifest, this.platform)?.digest : undefined));
			this.platformDigests.set(key, pending);
			pending.catch(() => this.platformDigests.delete(key));
		}

		return pending;
	}
}

/** The registry reference of a row and the digests the daemon has for that repository, or why there are none. */
function checkSubject(image: Image): Subject {
	if (image.dangling || image.tag === '<none>') {
		return {reason: 'dangling: it has no tag to look up in a registry'};
	}

	let reference: Reference;
	try {
		reference = parseReference(`${image.repository}:${image.tag}`);
	} catch {
		return {reason: 'its name is not a registry reference'};
	}

	const localDigests = new Set<string>();
	for (const repoDigest of image.repoDigests) {
		const at = repoDigest.lastIndexOf('@');
		if (at <= 0) {
			continue;
		}

		try {
			const named = parseReference(repoDigest.slice(0, at));
			if (named.registry === reference.registry && named.repository === reference.repository) {
				localDigests.add(repoDigest.slice(at + 1));
			}
		} catch {}
	}

	if (localDigests.size === 0) {
		return {reason: `not from a registry: the daemon has no digest of it from ${reference.registry} (built, imported or loaded here, never pulled or pushed)`};
	}

	return {reference, localDigests, fromRegistry: repoDigestsFromRegistry(image)};
}

/** Registry errors are already one line without secrets; anything else is made so. */
function oneLine(error: unknown): string {
	const message = error instanceof KasmTuiError ? error.message : safeText((error as Error)?.message ?? error);
	return message.slice(0, 300);
}
