import {beforeV8FlagsChange} from '../code-cache.js';
import {debug} from '../debug.js';
import {safeText} from '../text.js';
import {mayUse} from './address.js';
import {RegistryBadAnswer, RegistryUnreachable} from './errors.js';

/**
 * One HTTP exchange with a registry over fetch: a deadline on the whole of it (body included),
 * redirects followed by hand (credentials never follow a redirect to another origin, and HTTPS
 * never turns into HTTP), a cap on what we read, and transport failures as one line.
 */
export interface SendOptions {
	/** The registry as the operator knows it, for messages. */
	registry: string;
	timeoutMs: number;
	insecureRegistries: readonly string[];
}

export interface RegistryRequest {
	method: 'GET' | 'HEAD' | 'POST';
	headers: Record<string, string>;
	body?: string;
}

const maxRedirects = 5;

const transportReasons: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'the connection was reset',
	ENOTFOUND: 'unknown host name',
	EAI_AGAIN: 'the host name could not be looked up',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	ETIMEDOUT: 'timed out',
	UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
	UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for an answer',
	UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
	UND_ERR_SOCKET: 'the connection closed unexpectedly',
	EPROTO: 'TLS failed: is it an HTTP-only registry? list it in the daemon\'s insecure-registries',
	ERR_SSL_WRONG_VERSION_NUMBER: 'TLS failed: is it an HTTP-only registry? list it in the daemon\'s insecure-registries',
	DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
	SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is not trusted',
	UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not trusted',
	UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its TLS certificate is not trusted',
	CERT_HAS_EXPIRED: 'its TLS certificate has expired',
	ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
};

/** Where the request went, without query (a token request's query names the account). */
export function describeUrl(url: URL): string {
	return `${url.protocol}//${url.host}${url.pathname}`;
}

export function transportError(error: unknown, url: URL, registry: string, timeoutMs: number): RegistryUnreachable {
	const failure = error as {name?: string; code?: string; message?: string; cause?: {code?: string; name?: string; message?: string}};
	let reason: string;
	if (failure.name === 'TimeoutError' || failure.name === 'AbortError' || failure.cause?.name === 'TimeoutError') {
		reason = `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
	} else {
		const code = failure.cause?.code ?? failure.code ?? '';
		reason = transportReasons[code] ?? safeText(failure.cause?.message ?? failure.message ?? 'unknown error').slice(0, 160);
	}

	return new RegistryUnreachable(`cannot reach registry ${safeText(registry)} at ${safeText(describeUrl(url))} (${reason})`, registry);
}

/** The command line's mark (source/cli/main.ts) that this process is a headless command: fetch's parser compiled once. */
export const liftoffOnlyMark = Symbol.for('kasm-tui.liftoff-only');
let flagsSet = false;

/**
 * Before the first fetch of a headless command: V8 compiles undici's WebAssembly HTTP parser a
 * second time with TurboFan in the background, and a process that used it then waits ~100 ms at
 * exit for that to finish; Liftoff's first code is fast enough for a registry's few answers. Not
 * for a screen, whose layout (yoga) is WebAssembly that runs at every frame. Set here, not at the
 * start, so a command that never asks a registry never loads node:v8 (~2 ms on Node 20).
 */
function beforeFetch(): void {
	if (!flagsSet && (globalThis as Record<symbol, unknown>)[liftoffOnlyMark] === true) {
		flagsSet = true;
		// The npm bin's code cache, if it is to be made, is made before: V8 refuses one made under other flags.
		((globalThis as Record<symbol, unknown>)[beforeV8FlagsChange] as (() => void) | undefined)?.();
		(process.getBuiltinModule('node:v8') as typeof import('node:v8')).setFlagsFromString('--liftoff-only');
	}
}

/**
 * Loads fetch's code (undici: ~30 ms on Node 20) now, with a request that leaves no process:
 * called while something slower is under way (the hosts' ssh handshakes), the first registry
 * request later does not pay for it.
 */
export function loadTransport(): void {
	beforeFetch();
	fetch('data:,').catch(() => {});
}

/** Sends a request, following up to five redirects; the signal covers reading the body too. */
export async function send(url: URL, init: RegistryRequest, options: SendOptions): Promise<{response: Response; url: URL}> {
	const signal = AbortSignal.timeout(options.timeoutMs);
	let current = url;
	let {method, body} = init;
	let headers = {...init.headers};
	for (let hop = 0; hop <= maxRedirects; hop++) {
		let response: Response;
		const began = performance.now();
		try {
			beforeFetch();
			response = await fetch(current, {method, headers, body, redirect: 'manual', signal});
		} catch (error) {
			const failure = transportError(error, current, options.registry, options.timeoutMs);
			debug('registry', `${method} ${describeUrl(current)}`, {error: failure});
			throw failure;
		}

		// Never the headers: they carry the credentials.
		debug('registry', `${method} ${describeUrl(current)}`, {status: response.status, ms: Math.round(performance.now() - began)});

		const location = response.headers.get('location');
		if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) {
			return {response, url: current};
		}

		await response.body?.cancel();
		let next: URL;
		try {
			next = new URL(location, current);
		} catch {
			throw new RegistryBadAnswer(`registry ${safeText(options.registry)} redirected to an address that is not a URL`, options.registry, response.status);
		}

		if (!mayUse(next, options.insecureRegistries) || (current.protocol === 'https:' && next.protocol !== 'https:')) {
			throw new RegistryBadAnswer(
				`registry ${safeText(options.registry)} redirected to ${safeText(describeUrl(next)).slice(0, 200)}, which is not HTTPS: refusing to follow`,
				options.registry,
				response.status,
			);
		}

		// As fetch does: a 303 (and a 301 or 302 after a POST) is fetched with GET, and without the body.
		if ((response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
			method = 'GET';
			body = undefined;
			const {'Content-Type': _type, ...rest} = headers;
			headers = rest;
		}

		if (next.origin !== current.origin) {
			// The token request's body holds the refresh token: a body never goes to another origin.
			if (body !== undefined) {
				throw new RegistryBadAnswer(
					`registry ${safeText(options.registry)} redirected a ${method} with its body to another origin (${safeText(describeUrl(next)).slice(0, 200)}): refusing to send it there`,
					options.registry,
					response.status,
				);
			}

			// Blob storage (S3, a CDN) gets signed URLs, never our credentials.
			const {Authorization: _dropped, ...rest} = headers;
			headers = rest;
		}

		current = next;
	}

	throw new RegistryBadAnswer(`registry ${safeText(options.registry)} redirected more than ${maxRedirects} times for ${safeText(describeUrl(url))}`, options.registry);
}

/** Reads a body up to `maxBytes`; a larger one is refused before it fills memory. */
export async function readBody(
	response: Response,
	url: URL,
	options: SendOptions & {maxBytes: number},
): Promise<Buffer> {
	const tooLarge = () =>
		new RegistryBadAnswer(
			`registry ${safeText(options.registry)} sent more than ${Math.round(options.maxBytes / 1_000_000)} MB for ${safeText(describeUrl(url))}: refusing to read it`,
			options.registry,
			response.status,
		);
	const declared = Number(response.headers.get('content-length') ?? Number.NaN);
	if (declared > options.maxBytes) {
		await response.body?.cancel();
		throw tooLarge();
	}

	if (!response.body) {
		return Buffer.alloc(0);
	}

	const chunks: Buffer[] = [];
	let size = 0;
	const reader = response.body.getReader();
	try {
		for (;;) {
			const {done, value} = await reader.read();
			if (done) {
				break;
			}

			size += value.byteLength;
			if (size > options.maxBytes) {
				await reader.cancel();
				throw tooLarge();
			}

			chunks.push(Buffer.from(value));
		}
	} catch (error) {
		if (error instanceof RegistryBadAnswer) {
			throw error;
		}

		throw transportError(error, url, options.registry, options.timeoutMs);
	}

	return Buffer.concat(chunks);
}
