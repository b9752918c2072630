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
	private session: Session | undefined;
	private unavailable = false;

	constructor(
		private readonly delayMs = 1000,
		/** The collection to run; the inspector's unless a test gives another. */
		private readonly collect?: () => void,
	) {}

	/** Something was drawn: collect once, `delayMs` after the last frame of a burst. */
	activity(): void {
		if (this.timer) {
			this.timer.refresh();
			return;
		}

		this.timer = setTimeout(() => {
			this.timer = undefined;
			(this.collect ?? this.shrinkingCollection)();
		}, this.delayMs);
		// A pending collection never keeps the process alive.
		this.timer.unref();
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
