import http from 'node:http';
import type {Duplex} from 'node:stream';
import {BadInput, DaemonUnreachable} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from './target.js';

/**
 * node:net as require gives it: an ES import of a built-in reads every export, which loads what
 * Node keeps lazy behind them (BlockList, SocketAddress), compiled afresh by Debian's Node 20 at each start.
 */
const net = process.getBuiltinModule('node:net') as typeof import('node:net');

/**
 * Our own connections to a daemon, which dockerode (docker-modem) sends its requests on: an
 * http.Agent per daemon that opens a unix socket, a tcp (TLS) connection or the operator's ssh
 * (ssh.ts). docker-modem is handed the agent and a socket path it never opens itself, so it
 * neither reads DOCKER_HOST nor parses URLs: the agent decides where a connection goes.
 */

/**
 * How long a read (a GET that is not a stream) waits for the daemon before it is given up:
 * a daemon that accepts and never answers must not hang a command or a screen. A single host's
 * changes and streams have no such limit (the daemon bounds its own plugin operations); a fleet's
 * have the step deadline (stepTimeoutMs). KASM_TUI_API_TIMEOUT, in seconds.
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

/** TLS files (ca.pem, cert.pem, key.pem) that node cannot use: a copy gone wrong, a key for another certificate. */
export class TlsFilesUnusable extends DaemonUnreachable {
	override name = 'TlsFilesUnusable';
	constructor(address: string, cause: string) {
		super(address, `its TLS files cannot be used (${cause}): check ca.pem, cert.pem and key.pem`);
		this.message = `cannot use the TLS files for ${address} (${cause}): check ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH, or the docker context's TLS folder)`;
	}
}

/**
 * A change that made no progress for the whole step deadline: the daemon said nothing, or
 * (`stalled`) only the same progress line again and again (a pull whose registry stopped sending).
 */
export class StepTimeout extends Error {
	override name = 'StepTimeout';
	constructor(
		readonly ms: number,
		readonly stalled = false,
	) {
		super(stalled ? `no progress for ${ms / 1000} s` : `no word from the daemon for ${ms / 1000} s`);
	}
}

/** How long a fleet's change step may go without a word from its host: --step-timeout, default 120 s. */
export const defaultStepTimeoutMs = 120_000;

/** An answer whose connection closed before all of it came (docker-modem would wait for it forever). */
export class AnswerCutShort extends Error {
	override name = 'AnswerCutShort';
	constructor() {
		super('the answer was cut short');
	}
}

/** Errors of a request that failed on a kept connection before any answer came. */
const staleConnections = new WeakSet<object>();

/**
 * A request that failed on a connection kept from an earlier one, before any answer: the
 * connection had died while idle (an ssh that was ended, a daemon restarted) and was handed out
 * once more before its end was seen. Nothing reached the daemon, so a read may be asked again.
 */
export function failedOnStaleConnection(error: unknown): boolean {
	return typeof error === 'object' && error !== null && staleConnections.has(error);
}

type AddRequest = (request: http.ClientRequest, options: unknown) => void;
const addRequest = (http.Agent.prototype as unknown as {addRequest: AddRequest}).addRequest;

/**
 * The agent every request to one daemon goes through. Besides making the connection it watches
 * each request, which docker-modem does not let us reach: it marks a failure on a kept connection
 * (failedOnStaleConnection), and it fails a request whose answer is cut short, where docker-modem
 * would otherwise wait for an `end` that never comes.
 */
export class EngineAgent extends http.Agent {
	constructor(options: http.AgentOptions, connect?: () => Duplex) {
		// No TLS on the request itself, so no server name: without one, node:http would work one
		// out per request with net.isIP, whose IPv6 pattern costs ~5 ms to compile on a command's
		// first request. A TLS connection gets its server name from `connect`.
		super({...options, servername: ''} as http.AgentOptions);
		if (connect) {
			this.createConnection = connect as unknown as typeof this.createConnection;
		}
	}

	addRequest(request: http.ClientRequest, options: unknown): void {
		let answered = false;
		request.once('response', (response: http.IncomingMessage) => {
			answered = true;
			response.once('close', () => {
				if (!response.complete) {
					// docker-modem listens for the request's errors only; one that already ended ignores this.
					request.emit('error', new AnswerCutShort());
				}
			});
		});
		request.on('error', error => {
			if (request.reusedSocket && !answered) {
				staleConnections.add(error);
			}
		});
		addRequest.call(this, request, options);
	}
}

/** The agents of one daemon: what docker-modem is handed, one per kind of connection. */
export interface Connections {
	/** Requests, on connections kept between them (over ssh: one ssh process, one request at a time). */
	requests: EngineAgent;
	/** Streams (events, pull progress), which hold their connection while they run: over ssh, an ssh each. */
	streams: EngineAgent;
	/** A connection of its own, never kept: a daemon shutting down still answers on kept ones. */
	fresh: EngineAgent;
	/** What docker-modem is told it connects to; the agents make the real connection. */
	socketPath: string;
	/** Ends every connection and what is under way on them; later requests open new ones. */
	close(): void;
}

/** As node's global agent keeps them: the newest free connection first, dropped after 5 s idle. */
const kept: http.AgentOptions = {keepAlive: true, scheduling: 'lifo', timeout: 5000};

export async function openConnections(target: EngineTarget, timeoutMs: number): Promise<Connections> {
	const {transport} = target;
	const agents = (requests: EngineAgent, streams: EngineAgent, fresh: EngineAgent, socketPath: string): Connections => ({
		requests,
		streams,
		fresh,
		socketPath,
		close() {
			for (const agent of new Set([requests, streams, fresh])) {
				agent.destroy();
			}
		},
	});
	switch (transport.kind) {
		case 'unix': {
			// node's own connection to `socketPath` (the agent reads it from the request); a stream
			// holds a kept connection while it runs, which is closed with it.
			const requests = new EngineAgent(kept);
			return agents(requests, requests, new EngineAgent({keepAlive: false}), transport.socketPath);
		}

		case 'tcp': {
			const {host, port} = transport;
			if (!transport.tls) {
				const connect = () => net.connect({host, port});
				const requests = new EngineAgent(kept, connect);
				return agents(requests, requests, new EngineAgent({keepAlive: false}, connect), target.address);
			}

			const tls = await import('node:tls');
			// One secure context for every connection to the daemon: made per connection (node's
			// default, from ca/cert/key) it parsed the certificates again each time, ~20 ms of CPU.
			let secureContext: import('node:tls').SecureContext;
			try {
				secureContext = tls.createSecureContext({ca: transport.tls.ca, cert: transport.tls.cert, key: transport.tls.key});
			} catch (error) {
				// That host's failure, in a line: a fleet's other hosts go on.
				throw new TlsFilesUnusable(target.address, safeText((error as Error).message).slice(0, 120));
			}

			const rejectUnauthorized = transport.tls.verify;
			// The certificate is checked against the address's host, as the docker CLI does; an IP
			// address is no server name (RFC 6066), and is then what the certificate must name.
			const servername = net.isIP(host) ? undefined : host;
			const connect = () => tls.connect({host, port, servername, secureContext, rejectUnauthorized});
			const requests = new EngineAgent(kept, connect);
			return agents(requests, requests, new EngineAgent({keepAlive: false}, connect), target.address);
		}

		case 'ssh': {
			const {SshAgent} = await import('./ssh.js');
			const agent = new SshAgent(target.address, transport, {connectTimeoutSeconds: Math.min(30, timeoutMs / 1000)});
			// A fresh connection over ssh is a new ssh, as a stream's is.
			return agents(agent, agent.streams, agent.streams, target.address);
		}
	}
}

/**
 * Runs a read with a deadline: `run` gets the signal to hand its request (dockerode's
 * `abortSignal`), which ends it, connect included, once `ms` have passed; it then fails with
 * ReadTimeout, whatever the request said as it was cut off. The clock starts once the request is
 * on its way (after this turn), as the socket timeout it replaces did: a caller's own deadline of
 * the same length (a fleet's host pool), started as it asks, is the one that reports.
 */
export async function withDeadline<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const controller = new AbortController();
	let timer: NodeJS.Timeout | undefined;
	const arming = setImmediate(() => {
		timer = setTimeout(() => controller.abort(new ReadTimeout(ms)), ms);
	});
	try {
		return await run(controller.signal);
	} catch (error) {
		throw controller.signal.aborted ? (controller.signal.reason as ReadTimeout) : error;
	} finally {
		clearImmediate(arming);
		clearTimeout(timer);
	}
}

/**
 * A deadline that each sign of life moves back: a pull that keeps reporting progress is alive, a
 * silent one is not. `shorten` brings it closer (ctrl-c: a host that says nothing is not waited
 * for), counted from the last sign of life.
 */
export class Watchdog {
	readonly controller = new AbortController();
	private lastAlive = performance.now();
	/** Something came since the last sign of life, none of it new (a progress line repeated). */
	private stirred = false;
	private timer?: NodeJS.Timeout;

	constructor(private ms: number) {
		this.arm();
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	alive(): void {
		this.lastAlive = performance.now();
		this.stirred = false;
		this.arm();
	}

	/** Something came that says nothing new: not life, but the deadline says so if it passes. */
	stir(): void {
		this.stirred = true;
	}

	shorten(ms: number): void {
		if (ms < this.ms) {
			this.ms = ms;
			this.arm();
		}
	}

	stop(): void {
		clearTimeout(this.timer);
	}

	private arm(): void {
		clearTimeout(this.timer);
		if (this.controller.signal.aborted) {
			return;
		}

		const left = Math.max(0, this.lastAlive + this.ms - performance.now());
		this.timer = setTimeout(() => this.controller.abort(new StepTimeout(this.ms, this.stirred)), left);
	}
}
