import type {IncomingMessage} from 'node:http';
import {DaemonUnreachable} from '../errors.js';
import {safeText} from '../text.js';
import type {Engine} from './engine.js';

/**
 * The daemon's event stream (GET /events), kept open: the screen's store loads one snapshot and
 * then follows this instead of polling. What dockerd 20.10 sends for the types we watch:
 * - plugin: `pull` (an install *and* an upgrade; its id is the remote reference, not the plugin id),
 *   `enable`, `disable`, `remove`, `create`, `push`; `name` is the local name as the caller typed
 *   it (`sidecar` or `sidecar:latest`), so match plugins by id, or by name after normalising it.
 * - image: `import` and `pull` (each after a `tag`), `tag`, `untag` (its name is the image id, not
 *   the reference that went), `delete`, `push`.
 * - container: `create`, `destroy`, `start`, `die` …; network: `create`, `destroy`, `connect` …
 *   (attribute `type` is the driver); volume: `create`, `destroy`, `mount` … (id is the volume's
 *   name, attribute `driver`).
 * The daemon keeps only its last 256 events in memory, and forgets them when it restarts: after a
 * reconnect, a store must reload its snapshot rather than trust the replay alone.
 */

export const watchedTypes = ['plugin', 'image', 'container', 'network', 'volume'] as const;
export type WatchedType = (typeof watchedTypes)[number];

/** One event, every string safe to print. */
export interface EngineEvent {
	/** `plugin`, `image`, `container`, `network`, `volume` (or another type the daemon sent). */
	type: string;
	/** `enable`, `create`, `tag` …; container actions may carry a detail (`exec_start: sh`). */
	action: string;
	/** The actor: a plugin, image, container or network id; a volume's name; a pulled plugin's remote. */
	id: string;
	/** The actor's `name` attribute when it has one (a volume's is its id). */
	name: string;
	/** Milliseconds since the epoch, for `Date`. */
	time: number;
	/** The daemon's own nanosecond timestamp, exact, as decimal digits. */
	timeNano: string;
	/** The actor's attributes (`driver`, `type`, `image` …). */
	attributes: Record<string, string>;
}

export type StreamState = 'live' | 'lost' | 'reconnecting';

export interface StreamStateInfo {
	/** Why the stream is not live: the daemon's or the transport's words, one line. */
	reason?: string;
	/** With `lost`: when the next attempt starts. */
	retryInMs?: number;
	/** With `reconnecting`: 1 for the first attempt after the stream was lost. */
	attempt?: number;
}

export interface WatchOptions {
	onEvent(event: EngineEvent): void;
	/**
	 * Called on every change: `lost` (not connected; retry in `retryInMs`), `reconnecting` (an
	 * attempt is under way), `live` (the daemon answered; events flow). Nothing is reported before
	 * the first attempt ends. After a `live` that follows a `lost`, reload the snapshot.
	 */
	onState?(state: StreamState, info: StreamStateInfo): void;
	/** Aborting it is the same as `close()`. */
	signal?: AbortSignal;
	/** Default: {@link watchedTypes}. */
	types?: readonly string[];
	/** Replay buffered events from this time on (a `Date`, or seconds as the API takes them, e.g. `1700000000.5`). */
	since?: Date | string;
	/** Default 250 ms, doubling after each failed attempt up to `maxRetryMs`. */
	firstRetryMs?: number;
	/** Default 5000 ms. */
	maxRetryMs?: number;
	/**
	 * While a live stream is quiet this long, ask the daemon on a fresh connection whether it still
	 * answers (GET /_ping); default 1000 ms (0, never, over ssh://). dockerd 20.10 keeps the stream open for 10–15 s
	 * while it shuts down, and a hung daemon forever: only asking tells it is gone.
	 */
	livenessMs?: number;
	/** How long that ask may go unanswered before the stream counts as lost; default 2500 ms. */
	pingTimeoutMs?: number;
}

export interface EventWatch {
	/** Ends the stream and every timer; nothing is reported afterwards. Safe to call twice. */
	close(): void;
	readonly state: StreamState | 'connecting' | 'closed';
}

/**
 * Follows the daemon's events until closed. A stream that ends or fails (the daemon restarted,
 * its socket went away) is reported `lost` and reopened by itself with a capped backoff, asking
 * the daemon to replay what it buffered since shortly before the last event seen (before any, since
 * the second the first stream opened, by the daemon's clock); replayed events already delivered
 * are dropped, so each event is delivered once. Callbacks run on the stream's own turn: one that
 * throws is the caller's bug and surfaces as such.
 */
export function watchEvents(engine: Engine, options: WatchOptions): EventWatch {
	const firstRetryMs = options.firstRetryMs ?? 250;
	const maxRetryMs = options.maxRetryMs ?? 5000;
	// Over ssh:// a fresh connection is a new ssh and its handshake: too dear once a second.
	const livenessMs = options.livenessMs ?? (engine.target.transport.kind === 'ssh' ? 0 : 1000);
	const pingTimeoutMs = options.pingTimeoutMs ?? 2500;
	const filters = JSON.stringify({type: [...(options.types ?? watchedTypes)]});
	const replay = new ReplayFilter();
	let state: EventWatch['state'] = 'connecting';
	let failures = 0;
	let retryTimer: NodeJS.Timeout | undefined;
	let request: AbortController | undefined;
	let connectedSince: string | undefined = options.since === undefined ? undefined : toSince(options.since);

	const report = (next: StreamState, info: StreamStateInfo) => {
		if (state === 'closed') {
			return;
		}

		state = next;
		options.onState?.(next, info);
	};

	const connect = async () => {
		const controller = new AbortController();
		request = controller;
		const since = replay.since() ?? connectedSince;
		let response: IncomingMessage;
		try {
			response = await engine.call('follow the event stream', async ({streams}) =>
				streams.getEvents({filters, ...(since === undefined ? {} : {since}), abortSignal: controller.signal}),
			);
		} catch (error) {
			if (!controller.signal.aborted) {
				lose(reasonOf(error));
			}

			return;
		}

		if (controller.signal.aborted) {
			response.destroy();
			return;
		}

		// The daemon's clock, not ours: where a replay starts when no event has been seen yet.
		connectedSince ??= sinceFromDate(response.headers.date);
		failures = 0;
		report('live', {});
		follow(response, controller);
	};

	const follow = (response: IncomingMessage, controller: AbortController) => {
		const lines = new LineSplitter();
		let ended = false;
		let quiet: NodeJS.Timeout | undefined;
		let ping: AbortController | undefined;
		const end = (reason: string) => {
			if (ended) {
				return;
			}

			ended = true;
			clearTimeout(quiet);
			ping?.abort();
			response.destroy();
			if (!controller.signal.aborted) {
				lose(reason);
			}
		};

		// One ping after each quiet second, none while events flow: the cost is one small request a second when idle.
		const check = async () => {
			// Events arriving while it asks must not start a second ask.
			quiet = undefined;
			ping = new AbortController();
			const timer = setTimeout(() => ping?.abort(), pingTimeoutMs);
			const answered = await answers(engine, ping.signal);
			clearTimeout(timer);
			if (ended) {
				return;
			}

			if (answered) {
				quiet = setTimeout(check, livenessMs);
			} else {
				end(notAnswering);
			}
		};

		if (livenessMs > 0) {
			quiet = setTimeout(check, livenessMs);
		}

		response.setEncoding('utf8');
		response.on('data', (chunk: string) => {
			quiet?.refresh();
			for (const line of lines.push(chunk)) {
				const event = parseEvent(line);
				if (event && state !== 'closed' && replay.accept(line, event.timeNano)) {
					options.onEvent(event);
				}
			}
		});
		// A daemon that stops cuts the stream mid-response: Node calls that `aborted`.
		response.on('error', error => end(error.message === 'aborted' ? closedByDaemon : reasonOf(error)));
		response.on('end', () => end(closedByDaemon));
		response.on('close', () => end(closedByDaemon));
	};

	const lose = (reason: string) => {
		if (state === 'closed') {
			return;
		}

		const retryInMs = retryDelay(failures++, {firstRetryMs, maxRetryMs});
		report('lost', {reason, retryInMs});
		retryTimer = setTimeout(() => {
			retryTimer = undefined;
			report('reconnecting', {attempt: failures, reason});
			void connect();
		}, retryInMs);
	};

	const close = () => {
		if (state === 'closed') {
			return;
		}

		state = 'closed';
		clearTimeout(retryTimer);
		retryTimer = undefined;
		request?.abort();
		options.signal?.removeEventListener('abort', close);
	};

	if (options.signal?.aborted) {
		state = 'closed';
	} else {
		options.signal?.addEventListener('abort', close, {once: true});
		void connect();
	}

	return {
		close,
		get state() {
			return state;
		},
	};
}

const closedByDaemon = 'the daemon closed the event stream';
const notAnswering = 'the daemon does not answer';

/**
 * Whether the daemon answers at all: any HTTP answer to /_ping counts (a proxy's 404 too), only a
 * connection that fails or stays silent does not. Asked on a fresh connection (a daemon shutting
 * down still answers on its kept-alive ones), outside Engine.call: it is no request of the
 * operator's, so it is neither counted nor written to the debug log once a second.
 */
async function answers(engine: Engine, signal: AbortSignal): Promise<boolean> {
	return engine.answers(signal);
}

/** Milliseconds to wait before attempt `failures + 1`: doubling from `firstRetryMs`, capped. */
export function retryDelay(failures: number, {firstRetryMs = 250, maxRetryMs = 5000}: {firstRetryMs?: number; maxRetryMs?: number} = {}): number {
	return Math.min(maxRetryMs, firstRetryMs * 2 ** Math.min(failures, 30));
}

const maxText = 512;
const maxAttributes = 32;

/** One line of the stream as an event; undefined for anything that is not one. */
export function parseEvent(line: string): EngineEvent | undefined {
	let raw: unknown;
	try {
		raw = JSON.parse(line);
	} catch {
		return undefined;
	}

	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
		return undefined;
	}

	const message = raw as {Type?: unknown; Action?: unknown; status?: unknown; id?: unknown; Actor?: {ID?: unknown; Attributes?: unknown}; time?: unknown};
	const type = text(message.Type);
	const action = text(message.Action ?? message.status);
	if (!type || !action) {
		return undefined;
	}

	const attributes: Record<string, string> = {};
	const rawAttributes = message.Actor?.Attributes;
	if (rawAttributes && typeof rawAttributes === 'object') {
		for (const [key, value] of Object.entries(rawAttributes).slice(0, maxAttributes)) {
			attributes[text(key)] = text(value);
		}
	}

	const id = text(message.Actor?.ID ?? message.id);
	// JSON numbers lose the last digits of a nanosecond timestamp; read them from the text.
	const timeNano = /"timeNano"\s*:\s*(\d{1,30})/.exec(line)?.[1] ?? (typeof message.time === 'number' ? `${Math.trunc(message.time)}000000000` : '0');
	return {
		type,
		action,
		id,
		name: attributes.name || id,
		time: Number(BigInt(timeNano) / 1_000_000n),
		timeNano,
		attributes,
	};
}

function text(value: unknown): string {
	return typeof value === 'string' || typeof value === 'number' ? safeText(value).slice(0, maxText) : '';
}

/** The API's `since`: seconds, with nanoseconds after the point. */
export function sinceFromNano(timeNano: bigint): string {
	const seconds = timeNano / 1_000_000_000n;
	const nanos = timeNano % 1_000_000_000n;
	return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}

function toSince(since: Date | string): string {
	return since instanceof Date ? sinceFromNano(BigInt(since.getTime()) * 1_000_000n) : since;
}

function sinceFromDate(header: string | undefined): string | undefined {
	const ms = header ? Date.parse(header) : Number.NaN;
	return Number.isFinite(ms) ? String(Math.floor(ms / 1000)) : undefined;
}

/**
 * Remembers what was delivered, so a replay after a reconnect delivers only what is new. The
 * daemon stamps an event before it publishes it, so two can arrive a hair out of order: the replay
 * starts a second before the last event seen, and lines already seen (the daemon sends an event
 * as the same bytes each time) are dropped.
 */
export class ReplayFilter {
	private readonly seen = new Map<string, bigint>();
	private latest?: bigint;

	constructor(private readonly windowNs = 1_000_000_000n) {}

	/** True for a line not delivered before. */
	accept(line: string, timeNano: string): boolean {
		if (this.seen.has(line)) {
			return false;
		}

		const time = BigInt(timeNano);
		this.seen.set(line, time);
		if (this.latest === undefined || time > this.latest) {
			this.latest = time;
			const oldest = time - 2n * this.windowNs;
			for (const [seenLine, seenTime] of this.seen) {
				if (seenTime < oldest) {
					this.seen.delete(seenLine);
				}
			}
		}

		return true;
	}

	/** Where a replay starts: a window before the last event seen; undefined before any. */
	since(): string | undefined {
		return this.latest === undefined ? undefined : sinceFromNano(this.latest > this.windowNs ? this.latest - this.windowNs : 0n);
	}
}

/** Splits a stream of text into lines; a line longer than `maxLine` is dropped, not kept growing. */
export class LineSplitter {
	private buffer = '';
	private skipping = false;

	constructor(private readonly maxLine = 1024 * 1024) {}

	push(chunk: string): string[] {
		const parts = (this.buffer + chunk).split('\n');
		this.buffer = parts.pop() ?? '';
		const lines: string[] = [];
		for (const part of parts) {
			if (this.skipping) {
				this.skipping = false;
			} else if (part.trim() !== '') {
				lines.push(part);
			}
		}

		if (this.buffer.length > this.maxLine) {
			this.buffer = '';
			this.skipping = true;
		}

		return lines;
	}
}

function reasonOf(error: unknown): string {
	if (error instanceof DaemonUnreachable) {
		return error.reason;
	}

	const cause = error as {code?: string; message?: string};
	return safeText(cause.message ?? cause.code ?? String(error)).slice(0, 200) || 'the event stream failed';
}

export interface EventBatcher {
	/** Adds one event; the batch is delivered `windowMs` after the first event of it. */
	push(event: EngineEvent): void;
	/** Delivers what is pending now, if anything. */
	flush(): void;
	/** Drops what is pending and stops the timer. */
	close(): void;
}

/**
 * Coalesces a burst into one callback: the first event starts a window, everything arriving in it
 * is delivered together when it ends. Not a debounce, so a steady stream still gets through.
 */
export function batchEvents(onBatch: (events: EngineEvent[]) => void, {windowMs = 100}: {windowMs?: number} = {}): EventBatcher {
	let pending: EngineEvent[] = [];
	let timer: NodeJS.Timeout | undefined;
	let closed = false;
	const flush = () => {
		clearTimeout(timer);
		timer = undefined;
		if (pending.length === 0) {
			return;
		}

		const batch = pending;
		pending = [];
		onBatch(batch);
	};

	return {
		push(event) {
			if (closed) {
				return;
			}

			pending.push(event);
			timer ??= setTimeout(flush, windowMs);
		},
		flush,
		close() {
			closed = true;
			clearTimeout(timer);
			timer = undefined;
			pending = [];
		},
	};
}
