import {DaemonDidNotAnswer, DaemonError, DaemonUnreachable, HostStoppedAnswering, KasmTuiError} from '../errors.js';
import {debug} from '../debug.js';
import {safeText} from '../text.js';
import type {EngineApi} from './api.js';
import type {DaemonIdentity} from './identity.js';
import {apiVersionToSpeak, isApiVersionTooNew} from './generation.js';
import type {EngineTarget} from './target.js';
import {failedOnStaleConnection, openConnections, ReadTimeout, readTimeoutMs, StepTimeout, Watchdog, withDeadline, type Connections} from './transport.js';

/** The parts of GET /info that kasm-tui reads; the daemon's text is not trusted. */
export interface DaemonInfo {
	ID?: unknown;
	Name?: unknown;
	DockerRootDir?: unknown;
	RegistryConfig?: {
		InsecureRegistryCIDRs?: string[] | null;
		IndexConfigs?: Record<string, {Name?: string; Secure?: boolean} | undefined> | null;
	} | null;
	/** `[["driver-type", "io.containerd.snapshotter.v1"], …]` on the containerd image store. */
	DriverStatus?: unknown;
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

/** The API version agreed with the daemon, and dockerode speaking it. */
interface Agreed {
	version: string;
	api: Omit<EngineApi, 'signal'>;
	/** The same on connections of their own, never kept. */
	fresh: Omit<EngineApi, 'signal'>;
}

/**
 * The one door to the Docker Engine API: every request goes through `call` (a read through
 * `read`, `readObject` or `readList`), which counts it, logs it (--debug), sends it through
 * dockerode in the API version agreed with the daemon, and turns what goes wrong into a typed
 * error with one line for people.
 */
export class Engine {
	/**
	 * Engine API requests made through `call`, so tests can prove a listing costs a fixed number
	 * of them; the one `/_ping` that agrees the API version is not among them.
	 */
	calls = 0;
	/** Requests under way, and when the daemon last said anything: how long it has been silent. */
	private waiting = 0;
	private heardAt = monotonicMs();
	/** When the daemon last said something that was not new (a stalled download's repeated line). */
	private stirredAt = 0;
	/** The deadlines of the changes under way, which ctrl-c brings closer (hurry). */
	private readonly watchdogs = new Set<Watchdog>();
	/** ctrl-c's shorter step deadline, until calm() (the rollout it cut short has ended). */
	private hurriedMs?: number;
	private knownVersion?: Promise<EngineVersion>;
	private knownInfo?: Promise<DaemonInfo>;
	private agreed?: Promise<Agreed>;

	private constructor(
		readonly target: EngineTarget,
		private readonly connections: Connections,
		private readonly dockerode: typeof import('./api.js'),
		/** How long a read may wait. */
		readonly timeoutMs: number,
		/** How long a change may go without a word from the daemon; none: as long as the daemon takes. */
		private readonly stepTimeoutMs: number | undefined,
	) {}

	/**
	 * `timeoutMs`: how long a read may wait (default KASM_TUI_API_TIMEOUT, else 60 s).
	 * `stepTimeoutMs`: how long a change may go without a word from the daemon (a fleet's hosts:
	 * --step-timeout); without it a change waits as long as the daemon takes, as docker does.
	 */
	static async open(target: EngineTarget, options: {timeoutMs?: number; stepTimeoutMs?: number} = {}): Promise<Engine> {
		const timeoutMs = options.timeoutMs ?? readTimeoutMs(process.env);
		// dockerode is loaded with the first Engine, so commands that ask no daemon never load it.
		const [dockerode, connections] = await Promise.all([import('./api.js'), openConnections(target, timeoutMs)]);
		return new Engine(target, connections, dockerode, timeoutMs, options.stepTimeoutMs);
	}

	/** Ends its connections (an ssh process) and what is under way on them; later requests open new ones. */
	close(): void {
		this.connections.close();
	}

	/** How long the daemon has owed an answer and said nothing new; 0 while nothing is asked of it. */
	silentForMs(): number {
		return this.waiting === 0 ? 0 : monotonicMs() - this.heardAt;
	}

	/** It talks, but says nothing new since it last progressed: a download that stalls, not a host that is gone. */
	stalled(): boolean {
		return this.stirredAt > this.heardAt;
	}

	/**
	 * ctrl-c in a rollout: a change under way may go `ms` more without a word from the daemon (from
	 * its last one), no longer: a host that says nothing is not waited for, one that reports
	 * progress finishes its step.
	 */
	hurry(ms: number): void {
		this.hurriedMs = Math.min(this.hurriedMs ?? ms, ms);
		for (const watchdog of this.watchdogs) {
			watchdog.shorten(ms);
		}
	}

	/** The step deadline is --step-timeout again: the rollout that ctrl-c cut short is over (the fleet screen goes on). */
	calm(): void {
		this.hurriedMs = undefined;
	}

	/** A request of its own (GET /_ping) on the kept connection: the host is reached again after its connections were closed. */
	async reach(): Promise<void> {
		await this.read('reach the daemon', async api => api.dial({method: 'GET', path: '/_ping', signal: api.signal}));
	}

	/**
	 * After a host stopped answering: its connections end (a frozen ssh link with them), and one
	 * ping on a new connection says whether it answers now, within a few seconds.
	 */
	async answersAgain(): Promise<boolean> {
		this.close();
		return this.answers(AbortSignal.timeout(Math.min(this.timeoutMs, 5000)));
	}

	/**
	 * A change, or a stream that reports progress. With a step deadline (a fleet's hosts) it is
	 * given up once the daemon has made no progress for that long: `alive(true)` (a progress line
	 * that says something new) moves the deadline back, `alive(false)` (the same line again, as the
	 * daemon repeats while a download stalls) does not; the request gets the deadline's `signal`.
	 * Without a step deadline, as `call`.
	 */
	async change<T>(what: string, request: (api: EngineApi, alive: (progressed: boolean) => void) => Promise<T>): Promise<T> {
		const limit = Math.min(this.stepTimeoutMs ?? Number.POSITIVE_INFINITY, this.hurriedMs ?? Number.POSITIVE_INFINITY);
		if (!Number.isFinite(limit)) {
			return this.call(what, async api => request(api, progressed => progressed && this.heard()));
		}

		const watchdog = new Watchdog(limit);
		this.watchdogs.add(watchdog);
		// Rejects as the deadline passes, whether or not the request heeds its signal.
		const late = new Promise<never>((_resolve, reject) => {
			watchdog.signal.addEventListener('abort', () => reject(watchdog.signal.reason), {once: true});
		});
		late.catch(() => {});
		const alive = (progressed: boolean) => {
			if (progressed) {
				watchdog.alive();
				this.heard();
			} else {
				watchdog.stir();
				this.stirredAt = monotonicMs();
			}
		};

		try {
			return await this.call(what, async api => Promise.race([request({...api, signal: watchdog.signal}, alive), late]));
		} finally {
			watchdog.stop();
			this.watchdogs.delete(watchdog);
		}
	}

	private heard(): void {
		this.heardAt = monotonicMs();
	}

	/** GET /info, asked once per Engine (a failed ask is asked again next time). */
	async info(): Promise<DaemonInfo> {
		this.knownInfo ??= this.readObject<DaemonInfo>('read the daemon info', async ({docker, signal}) => docker.info({abortSignal: signal}));
		try {
			return await this.knownInfo;
		} catch (error) {
			this.knownInfo = undefined;
			throw error;
		}
	}

	/**
	 * Who the daemon is (docker/identity.ts): its ID (/info `ID`: the same whatever address reached
	 * it, kept across restarts and upgrades, Docker 23 having moved it from key.json to engine-id)
	 * with its name and data root, since machines cloned from one image share the ID. Cleaned.
	 */
	async identity(): Promise<DaemonIdentity> {
		const info = await this.info();
		const id = info.ID;
		if (typeof id !== 'string' || !/^[A-Za-z\d][\w:.-]{0,127}$/.test(id) || id.includes('..')) {
			throw this.notTheApi('read the daemon info', typeof id === 'string' ? 'an ID that is not one a Docker daemon gives' : 'no ID');
		}

		return {id, name: safeText(info.Name).slice(0, 255), dataRoot: safeText(info.DockerRootDir).slice(0, 4096)};
	}

	/**
	 * A read (a GET), answered as docker-modem gives it: the parsed JSON, or the bytes of an
	 * answer that is not JSON. It may wait `timeoutMs` (the `signal` it is given ends it then);
	 * one that failed on a kept connection that had died while idle is asked once more, on a
	 * connection of its own (the others kept may have died with it: a daemon restarted).
	 */
	async read<T>(what: string, request: (api: EngineApi) => Promise<T>): Promise<T> {
		return this.call(what, async (api, agreed) => {
			const attempt = async (on: Omit<EngineApi, 'signal'>) => withDeadline(this.timeoutMs, async signal => request({...on, signal}));
			return attempt(api).catch(async (error: unknown) => {
				if (failedOnStaleConnection(error)) {
					return attempt(agreed.fresh);
				}

				throw error;
			});
		});
	}

	/**
	 * A read answered as a JSON object or list. Anything else (text, an HTML page, an empty
	 * answer) is not the Engine API, and is said so rather than read as "nothing there".
	 */
	async readObject<T>(what: string, request: (api: EngineApi) => Promise<unknown>): Promise<T> {
		const answer = await this.read(what, request);
		if (answer === null || typeof answer !== 'object' || Buffer.isBuffer(answer)) {
			throw this.notTheApi(what, notJson(answer));
		}

		return answer as T;
	}

	/** A read of a listing: a JSON list of objects, or an error; a list holding anything else is not the Engine API's. */
	async readList<T>(what: string, request: (api: EngineApi) => Promise<unknown>): Promise<T[]> {
		const answer = await this.readObject<unknown>(what, request);
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

	private async versioned(): Promise<Agreed> {
		this.agreed ??= withDeadline(this.timeoutMs, async signal => this.dockerode.pingFor(this.connections, signal)).then(daemonApi => {
			const version = apiVersionToSpeak(daemonApi);
			debug('engine', 'agree the API version', {daemon: daemonApi ?? 'none said', spoken: version});
			return {
				version,
				api: this.dockerode.apiOn(this.connections, version),
				fresh: this.dockerode.apiOn({...this.connections, requests: this.connections.fresh}, version),
			};
		});
		try {
			return await this.agreed;
		} catch (error) {
			this.agreed = undefined;
			throw error;
		}
	}

	/**
	 * Whether the daemon answers at all, asked on a connection of its own (a daemon shutting down
	 * still answers on its kept ones). Not counted, nor logged: the event stream asks it once a
	 * quiet second, and it is no request of the operator's.
	 */
	async answers(signal: AbortSignal): Promise<boolean> {
		return this.dockerode.answersOnFresh(this.connections, signal);
	}

	/** Runs one API call and turns what goes wrong into an error people can act on. */
	async call<T>(what: string, request: (api: EngineApi, agreed: Agreed) => Promise<T>): Promise<T> {
		this.calls++;
		// process.hrtime, not performance.now: the first use of `performance` loads perf_hooks, ~1–3 ms of a command's start.
		const began = process.hrtime.bigint();
		if (this.waiting++ === 0) {
			this.heardAt = monotonicMs();
		}

		const send = async () => {
			const agreed = await this.versioned();
			return request(agreed.api, agreed);
		};

		try {
			let answer: T;
			try {
				answer = await send();
			} catch (error) {
				// Refused before anything was done: a daemon replaced by an older one since we agreed.
				if (!isApiVersionTooNew(error)) {
					throw error;
				}

				this.agreed = undefined;
				answer = await send();
			}

			debug('engine', what, {ms: msSince(began)});
			return answer;
		} catch (error) {
			const typed = engineError(error, this.target, what);
			debug('engine', what, {ms: msSince(began), error: typed});
			throw typed;
		} finally {
			this.waiting--;
			this.heard();
		}
	}

	/** The daemon's version, asked once per Engine (a failed ask is asked again next time). */
	async version(): Promise<EngineVersion> {
		this.knownVersion ??= this.readObject<{Version?: unknown; ApiVersion?: string; Os?: string; Arch?: string}>('read the engine version', async ({docker, signal}) =>
			docker.version({abortSignal: signal}),
		).then(version => {
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

/** Milliseconds on a clock that only goes forward, without loading perf_hooks. */
function monotonicMs(): number {
	return Number(process.hrtime.bigint() / 1000n) / 1000;
}

function msSince(began: bigint): number {
	return Math.round(Number(process.hrtime.bigint() - began) / 1e6);
}

/** What a read answered that is no JSON object or list: docker-modem hands back the bytes of an answer that is not JSON. */
function notJson(answer: unknown): string {
	if (answer === undefined || (Buffer.isBuffer(answer) && answer.length === 0)) {
		return 'nothing';
	}

	if (Buffer.isBuffer(answer)) {
		const text = answer.toString('utf8').trim();
		return text === 'null' ? 'a JSON null' : /^(true|false|-?\d[\d.eE+-]*|"[^]*")$/.test(text) ? 'a JSON value that is not an object' : 'text that is not JSON';
	}

	return answer === null ? 'a JSON null' : `a JSON ${typeof answer}`;
}

/** Maps a transport or daemon failure to a typed error with a one-line message. */
export function engineError(error: unknown, target: EngineTarget, what: string): KasmTuiError {
	if (error instanceof KasmTuiError) {
		return error;
	}

	if (error instanceof ReadTimeout) {
		return new DaemonDidNotAnswer(
			`the daemon at ${target.address} did not answer "${what}" within ${error.ms / 1000} s: it may be overloaded or stuck (see systemctl status docker); KASM_TUI_API_TIMEOUT=SECONDS waits longer`,
			error.ms,
		);
	}

	if (error instanceof StepTimeout) {
		return new HostStoppedAnswering(target.address, error.ms, undefined, error.stalled);
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

/**
 * The daemon's own words from an error answer, as docker-modem hands it: `json` is the parsed
 * `{"message": "..."}`, or the bytes of an answer that is not JSON; for a stream request it is
 * null, and the words are in the message behind `(HTTP code N) reason - `.
 */
export function daemonMessage(cause: {json?: unknown; message?: string; statusCode?: number}): string {
	const {json} = cause;
	let message: unknown;
	if (json && typeof json === 'object' && !Buffer.isBuffer(json) && 'message' in json) {
		message = (json as {message: unknown}).message;
	} else {
		const text = (Buffer.isBuffer(json) ? json.toString('utf8') : typeof json === 'string' ? json : (cause.message ?? '').replace(/^\(HTTP code \d+\) [^-]*- /, '')).trim();
		message = text.startsWith('<') ? `an HTML page instead of an API answer (HTTP ${cause.statusCode})` : text;
	}

	return safeText(message).trim().slice(0, 300) || `HTTP ${cause.statusCode ?? 'error'}`;
}
