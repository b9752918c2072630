import http, {type IncomingMessage} from 'node:http';
import process from 'node:process';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from './target.js';
import type {ApiRequest} from './request.js';

/**
 * How long a read (a GET that is not a stream) waits for the daemon before it is given up:
 * a daemon that accepts and never answers must not hang a command or a screen. Changes and
 * streams have no such limit: the daemon bounds its own plugin operations, and cutting one short
 * here would leave it running while kasm-tui undid it. KASM_TUI_API_TIMEOUT, in seconds.
 */
export function readTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
	const text = env.KASM_TUI_API_TIMEOUT;
	if (text === undefined || text.trim() === '') {
		return 60_000;
	}

	const seconds = Number(text);
	if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
		throw new BadInput(`KASM_TUI_API_TIMEOUT takes seconds from 0.1 to 3600, not "${safeText(text).slice(0, 20)}"`);
	}

	return Math.round(seconds * 1000);
}

/** How long a host of a fleet may take to answer: KASM_TUI_API_TIMEOUT when set, else 10 s. */
export function fleetTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
	return env.KASM_TUI_API_TIMEOUT?.trim() ? readTimeoutMs(env) : 10_000;
}

/** A read the daemon left unanswered (or half answered) for the whole read timeout. */
export class ReadTimeout extends Error {
	override name = 'ReadTimeout';
	constructor(readonly ms: number) {
		super(`no answer within ${ms / 1000} s`);
	}
}

/**
 * How requests reach the Engine API: node:http over a unix socket, tcp (with TLS), or the
 * operator's own ssh (ssh.ts). Loading dockerode costs more than the whole `plugins` command.
 */
export interface EngineApi {
	/** The answer, parsed as JSON when it is JSON. A status other than 2xx rejects. */
	request<T>(request: ApiRequest): Promise<T>;
	/** The answer as a stream, once its status says success (pulls, events). */
	stream(request: ApiRequest): Promise<IncomingMessage>;
	/** Ends what is under way and the connections kept (an ssh process); later requests open new ones. */
	close(): void;
	/** The newest API version the daemon speaks, from `/_ping`'s API-Version header; none if it names none. */
	ping(): Promise<string | undefined>;
}

function apiVersionHeader(response: IncomingMessage): string | undefined {
	const value = response.headers['api-version'];
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The error shape callers read (the daemon's JSON `message` in `json`), as docker-modem's. */
export class ApiError extends Error {
	constructor(
		readonly statusCode: number,
		readonly json: unknown,
	) {
		const words = json && typeof json === 'object' && 'message' in json ? String((json as {message: unknown}).message) : typeof json === 'string' ? json : '';
		super(`(HTTP code ${statusCode}) ${http.STATUS_CODES[statusCode] ?? 'unexpected'} - ${words}`);
		this.name = 'ApiError';
	}
}

function encodeQuery(query: ApiRequest['query']): string {
	const parameters = new URLSearchParams();
	for (const [key, value] of Object.entries(query ?? {})) {
		if (value !== undefined) {
			parameters.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
		}
	}

	const text = parameters.toString();
	return text ? `?${text}` : '';
}

/** X-Registry-Auth as the docker CLI sends it: URL-safe base64 of the JSON. */
export function registryAuthHeader(auth: NonNullable<ApiRequest['auth']>): string {
	return Buffer.from(JSON.stringify(auth)).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

function readAll(response: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		response.on('data', (chunk: Buffer) => chunks.push(chunk));
		response.on('end', () => resolve(Buffer.concat(chunks)));
		response.on('error', reject);
		// A connection cut mid-answer must end the wait even where no error is emitted.
		response.on('close', () => {
			if (!response.complete) {
				reject(new Error('the answer was cut short'));
			}
		});
	});
}

function parse(body: Buffer): unknown {
	const text = body.toString('utf8');
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

/** Errors of a request that failed on a kept connection before any answer came. */
const staleConnections = new WeakSet<object>();

/** node:http's agent reads `servername` for plain http too (to name sockets), though its types say TLS only. */
type BaseOptions = http.RequestOptions & {servername?: string};

class HttpApi implements EngineApi {
	private readonly base: BaseOptions;
	private readonly send: typeof http.request;
	private readonly timeoutMs: number;
	/** Where streams go when it is not `base` (over ssh, each stream has a connection of its own). */
	private readonly streamBase: BaseOptions;
	private readonly open = new Set<http.ClientRequest>();

	constructor(base: BaseOptions, send: typeof http.request, timeoutMs: number, streamBase: BaseOptions = base) {
		this.base = base;
		this.send = send;
		this.timeoutMs = timeoutMs;
		this.streamBase = streamBase;
	}

	close(): void {
		for (const call of this.open) {
			call.destroy();
		}

		for (const base of [this.base, this.streamBase]) {
			if (base.agent instanceof http.Agent && base.agent !== http.globalAgent) {
				base.agent.destroy();
			}
		}
	}

	async request<T>(request: ApiRequest): Promise<T> {
		const timeout = request.method === 'GET' ? this.timeoutMs : undefined;
		let timedOut = false;
		let body: Buffer;
		let response: IncomingMessage;
		const send = async () =>
			this.dial(this.base, request, timeout, () => {
				timedOut = true;
			});
		try {
			// A kept connection can die while idle (an ssh that was ended) and be handed out once more
			// before its end is seen: a read that got nothing on it is asked again on a new one.
			response = await send().catch(async (error: unknown) => {
				if (request.method === 'GET' && staleConnections.has(error as object)) {
					return send();
				}

				throw error;
			});
			body = await readAll(response);
		} catch (error) {
			// Cut off mid-answer, the stream reports a reset: say what really happened.
			throw timedOut ? new ReadTimeout(timeout!) : error;
		}

		const answer = body.length === 0 ? undefined : parse(body);
		if ((response.statusCode ?? 0) >= 300) {
			throw new ApiError(response.statusCode ?? 0, answer);
		}

		return answer as T;
	}

	async stream(request: ApiRequest): Promise<IncomingMessage> {
		const response = await this.dial(this.streamBase, request);
		if ((response.statusCode ?? 0) >= 300) {
			throw new ApiError(response.statusCode ?? 0, parse(await readAll(response)));
		}

		return response;
	}

	async ping(): Promise<string | undefined> {
		let timedOut = false;
		try {
			const response = await this.dial(this.base, {method: 'GET', path: '/_ping'}, this.timeoutMs, () => {
				timedOut = true;
			});
			// The headers say it all (a daemon still starting answers 500 with the header all the same).
			response.resume();
			return apiVersionHeader(response);
		} catch (error) {
			throw timedOut ? new ReadTimeout(this.timeoutMs) : error;
		}
	}

	/** Sends the request; with `timeoutMs`, a socket silent that long (before or during the answer) is cut off. */
	private dial(base: BaseOptions, request: ApiRequest, timeoutMs?: number, onTimeout?: () => void): Promise<IncomingMessage> {
		const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
		const headers: http.OutgoingHttpHeaders = {Host: 'docker'};
		if (body) {
			headers['Content-Type'] = 'application/json';
			headers['Content-Length'] = body.length;
		}

		if (request.auth) {
			headers['X-Registry-Auth'] = registryAuthHeader(request.auth);
		}

		return new Promise((resolve, reject) => {
			// `timeout` also bounds the connect, which setTimeout below does not (a host that drops packets).
			const options = {...base, method: request.method, path: request.path + encodeQuery(request.query), headers, signal: request.signal, ...(timeoutMs === undefined ? {} : {timeout: timeoutMs})};
			// A fresh connection: over ssh a new ssh (the streams' agent), elsewhere no agent at all.
			const call = this.send(request.fresh ? {...options, agent: this.streamBase === this.base ? false : this.streamBase.agent} : options, resolve);
			this.open.add(call);
			call.on('close', () => this.open.delete(call));
			let answered = false;
			call.on('response', () => {
				answered = true;
			});
			call.on('error', error => {
				if (call.reusedSocket && !answered) {
					staleConnections.add(error);
				}

				reject(error);
			});
			if (timeoutMs !== undefined) {
				call.setTimeout(timeoutMs, () => {
					onTimeout?.();
					call.destroy(new ReadTimeout(timeoutMs));
				});
			}

			call.end(body);
		});
	}
}

export async function engineApi(target: EngineTarget, env: NodeJS.ProcessEnv = process.env, options: {timeoutMs?: number} = {}): Promise<EngineApi> {
	const {transport} = target;
	const timeoutMs = options.timeoutMs ?? readTimeoutMs(env);
	switch (transport.kind) {
		// No TLS on these, so no server name: without one, node:http would work one out per request
		// with net.isIP, whose IPv6 pattern costs ~5 ms to compile on a command's only request.
		case 'unix': {
			return new HttpApi({socketPath: transport.socketPath, servername: ''}, http.request, timeoutMs);
		}

		case 'tcp': {
			if (!transport.tls) {
				return new HttpApi({host: transport.host, port: transport.port, servername: ''}, http.request, timeoutMs);
			}

			const [https, net, {createSecureContext}] = await Promise.all([import('node:https'), import('node:net'), import('node:tls')]);
			// One secure context for every connection to the daemon: made per connection (node's
			// default, from ca/cert/key) it parsed the certificates again each time, ~20 ms of CPU.
			const secureContext = createSecureContext({ca: transport.tls.ca, cert: transport.tls.cert, key: transport.tls.key});
			const tls = {secureContext, rejectUnauthorized: transport.tls.verify};
			return new HttpApi(
				{
					host: transport.host,
					port: transport.port,
					// The certificate is checked against the address's host, as the docker CLI does, not
					// against the Host header ("docker"); an IP address is no server name (RFC 6066).
					servername: net.isIP(transport.host) ? '' : transport.host,
					// Also on the request itself, for the requests that take no agent (a fresh connection).
					...tls,
					agent: new https.Agent(tls),
				},
				https.request,
				timeoutMs,
			);
		}

		case 'ssh': {
			const {SshAgent} = await import('./ssh.js');
			const agent = new SshAgent(target.address, transport, {connectTimeoutSeconds: Math.min(30, timeoutMs / 1000)});
			// One request at a time on the kept connection; a stream (events, a pull) gets its own.
			return new HttpApi({agent, servername: ''}, http.request, timeoutMs, {agent: agent.streams, servername: ''});
		}
	}
}
