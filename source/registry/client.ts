import {BadInput} from '../errors.js';
import {safeText} from '../text.js';
import {registryOrigin} from './address.js';
import {htmlAnswer, looksLikeHtml, parseJson, rateLimited, registryErrorText, unexpectedStatus} from './answers.js';
import {loginHint} from '../docker/reference.js';
import {RegistryAuth, type CredentialSource} from './auth.js';
import {DockerCredentials} from './credentials.js';
import {RegistryAuthFailed, RegistryBadAnswer, RegistryError, RegistryNotFound} from './errors.js';
import {
	defaultPlatform,
	describePlatform,
	digestPattern,
	manifestAccept,
	pickPlatform,
	toManifest,
	type Manifest,
	type Platform,
} from './manifest.js';
import {describeUrl, readBody, send, type SendOptions} from './transport.js';

export type {CredentialSource} from './auth.js';

/** A repository in a registry: `{registry: '127.0.0.1:5000', repository: 'kasmweb/sidecar'}`. */
export interface RepositoryName {
	registry: string;
	repository: string;
}

/** A tag or a digest in a repository. */
export interface ManifestReference extends RepositoryName {
	tag?: string;
	digest?: string;
}

/** What a tag holds, down to the layers: enough to tell two builds apart whatever their tags. */
export interface RegistryBuild {
	/** The digest the tag points at (an index's, when the tag is multi-platform). */
	digest: string;
	/** The digest of the one build's manifest (the same as `digest` unless the tag is an index). */
	manifestDigest: string;
	configDigest: string;
	configMediaType: string;
	/** `rootfs.diff_ids` of the config: for a plugin, what `docker plugin inspect` shows as Config.rootfs.diff_ids. */
	diffIds: string[];
}

export interface RegistryClientOptions {
	/** Default: the docker CLI's config (DOCKER_CONFIG, else ~/.docker). */
	credentials?: CredentialSource;
	/** Registries that speak plain HTTP besides loopback: `host:port`, `host`, or IPv4 CIDRs (the daemon's list). */
	insecureRegistries?: readonly string[];
	/** Per request, body included; default 30 s. */
	timeoutMs?: number;
	/** The largest answer read; default 10 MB. */
	maxBodyBytes?: number;
	/** Answers shared with the run's other clients (a fleet's hosts): each asked once. Default: none kept. */
	answers?: RegistryAnswers;
}

interface RequestSpec {
	method: 'GET' | 'HEAD';
	accept?: string;
	/** Completes "… when asked to": `list the tags of 127.0.0.1:5000/kasmweb/sidecar`. */
	what: string;
	notFound: (code: string | undefined) => RegistryNotFound;
}

interface Answer {
	response: Response;
	url: URL;
	body: Buffer;
}

/**
 * The registry's answers for one run (a fleet read, or a rollout's plan and run), kept by what was
 * asked (method, URL, accepted types): a repository's tags and a manifest are read once however
 * many hosts run the plugin. Not for a screen's lifetime: a tag moves, and the next run must see it.
 */
export class RegistryAnswers {
	private readonly kept = new Map<string, Promise<Answer>>();
	/** Each registry's last `ratelimit-remaining` (Docker Hub's pulls left, `100;w=21600`), as it sent it. */
	readonly rateLimitRemaining = new Map<string, string>();

	/** @internal The answer to `key`, asked once; a failure is not kept. */
	once(key: string, ask: () => Promise<Answer>): Promise<Answer> {
		let pending = this.kept.get(key);
		if (!pending) {
			pending = ask();
			this.kept.set(key, pending);
			pending.catch(() => this.kept.delete(key));
		}

		return pending;
	}
}

const tagPattern = /^[\w][\w.-]{0,127}$/;
const repositoryPattern = /^[a-z\d]+(?:(?:[._]|__|-+)[a-z\d]+)*(?:\/[a-z\d]+(?:(?:[._]|__|-+)[a-z\d]+)*)*$/;
const maxPages = 10_000;

function sha256(body: Buffer): string {
	// node:crypto is loaded here, not with this module: every command loads it (source/cli/commands.ts).
	return `sha256:${(process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(body).digest('hex')}`;
}

/** `<…/tags/list?last=x&n=10>; rel="next"` → that URL, resolved against the page it came on. */
export function nextPageLink(header: string | null, base: URL): URL | undefined {
	for (const part of (header ?? '').split(/,(?=\s*<)/)) {
		const match = /^\s*<([^>]*)>(.*)$/.exec(part);
		if (match && /;\s*rel="?next"?/i.test(match[2] ?? '')) {
			try {
				return new URL(match[1]!, base);
			} catch {
				return undefined;
			}
		}
	}

	return undefined;
}

/**
 * The registry HTTP API v2 for reading: tags, manifests, config blobs, with Basic and Bearer
 * auth from the docker CLI's credentials. One client per command: it caches tokens and builds.
 */
export class RegistryClient {
	private readonly insecureRegistries: readonly string[];
	private readonly timeoutMs: number;
	private readonly maxBodyBytes: number;
	private readonly auth: RegistryAuth;
	private readonly builds = new Map<string, Promise<RegistryBuild>>();
	private readonly answers?: RegistryAnswers;

	constructor(options: RegistryClientOptions = {}) {
		this.answers = options.answers;
		this.insecureRegistries = options.insecureRegistries ?? [];
		this.timeoutMs = options.timeoutMs ?? 30_000;
		this.maxBodyBytes = options.maxBodyBytes ?? 10_000_000;
		this.auth = new RegistryAuth(options.credentials ?? new DockerCredentials(), registry => this.sendOptions(registry));
	}

	/** Every tag of a repository, following the registry's `Link: <…>; rel="next"` pages of `pageSize`. */
	async listTags(target: RepositoryName, options: {pageSize?: number} = {}): Promise<string[]> {
		const name = this.checked(target);
		let url = new URL(`/v2/${target.repository}/tags/list`, registryOrigin(target.registry, this.insecureRegistries));
		url.searchParams.set('n', String(options.pageSize ?? 1000));
		const tags = new Set<string>();
		const visited = new Set<string>();
		for (let page = 0; page < maxPages; page++) {
			visited.add(url.href);
			const {response, url: at, body} = await this.request(target, url, {
				method: 'GET',
				what: `list the tags of ${name}`,
				notFound: code => new RegistryNotFound(`registry ${safeText(target.registry)} has no repository ${target.repository}${code ? ` (${code})` : ''}: check the name`, target.registry),
			});
			const json = parseJson(target.registry, response.status, describeUrl(at), response.headers.get('content-type'), body) as {tags?: unknown} | null;
			if (!json || typeof json !== 'object') {
				throw new RegistryBadAnswer(`registry ${safeText(target.registry)} answered a tag list of ${name} that is not a JSON object`, target.registry);
			}

			for (const tag of Array.isArray(json.tags) ? json.tags : []) {
				// A tag that breaks the grammar cannot be pulled, and may be an attempt to inject text.
				if (typeof tag === 'string' && tagPattern.test(tag)) {
					tags.add(tag);
				}
			}

			const next = nextPageLink(response.headers.get('link'), at);
			if (!next || visited.has(next.href)) {
				break;
			}

			if (next.origin !== at.origin) {
				throw new RegistryBadAnswer(`registry ${safeText(target.registry)} sent the next page of tags to another address (${safeText(describeUrl(next)).slice(0, 120)}): refusing to follow`, target.registry);
			}

			url = next;
		}

		return [...tags];
	}

	/** The digest a tag points at, from a HEAD (cheap, and not counted by Docker Hub's pull limit). */
	async manifestDigest(reference: ManifestReference): Promise<string> {
		const {name, pointer} = this.pointer(reference);
		const {response} = await this.request(reference, `/v2/${reference.repository}/manifests/${pointer}`, {
			method: 'HEAD',
			accept: manifestAccept,
			what: `read the manifest of ${name}`,
			notFound: code => this.manifestNotFound(reference, code),
		});
		const digest = response.headers.get('docker-content-digest');
		if (digest && digestPattern.test(digest)) {
			return digest;
		}

		// Some registries answer a HEAD without the digest: the body's hash is the digest.
		return (await this.manifest(reference)).digest;
	}

	/** A manifest and its digest (the SHA-256 of the bytes, checked against a digest reference). */
	async manifest(reference: ManifestReference): Promise<{digest: string; manifest: Manifest}> {
		const {name, pointer} = this.pointer(reference);
		const {response, url, body} = await this.request(reference, `/v2/${reference.repository}/manifests/${pointer}`, {
			method: 'GET',
			accept: manifestAccept,
			what: `read the manifest of ${name}`,
			notFound: code => this.manifestNotFound(reference, code),
		});
		const digest = sha256(body);
		if (reference.digest && reference.digest !== digest) {
			throw new RegistryBadAnswer(`registry ${safeText(reference.registry)} sent a manifest for ${name} whose content does not match its digest`, reference.registry);
		}

		const contentType = response.headers.get('content-type');
		const manifest = toManifest(parseJson(reference.registry, response.status, describeUrl(url), contentType, body), contentType);
		if (typeof manifest === 'string') {
			throw new RegistryBadAnswer(`registry ${safeText(reference.registry)} sent a manifest for ${name} that kasm-tui cannot read: ${manifest}`, reference.registry);
		}

		return {digest, manifest};
	}

	/**
	 * What a tag holds: manifest, then (for an index) the build for `platform`, then its config
	 * blob's diff_ids. Cached by digest, so tags that share a build cost one read.
	 */
	async build(reference: ManifestReference, options: {platform?: Platform} = {}): Promise<RegistryBuild> {
		const digest = reference.digest ?? (await this.manifestDigest(reference));
		const platform = options.platform ?? defaultPlatform();
		const key = `${reference.registry}/${reference.repository}@${digest}|${describePlatform(platform)}`;
		let pending = this.builds.get(key);
		if (!pending) {
			pending = this.readBuild({registry: reference.registry, repository: reference.repository, digest}, platform, reference);
			this.builds.set(key, pending);
			pending.catch(() => this.builds.delete(key));
		}

		return pending;
	}

	private async readBuild(byDigest: ManifestReference & {digest: string}, platform: Platform, asked: ManifestReference): Promise<RegistryBuild> {
		const name = this.pointer(asked).name;
		let {manifest} = await this.manifest(byDigest);
		let manifestDigest = byDigest.digest;
		if (manifest.kind === 'index') {
			const entry = pickPlatform(manifest, platform);
			if (!entry) {
				throw new RegistryNotFound(`${name} has no build for ${describePlatform(platform)}`, asked.registry, {userReference: false});
			}

			manifestDigest = entry.digest;
			const child = (await this.manifest({...byDigest, digest: entry.digest})).manifest;
			if (child.kind !== 'manifest') {
				throw new RegistryBadAnswer(`registry ${safeText(asked.registry)} nests an index inside the index of ${name}`, asked.registry);
			}

			manifest = child;
		}

		const config = await this.configBlob(byDigest, manifest.config.digest, name);
		const rootfs = (config as {rootfs?: {diff_ids?: unknown}} | null)?.rootfs;
		const diffIds = Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.filter((id): id is string => typeof id === 'string' && digestPattern.test(id)) : [];
		return {
			digest: byDigest.digest,
			manifestDigest,
			configDigest: manifest.config.digest,
			configMediaType: manifest.config.mediaType ?? '',
			diffIds,
		};
	}

	private async configBlob(target: RepositoryName, digest: string, name: string): Promise<unknown> {
		const {response, url, body} = await this.request(target, `/v2/${target.repository}/blobs/${digest}`, {
			method: 'GET',
			what: `read the config of ${name}`,
			notFound: () => new RegistryNotFound(`registry ${safeText(target.registry)} has lost the config blob of ${name}`, target.registry, {userReference: false}),
		});
		if (sha256(body) !== digest) {
			throw new RegistryBadAnswer(`registry ${safeText(target.registry)} sent a config for ${name} whose content does not match its digest`, target.registry);
		}

		return parseJson(target.registry, response.status, describeUrl(url), response.headers.get('content-type'), body);
	}

	private checked(target: RepositoryName): string {
		if (!repositoryPattern.test(target.repository)) {
			throw new BadInput(`"${safeText(target.repository).slice(0, 200)}" is not a repository name`);
		}

		return `${target.registry}/${target.repository}`;
	}

	private pointer(reference: ManifestReference): {name: string; pointer: string} {
		const base = this.checked(reference);
		if (reference.digest) {
			if (!digestPattern.test(reference.digest)) {
				throw new BadInput(`"${safeText(reference.digest).slice(0, 80)}" is not a sha256 digest`);
			}

			return {name: `${base}@${reference.digest}`, pointer: reference.digest};
		}

		const tag = reference.tag ?? 'latest';
		if (!tagPattern.test(tag)) {
			throw new BadInput(`"${safeText(tag).slice(0, 140)}" is not a tag`);
		}

		return {name: `${base}:${tag}`, pointer: tag};
	}

	private manifestNotFound(reference: ManifestReference, code: string | undefined): RegistryNotFound {
		if (code === 'NAME_UNKNOWN') {
			return new RegistryNotFound(`registry ${safeText(reference.registry)} has no repository ${reference.repository}: check the name`, reference.registry);
		}

		const what = reference.digest ? `no manifest ${reference.digest}` : `no tag ${reference.tag ?? 'latest'}`;
		return new RegistryNotFound(
			`registry ${safeText(reference.registry)} has ${what} in ${reference.repository}: run "kasm-tui tags ${reference.registry}/${reference.repository}" to see its tags`,
			reference.registry,
		);
	}

	/** One request, or its answer kept for the run when the client shares answers. */
	private async request(target: RepositoryName, path: string | URL, spec: RequestSpec): Promise<Answer> {
		const url = typeof path === 'string' ? new URL(path, registryOrigin(target.registry, this.insecureRegistries)) : path;
		if (!this.answers) {
			return this.ask(target, url, spec);
		}

		return this.answers.once(`${spec.method} ${url.href} ${spec.accept ?? ''}`, async () => this.ask(target, url, spec));
	}

	/** One request with auth: a 401 teaches us the registry's scheme, and we try once more with credentials. */
	private async ask(target: RepositoryName, url: URL, spec: RequestSpec): Promise<Answer> {
		const {registry} = target;
		const scope = `repository:${target.repository}:pull`;
		const options = this.sendOptions(registry);
		try {
			let authorization = await this.auth.authorization(registry, scope, false);
			for (let attempt = 0; ; attempt++) {
				const headers: Record<string, string> = {'User-Agent': 'kasm-tui'};
				if (spec.accept) {
					headers.Accept = spec.accept;
				}

				if (authorization) {
					headers.Authorization = authorization;
				}

				const {response, url: at} = await send(url, {method: spec.method, headers}, options);
				const body = spec.method === 'HEAD' ? Buffer.alloc(0) : await readBody(response, at, {...options, maxBytes: this.maxBodyBytes});
				if (response.status === 401 && attempt === 0 && this.auth.learn(registry, response.headers.get('www-authenticate'))) {
					const renewed = await this.auth.authorization(registry, scope, true);
					if (renewed !== undefined) {
						authorization = renewed;
						continue;
					}
				}

				const remaining = response.headers.get('ratelimit-remaining');
				if (remaining && this.answers) {
					this.answers.rateLimitRemaining.set(registry, safeText(remaining).slice(0, 40));
				}

				if (response.ok) {
					return {response, url: at, body};
				}

				throw this.failure(target, response, at, body, spec);
			}
		} catch (error) {
			throw this.auth.redact(error, registry);
		}
	}

	private sendOptions(registry: string): SendOptions {
		return {registry, timeoutMs: this.timeoutMs, insecureRegistries: this.insecureRegistries};
	}

	private failure(target: RepositoryName, response: Response, url: URL, body: Buffer, spec: RequestSpec): RegistryError {
		const {registry} = target;
		const {status} = response;
		const credentials = this.auth.credentialsUsed(registry);
		if (status === 429) {
			return rateLimited(registry, response.headers, Boolean(credentials));
		}

		if (status === 401) {
			return this.auth.failure(registry, status, spec.what);
		}

		if (status === 403) {
			const {text} = registryErrorText(body);
			return new RegistryAuthFailed(
				`registry ${safeText(registry)} denied access to ${target.repository} (HTTP 403${text ? ` ${text}` : ''}): ${credentials ? `the account from ${safeText(credentials.source)} may not pull it` : `run "${loginHint(registry)}"`}`,
				registry,
				status,
			);
		}

		if (looksLikeHtml(response.headers.get('content-type'), body)) {
			return htmlAnswer(registry, status, describeUrl(url));
		}

		if (status === 404) {
			return spec.notFound(registryErrorText(body).code);
		}

		return unexpectedStatus(registry, status, spec.what, body);
	}
}
