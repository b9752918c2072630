import process from 'node:process';
import {DaemonError, DaemonUnreachable, KasmTuiError} from '../errors.js';
import {debug} from '../debug.js';
import {safeText} from '../text.js';
import type {EngineTarget} from './target.js';
import {apiVersionToSpeak, isApiVersionTooNew, versionedPath} from './generation.js';
import type {ApiRequest} from './request.js';
import {engineApi, ReadTimeout, type EngineApi} from './transport.js';

/** The parts of GET /info that kasm-tui reads; the daemon's text is not trusted. */
export interface DaemonInfo {
	ID?: unknown;
	Name?: unknown;
	RegistryConfig?: {
		InsecureRegistryCIDRs?: string[] | null;
		IndexConfigs?: Record<string, {Name?: string; Secure?: boolean} | undefined> | null;
	} | null;
}

export interface EngineVersion {
	/** The daemon's release, e.g. `20.10.24+dfsg1`. */
	version: string;
	apiVersion: string;
	os?: string;
	arch?: string;
}

const unreachableCodes: Record<string, string> = {
	ENOENT: 'no such socket',
	ECONNREFUSED: 'connection refused',
	EACCES: 'permission denied: run as root or as a member of the docker group',
	EPERM: 'permission denied',
	ECONNRESET: 'the connection was reset',
	// Writing a request to a daemon that is going away (a restart).
	EPIPE: 'the connection was closed',
	ETIMEDOUT: 'timed out',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	ENOTFOUND: 'unknown host name',
	EAI_AGAIN: 'the host name could not be looked up',
	ENOTSOCK: 'not a socket',
	ECONNABORTED: 'the connection was aborted',
};

/**
 * The one door to the Docker Engine API: every request goes through `call`, which counts it,
 * logs it (--debug), sends it in the API version agreed with the daemon, and turns what goes
 * wrong into a typed error with one line for people.
 */
export class Engine {
	/**
	 * Engine API requests made through `call`, so tests can prove a listing costs a fixed number
	 * of them; the one `/_ping` that agrees the API version is not among them.
	 */
	calls = 0;
	private knownVersion?: Promise<EngineVersion>;
	private knownInfo?: Promise<DaemonInfo>;
	private agreed?: Promise<{version: string; api: EngineApi}>;

	private constructor(
		readonly target: EngineTarget,
		readonly api: EngineApi,
	) {}

	/** `timeoutMs`: how long a read may wait (default KASM_TUI_API_TIMEOUT, else 60 s). */
	static async open(target: EngineTarget, options: {timeoutMs?: number} = {}): Promise<Engine> {
		return new Engine(target, await engineApi(target, process.env, options));
	}

	/** Ends its connections (an ssh process) and what is under way on them. */
	close(): void {
		this.api.close();
	}

	/** GET /info, asked once per Engine (a failed ask is asked again next time). */
	async info(): Promise<DaemonInfo> {
		this.knownInfo ??= this.get<DaemonInfo>('read the daemon info', '/info');
		try {
			return await this.knownInfo;
		} catch (error) {
			this.knownInfo = undefined;
			throw error;
		}
	}

	/**
	 * The daemon's ID (/info `ID`): the same whatever address reached it, and kept across restarts
	 * and upgrades (Docker 23 moved it from key.json to engine-id, keeping its value).
	 */
	async daemonId(): Promise<string> {
		const id = (await this.info()).ID;
		if (typeof id !== 'string' || !/^[A-Za-z\d][\w:.-]{0,127}$/.test(id) || id.includes('..')) {
			throw this.notTheApi('read the daemon info', typeof id === 'string' ? 'an ID that is not one a Docker daemon gives' : 'no ID');
		}

		return id;
	}

	/**
	 * A GET of `path`, answered as a JSON object or list. Anything else (text, an HTML page, an
	 * empty answer) is not the Engine API, and is said so rather than read as "nothing there".
	 */
	async get<T>(what: string, path: string, query?: ApiRequest['query']): Promise<T> {
		return this.call(what, async api => {
			const answer = await api.request<unknown>({method: 'GET', path, query});
			if (answer === null || typeof answer !== 'object') {
				throw this.notTheApi(what, answer === undefined ? 'nothing' : typeof answer === 'string' ? 'text that is not JSON' : `a JSON ${answer === null ? 'null' : typeof answer}`);
			}

			return answer as T;
		});
	}

	/** A GET of a listing: a JSON list of objects, or an error; a list holding anything else is not the Engine API's. */
	async list<T>(what: string, path: string, query?: ApiRequest['query']): Promise<T[]> {
		const answer = await this.get<unknown>(what, path, query);
		if (!Array.isArray(answer)) {
			throw this.notTheApi(what, 'a JSON object where a list belongs');
		}

		if (!answer.every(item => item !== null && typeof item === 'object' && !Array.isArray(item))) {
			throw this.notTheApi(what, 'a list of things that are not objects');
		}

		return answer as T[];
	}

	private notTheApi(what: string, answered: string): DaemonError {
		return new DaemonError(`the daemon at ${this.target.address} answered "${what}" with ${answered}: is it a Docker daemon, or is something in between?`);
	}

	/** The Engine API version every request is sent in (generation.ts), agreed once per Engine. */
	async apiVersion(): Promise<string> {
		return (await this.versioned()).version;
	}

	private async versioned(): Promise<{version: string; api: EngineApi}> {
		this.agreed ??= this.api.ping().then(daemonApi => {
			const version = apiVersionToSpeak(daemonApi);
			debug('engine', 'agree the API version', {daemon: daemonApi ?? 'none said', spoken: version});
			const versioned = (request: ApiRequest): ApiRequest => ({...request, path: versionedPath(request.path, version)});
			return {
				version,
				api: {
					request: async request => this.api.request(versioned(request)),
					stream: async request => this.api.stream(versioned(request)),
					ping: async () => this.api.ping(),
					close: () => this.api.close(),
				},
			};
		});
		try {
			return await this.agreed;
		} catch (error) {
			this.agreed = undefined;
			throw error;
		}
	}

	/** Runs one API call and turns what goes wrong into an error people can act on. */
	async call<T>(what: string, request: (api: EngineApi) => Promise<T>): Promise<T> {
		this.calls++;
		const began = performance.now();
		try {
			let answer: T;
			try {
				answer = await request((await this.versioned()).api);
			} catch (error) {
				// Refused before anything was done: a daemon replaced by an older one since we agreed.
				if (!isApiVersionTooNew(error)) {
					throw error;
				}

				this.agreed = undefined;
				answer = await request((await this.versioned()).api);
			}

			debug('engine', what, {ms: Math.round(performance.now() - began)});
			return answer;
		} catch (error) {
			const typed = engineError(error, this.target, what);
			debug('engine', what, {ms: Math.round(performance.now() - began), error: typed});
			throw typed;
		}
	}

	/** The daemon's version, asked once per Engine (a failed ask is asked again next time). */
	async version(): Promise<EngineVersion> {
		this.knownVersion ??= this.get<{Version?: unknown; ApiVersion?: string; Os?: string; Arch?: string}>('read the engine version', '/version').then(version => {
			// The version decides whether a digest may be sent (moby/moby#47299): it must be one.
			if (typeof version.Version !== 'string' || version.Version === '') {
				throw this.notTheApi('read the engine version', 'no version');
			}

			return {
				version: safeText(version.Version),
				apiVersion: safeText(version.ApiVersion),
				os: safeText(version.Os),
				arch: safeText(version.Arch),
			};
		});
		try {
			return await this.knownVersion;
		} catch (error) {
			this.knownVersion = undefined;
			throw error;
		}
	}
}

/** Maps a transport or daemon failure to a typed error with a one-line message. */
export function engineError(error: unknown, target: EngineTarget, what: string): KasmTuiError {
	if (error instanceof KasmTuiError) {
		return error;
	}

	if (error instanceof ReadTimeout) {
		return new DaemonError(
			`the daemon at ${target.address} did not answer "${what}" within ${error.ms / 1000} s: it may be overloaded or stuck (see systemctl status docker); KASM_TUI_API_TIMEOUT=SECONDS waits longer`,
		);
	}

	const cause = error as {code?: string; statusCode?: number; json?: unknown; message?: string; reason?: string};
	if (cause.code && unreachableCodes[cause.code]) {
		return new DaemonUnreachable(target.address, unreachableCodes[cause.code]!);
	}

	if (typeof cause.statusCode === 'number') {
		return new DaemonError(`the daemon refused to ${what}: ${daemonMessage(cause)}`, cause.statusCode);
	}

	if (cause.message && /timeout|timed out/i.test(cause.message)) {
		return new DaemonUnreachable(target.address, 'timed out');
	}

	return new DaemonError(`could not ${what} on ${target.address}: ${safeText(cause.message ?? String(error)).slice(0, 300)}`);
}

/** The daemon's own words from an error answer: `{"message": "..."}`, or its text. */
export function daemonMessage(cause: {json?: unknown; message?: string; statusCode?: number}): string {
	const {json} = cause;
	let message: unknown;
	if (json && typeof json === 'object' && 'message' in json) {
		message = (json as {message: unknown}).message;
	} else if (typeof json === 'string' && json.trim()) {
		message = json.trim().startsWith('<') ? `an HTML page instead of an API answer (HTTP ${cause.statusCode})` : json;
	} else if (Buffer.isBuffer(json)) {
		message = json.toString('utf8');
	}

	return safeText(message ?? cause.message ?? `HTTP ${cause.statusCode}`).slice(0, 300);
}
