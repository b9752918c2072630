import {Engine} from '../docker/engine.js';
import {defaultStepTimeoutMs, fleetTimeoutMs} from '../docker/transport.js';
import {DaemonUnreachable, KasmTuiError} from '../errors.js';
import {safeText} from '../text.js';
import type {FleetHost} from './selection.js';

/**
 * The host pool: every connection a fleet command or the fleet screen makes to its hosts goes
 * through one. It bounds how many hosts connect at once (--parallel: a hundred ssh handshakes
 * through one jump host trip sshd's MaxStartups), gives every host the same deadlines (a read's,
 * and a change step's that progress moves back), says which hosts have gone silent, and closes
 * every connection (each ssh process) at the end. A host that cannot be opened fails alone.
 */

export interface HostPoolOptions {
	/** Hosts connecting at once (--parallel); default 16. */
	parallel?: number;
	/** How long a read may wait for a host: KASM_TUI_API_TIMEOUT, else 10 s. */
	readTimeoutMs?: number;
	/** How long a change step may go without a word from its host (--step-timeout); default 120 s. */
	stepTimeoutMs?: number;
}

export const defaultParallel = 16;

/**
 * Rejects once `ms` have passed, running `onLate` first (to cut what is still under way); the
 * reason names `saidMs`, the whole deadline, when `ms` is what is left of it.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, address: string, onLate: () => void, saidMs = ms): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => {
			onLate();
			reject(new DaemonUnreachable(address, `no answer within ${saidMs / 1000} s`));
		}, ms);
	});
	try {
		return await Promise.race([work, late]);
	} finally {
		clearTimeout(timer);
	}
}

/** A host's failure in a few words: the transport's reason, or the error's one line. */
export function unreachableReason(error: unknown): string {
	if (error instanceof DaemonUnreachable) {
		return error.reason;
	}

	return error instanceof KasmTuiError ? error.message : `unexpected: ${safeText((error as Error)?.message ?? error).slice(0, 200)}`;
}

/**
 * When a silent host is said again: after `afterMs`, twice that, four and six times that, then
 * every six times that (5 s: at 5, 10, 20, 30, 60, 90… s), so a long wait is a few lines, not one a second.
 */
export function silenceMark(silentMs: number, afterMs: number): number {
	if (silentMs < afterMs) {
		return 0;
	}

	const steps = [1, 2, 4, 6];
	const multiple = silentMs / afterMs;
	const step = multiple < 6 ? steps.filter(candidate => candidate <= multiple).at(-1)! : Math.floor(multiple / 6) * 6;
	return step * afterMs;
}

export class HostPool {
	readonly parallel: number;
	readonly readTimeoutMs: number;
	readonly stepTimeoutMs: number;
	/** The most hosts that were connecting at one moment: what --parallel bounds (the bench and --debug say it). */
	mostConnecting = 0;
	private connectingNow = 0;
	private readonly engines = new Map<string, Engine>();
	/** When each host's read deadline ends: it starts as the host gets its slot, so connecting counts. */
	private readonly readEnds = new Map<string, number>();
	private readonly connected = new Map<string, Promise<Engine>>();
	private readonly waitingForSlot: Array<() => void> = [];
	/** Reads and pulls under way on each host (hold/release): its connections end when the last is done. */
	private readonly holders = new Map<string, number>();
	private hurriedMs?: number;
	private closed = false;

	constructor(options: HostPoolOptions = {}) {
		this.parallel = options.parallel ?? defaultParallel;
		this.readTimeoutMs = options.readTimeoutMs ?? fleetTimeoutMs();
		this.stepTimeoutMs = options.stepTimeoutMs ?? defaultStepTimeoutMs;
	}

	/**
	 * The host's engine once it has answered (its API version, or a ping when it was reached
	 * before): at most `parallel` hosts are at this stage at once, each within the read deadline.
	 * Asked again while connected, the same engine. Throws that host's failure, typed.
	 */
	async connect(host: FleetHost): Promise<Engine> {
		let pending = this.connected.get(host.name);
		if (!pending) {
			pending = this.open(host);
			this.connected.set(host.name, pending);
			const mine = pending;
			pending.catch(() => {
				if (this.connected.get(host.name) === mine) {
					this.connected.delete(host.name);
				}
			});
		}

		return pending;
	}

	/**
	 * The host's engine, held until `release`: two pieces of work on one host (the fleet screen's
	 * plugins and images reads, a pull) do not end each other's connections when one is done.
	 */
	async hold(host: FleetHost): Promise<Engine> {
		this.holders.set(host.name, (this.holders.get(host.name) ?? 0) + 1);
		return this.connect(host);
	}

	/** Done with a held host: its connections end once nothing else holds it. */
	release(host: FleetHost): void {
		const left = (this.holders.get(host.name) ?? 1) - 1;
		if (left > 0) {
			this.holders.set(host.name, left);
			return;
		}

		this.holders.delete(host.name);
		this.disconnect(host);
	}

	/** Ends the host's connections (its ssh processes); its engine is kept, and connect reaches it again. */
	disconnect(host: FleetHost | string): void {
		const name = typeof host === 'string' ? host : host.name;
		this.connected.delete(name);
		this.engines.get(name)?.close();
	}

	/**
	 * What is left of a read's deadline, one deadline for connecting and reading: it began when the
	 * host got its slot for this read, or at `since` (when the read began) if it was connected already.
	 */
	readTimeLeft(host: FleetHost, since: number): number {
		const end = Math.max(this.readEnds.get(host.name) ?? 0, since + this.readTimeoutMs);
		return Math.max(0, end - performance.now());
	}

	/** The engine of a host connected before, if any: for what reads how it is doing (silence). */
	engineOf(name: string): Engine | undefined {
		return this.engines.get(name);
	}

	/**
	 * ctrl-c: every change under way may go `ms` more without a word from its host, no longer;
	 * hosts connected later get the same, until calm().
	 */
	hurry(ms: number): void {
		this.hurriedMs = Math.min(this.hurriedMs ?? ms, ms);
		for (const engine of this.engines.values()) {
			engine.hurry(ms);
		}
	}

	/** The rollout ctrl-c cut short is over: steps get --step-timeout again (the fleet screen's next rollout). */
	calm(): void {
		this.hurriedMs = undefined;
		for (const engine of this.engines.values()) {
			engine.calm();
		}
	}

	/**
	 * Calls `onSilent` for each host that owes an answer and has said nothing new for `afterMs` (a
	 * few seconds), and again at the marks of silenceMark; `stalled` when it talks without
	 * progressing (a download that stalls). Returns the stop.
	 */
	watchSilence(onSilent: (host: string, silentMs: number, stalled: boolean) => void, {afterMs = 5000}: {afterMs?: number} = {}): () => void {
		const said = new Map<string, number>();
		const timer = setInterval(
			() => {
				for (const [name, engine] of this.engines) {
					const mark = silenceMark(engine.silentForMs(), afterMs);
					if (mark === 0) {
						said.delete(name);
					} else if (mark > (said.get(name) ?? 0)) {
						said.set(name, mark);
						onSilent(name, mark, engine.stalled());
					}
				}
			},
			Math.min(1000, afterMs / 4),
		);
		timer.unref();
		return () => clearInterval(timer);
	}

	/** Every host's connections end, and no host connects after: at the end of a run, on ctrl-c, on quit. */
	close(): void {
		this.closed = true;
		for (const name of this.engines.keys()) {
			this.disconnect(name);
		}

		// Each one waiting gets a slot of its own, and fails at once: nothing connects after the end.
		for (const wake of this.waitingForSlot.splice(0)) {
			this.connectingNow++;
			wake();
		}
	}

	private async open(host: FleetHost): Promise<Engine> {
		await this.slot();
		this.readEnds.set(host.name, performance.now() + this.readTimeoutMs);
		try {
			if (this.closed) {
				throw new DaemonUnreachable(host.target.address, 'not connected: kasm-tui is ending');
			}

			const known = this.engines.get(host.name);
			let opened: Engine | undefined = known;
			const reaching = (async () => {
				opened ??= await Engine.open(host.target, {timeoutMs: this.readTimeoutMs, stepTimeoutMs: this.stepTimeoutMs});
				if (this.hurriedMs !== undefined) {
					opened.hurry(this.hurriedMs);
				}

				this.engines.set(host.name, opened);
				// A new engine agrees its API version and asks the version every reading wants; a known one pings.
				await (known ? opened.reach() : opened.version());
				return opened;
			})();
			return await withDeadline(reaching, this.readTimeoutMs, host.target.address, () => opened?.close());
		} finally {
			this.freeSlot();
		}
	}

	/** A slot for connecting: taken at once while fewer than `parallel` hosts connect, else handed over by one that is done. */
	private async slot(): Promise<void> {
		if (this.connectingNow < this.parallel || this.closed) {
			this.connectingNow++;
			this.mostConnecting = Math.max(this.mostConnecting, this.connectingNow);
			return;
		}

		await new Promise<void>(resolve => {
			this.waitingForSlot.push(resolve);
		});
	}

	private freeSlot(): void {
		const next = this.waitingForSlot.shift();
		if (next) {
			next();
		} else {
			this.connectingNow--;
		}
	}
}
