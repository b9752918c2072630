import {loginHint} from '../docker/reference.js';
import {safeText} from '../text.js';
import {mayUse} from './address.js';
import {htmlAnswer, looksLikeHtml, parseJson, rateLimited, unexpectedStatus} from './answers.js';
import {parseChallenges} from './challenge.js';
import type {Credentials} from './credentials.js';
import {RegistryAuthFailed, RegistryBadAnswer} from './errors.js';
import {TokenCache} from './token-cache.js';
import {redact, registerSecret} from '../secrets.js';
import {describeUrl, readBody, send, type SendOptions} from './transport.js';

/** Where credentials come from: the docker CLI's config and helpers, or a test's own. */
export interface CredentialSource {
	get(registry: string): Promise<Credentials | undefined>;
}

type AuthScheme = {kind: 'basic'} | {kind: 'bearer'; realm: string; service: string};

function basic(credentials: Credentials): string {
	return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
}

/**
 * The `Authorization` a registry wants, learned from its 401 challenge: Basic with the
 * credentials, or Bearer with a token from its token server (cached per realm, service and
 * scope). Credentials are looked up only once a registry asks for them.
 */
export class RegistryAuth {
	private readonly tokens = new TokenCache();
	private readonly pendingTokens = new Map<string, Promise<string>>();
	private readonly schemes = new Map<string, AuthScheme>();
	/** The credentials each registry got from us, for messages and to keep them out of messages. */
	private readonly used = new Map<string, Credentials>();

	constructor(
		private readonly credentials: CredentialSource,
		private readonly sendOptions: (registry: string) => SendOptions,
	) {}

	/** Remembers Bearer (preferred) or Basic from a challenge; false when there is none we speak. */
	learn(registry: string, header: string | null): boolean {
		const challenges = parseChallenges(header);
		const bearer = challenges.find(challenge => challenge.scheme === 'bearer' && challenge.params.realm);
		if (bearer) {
			this.schemes.set(registry, {kind: 'bearer', realm: bearer.params.realm!, service: bearer.params.service ?? ''});
			return true;
		}

		if (challenges.some(challenge => challenge.scheme === 'basic')) {
			this.schemes.set(registry, {kind: 'basic'});
			return true;
		}

		return false;
	}

	credentialsUsed(registry: string): Credentials | undefined {
		return this.used.get(registry);
	}

	/** The header for a request to `scope`; `renew` after a 401 drops a cached token. Undefined: send none. */
	async authorization(registry: string, scope: string, renew: boolean): Promise<string | undefined> {
		const scheme = this.schemes.get(registry);
		if (!scheme) {
			return undefined;
		}

		const credentials = await this.credentials.get(registry);
		if (credentials) {
			this.used.set(registry, credentials);
		}

		if (scheme.kind === 'basic') {
			return credentials?.password === undefined ? undefined : basic(credentials);
		}

		const key = TokenCache.key(scheme.realm, scheme.service, scope);
		if (renew) {
			this.tokens.clear(key);
		}

		const cached = this.tokens.get(key);
		if (cached) {
			return `Bearer ${cached}`;
		}

		// Requests running side by side share one token request.
		let pending = this.pendingTokens.get(key);
		if (!pending) {
			pending = this.fetchToken(registry, scheme, scope, key, credentials).finally(() => this.pendingTokens.delete(key));
			this.pendingTokens.set(key, pending);
		}

		return `Bearer ${await pending}`;
	}

	/** 401 (or a token server's refusal): no credentials, or the wrong ones. Says where they came from, never what they are. */
	failure(registry: string, status: number, what: string): RegistryAuthFailed {
		const credentials = this.used.get(registry);
		const login = `"${loginHint(registry)}"`;
		if (!credentials) {
			return new RegistryAuthFailed(`registry ${safeText(registry)} wants credentials to ${what} (HTTP ${status}) and none are configured: run ${login}`, registry, status);
		}

		const who = credentials.password === undefined ? 'the identity token' : `the credentials of user "${safeText(credentials.username).slice(0, 80)}"`;
		return new RegistryAuthFailed(
			`registry ${safeText(registry)} refused ${who} from ${safeText(credentials.source)} (HTTP ${status}) to ${what}: check them, or run ${login} again`,
			registry,
			status,
		);
	}

	/** Belt and braces: whatever a registry echoed, the secrets we sent it never reach a message. */
	redact(error: unknown, registry: string): unknown {
		if (error instanceof Error && this.used.has(registry)) {
			error.message = redact(error.message);
		}

		return error;
	}

	/**
	 * The token endpoint of the Bearer flow: GET with Basic credentials (or none, for anonymous
	 * pulls), or the OAuth POST with a refresh token when we hold an identity token.
	 */
	private async fetchToken(registry: string, scheme: {realm: string; service: string}, scope: string, key: string, credentials: Credentials | undefined): Promise<string> {
		let realm: URL;
		try {
			realm = new URL(scheme.realm);
		} catch {
			throw new RegistryBadAnswer(`registry ${safeText(registry)} named a token server that is not a URL`, registry);
		}

		const options = this.sendOptions(registry);
		if (!mayUse(realm, options.insecureRegistries)) {
			throw new RegistryBadAnswer(
				`registry ${safeText(registry)} named a token server that is not HTTPS (${safeText(describeUrl(realm)).slice(0, 120)}): refusing to send credentials there`,
				registry,
			);
		}

		const headers: Record<string, string> = {'User-Agent': 'kasm-tui', Accept: 'application/json'};
		let method: 'GET' | 'POST' = 'GET';
		let body: string | undefined;
		if (credentials?.identityToken) {
			method = 'POST';
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
			body = new URLSearchParams({grant_type: 'refresh_token', refresh_token: credentials.identityToken, service: scheme.service, scope, client_id: 'kasm-tui'}).toString();
		} else {
			if (scheme.service) {
				realm.searchParams.set('service', scheme.service);
			}

			realm.searchParams.set('scope', scope);
			if (credentials?.password !== undefined) {
				headers.Authorization = basic(credentials);
				if (credentials.username) {
					realm.searchParams.set('account', credentials.username);
				}
			}
		}

		const {response, url} = await send(realm, {method, headers, body}, options);
		const answer = await readBody(response, url, {...options, maxBytes: 1_000_000});
		if (response.status === 401 || response.status === 403) {
			throw this.failure(registry, response.status, `ask its token server for access`);
		}

		if (response.status === 429) {
			throw rateLimited(registry, response.headers, Boolean(credentials));
		}

		if (!response.ok) {
			throw looksLikeHtml(response.headers.get('content-type'), answer)
				? htmlAnswer(registry, response.status, describeUrl(url))
				: unexpectedStatus(registry, response.status, `hand out a token (${describeUrl(url)})`, answer);
		}

		const json = parseJson(registry, response.status, describeUrl(url), response.headers.get('content-type'), answer) as Record<string, unknown> | null;
		const token = json?.token ?? json?.access_token;
		registerSecret(typeof token === 'string' ? token : undefined);
		if (typeof token !== 'string' || token === '') {
			throw new RegistryBadAnswer(`the token server of registry ${safeText(registry)} answered without a token`, registry);
		}

		const issuedAt = typeof json?.issued_at === 'string' ? Date.parse(json.issued_at) : undefined;
		this.tokens.set(key, token, typeof json?.expires_in === 'number' ? json.expires_in : undefined, issuedAt);
		return token;
	}
}
