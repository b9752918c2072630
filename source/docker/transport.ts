import http, {type IncomingMessage} from 'node:http';
import process from 'node:process';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from './connection.js';
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

/** A read the daemon left unanswered (or half answered) for the whole read timeout. */
export class ReadTimeout extends Error {
	override name = 'ReadTimeout';
	constructor(readonly ms: number) {
		super(`no answer within ${ms / 1000} s`);
	}
}

/**
 * How requests reach the Engine API. Unix sockets and tcp (with TLS) go through node:http
 * directly: loading dockerode costs more than the whole `plugins` command (it pulls ssh2's
 * crypto and grpc at import). dockerode's modem is loaded only for ssh://, where it does what
 * we would otherwise have to write.
 */
export interface EngineApi {
	/** The answer, parsed as JSON when it is JSON. A status other than 2xx rejects. */
	request<T>(request: ApiRequest): Promise<T>;
	/** The answer as a stream, once its status says success (pulls, events). */
	stream(request: ApiRequest): Promise<IncomingMessage>;
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

/** node:http's agent reads `servername` for plain http too (to name sockets), though its types say TLS only. */
type BaseOptions = http.RequestOptions & {servername?: string};

class HttpApi implements EngineApi {
	private readonly base: BaseOptions;
	private readonly send: typeof http.request;
	private readonly timeoutMs: number;

	constructor(base: BaseOptions, send: typeof http.request, timeoutMs: number) {
		this.base = base;
		this.send = send;
		this.timeoutMs = timeoutMs;
	}

	async request<T>(request: ApiRequest): Promise<T> {
		const timeout = request.method === 'GET' ? this.timeoutMs : undefined;
		let timedOut = false;
		let body: Buffer;
		let response: IncomingMessage;
		try {
			response = await this.open(request, timeout, () => {
				timedOut = true;
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
		const response = await this.open(request);
		if ((response.statusCode ?? 0) >= 300) {
			throw new ApiError(response.statusCode ?? 0, parse(await readAll(response)));
		}

		return response;
	}

	async ping(): Promise<string | undefined> {
		let timedOut = false;
		try {
			const response = await this.open({method: 'GET', path: '/_ping'}, this.timeoutMs, () => {
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
	private open(request: ApiRequest, timeoutMs?: number, onTimeout?: () => void): Promise<IncomingMessage> {
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
			const options = {...this.base, method: request.method, path: request.path + encodeQuery(request.query), headers, signal: request.signal};
			const call = this.send(request.fresh ? {...options, agent: false} : options, resolve);
			call.on('error', reject);
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

/** dockerode's modem, for ssh:// only; loaded on first use. */
class ModemApi implements EngineApi {
	private modem?: Promise<{dial: (options: unknown, callback: (error: unknown, data: unknown) => void) => void}>;

	constructor(private readonly target: Extract<EngineTarget['transport'], {kind: 'ssh'}>) {}

	async request<T>(request: ApiRequest): Promise<T> {
		return this.dial<T>(request, false);
	}

	async stream(request: ApiRequest): Promise<IncomingMessage> {
		return this.dial<IncomingMessage>(request, true);
	}

	async ping(): Promise<string | undefined> {
		const response = await this.dial<IncomingMessage>({method: 'GET', path: '/_ping'}, true);
		response.resume();
		return apiVersionHeader(response);
	}

	private async dial<T>(request: ApiRequest, isStream: boolean): Promise<T> {
		this.modem ??= import('dockerode').then(
			({default: Docker}) =>
				new Docker({
					host: this.target.host,
					port: this.target.port,
					protocol: 'ssh',
					username: this.target.username,
					sshOptions: {agent: process.env.SSH_AUTH_SOCK},
				} as ConstructorParameters<typeof Docker>[0]).modem as unknown as {dial: (options: unknown, callback: (error: unknown, data: unknown) => void) => void},
		);
		const modem = await this.modem;
		const query = Object.fromEntries(Object.entries(request.query ?? {}).filter(([, value]) => value !== undefined));
		const hasQuery = Object.keys(query).length > 0;
		return new Promise<T>((resolve, reject) => {
			modem.dial(
				{
					path: request.path + (hasQuery ? '?' : ''),
					method: request.method,
					isStream,
					statusCodes: {200: true, 201: true, 204: true},
					...(hasQuery || request.body !== undefined ? {options: {_query: query, _body: request.body ?? {}}} : {}),
					...(request.auth ? {authconfig: {...request.auth}} : {}),
					...(request.signal ? {abortSignal: request.signal} : {}),
				},
				(error, data) => (error ? reject(error) : resolve(data as T)),
			);
		});
	}
}

export async function engineApi(target: EngineTarget, env: NodeJS.ProcessEnv = process.env): Promise<EngineApi> {
	const {transport} = target;
	const timeoutMs = readTimeoutMs(env);
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

			const https = await import('node:https');
			const tls = {ca: transport.tls.ca, cert: transport.tls.cert, key: transport.tls.key, rejectUnauthorized: transport.tls.verify};
			return new HttpApi(
				{
					host: transport.host,
					port: transport.port,
					// Also on the request itself, for the requests that take no agent (a fresh connection).
					...tls,
					agent: new https.Agent(tls),
				},
				https.request,
				timeoutMs,
			);
		}

		case 'ssh': {
			return new ModemApi(transport);
		}
	}
}
