import {createRequire} from 'node:module';
import type {Session} from 'node:inspector';

/**
 * Gives memory back once the screen goes quiet. V8 sizes its heap for throughput: while keys
 * come, its young generation grows to its largest and garbage piles up in the old one (~35 MiB
 * more RSS over 1,000 keys, with 13 MiB live), and with no full collection its memory reducer
 * never starts, so that RSS stayed for good once the operator stopped typing. A second after
 * the last frame of a burst, one collection that also shrinks the heap hands it back to the
 * system; a screen that draws nothing runs none, so idle CPU stays at zero.
 *
 * The shrinking collection is the one the inspector protocol asks V8 for (a plain `gc()` frees
 * the garbage but keeps the pages), over an in-process session that never opens a port.
 */
export class IdleCollector {
	private timer: NodeJS.Timeout | undefined;
	private lastActivity = 0;
	private session: Session | undefined;
	private unavailable = false;

	constructor(
		private readonly delayMs = 1000,
		/** The collection to run; the inspector's unless a test gives another. */
		private readonly collect?: () => void,
	) {}

	/** Something was drawn: collect once, `delayMs` after the last frame of a burst. */
	activity(): void {
		this.lastActivity = Date.now();
		this.timer ??= this.waitFor(this.delayMs);
	}

	/** One timer per quiet period, not one per frame: when it fires early (frames came since), it waits the rest. */
	private waitFor(ms: number): NodeJS.Timeout {
		const timer = setTimeout(() => {
			const left = this.lastActivity + this.delayMs - Date.now();
			if (left > 0) {
				this.timer = this.waitFor(left);
				return;
			}

			this.timer = undefined;
			(this.collect ?? this.shrinkingCollection)();
		}, ms);
		// A pending collection never keeps the process alive.
		timer.unref();
		return timer;
	}

	stop(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		// Never from inside a post callback: Node hangs when a session disconnects there.
		this.session?.disconnect();
		this.session = undefined;
	}

	private readonly shrinkingCollection = () => {
		if (this.unavailable) {
			return;
		}

		try {
			if (!this.session) {
				// Loaded on first use: most runs of the screen are short, and node:inspector costs a few ms.
				const {Session} = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
				this.session = new Session();
				this.session.connect();
			}

			this.session.post('HeapProfiler.collectGarbage', () => {});
		} catch {
			// A Node built without the inspector: V8 then collects as it sees fit.
			this.unavailable = true;
		}
	};
}
