import {EventEmitter} from 'node:events';

/**
 * Puts Ink's frames on the terminal ourselves, row by row at absolute positions: only rows that
 * changed are sent, inside one synchronized update, so moving a highlight costs two rows of
 * bytes over SSH and nothing flickers. (Ink 6.8's incremental writer moves the cursor relative
 * to where it thinks it is and lands one row low after any frame that ends in a newline.)
 *
 * Ink renders in debug mode into this object, which stands in for its stdout: Ink asks it for
 * the size, listens to it for resizes, and hands it each whole frame.
 */
const beginSync = '\u001B[?2026h';
const endSync = '\u001B[?2026l';
const eraseLineEnd = '\u001B[K';
const clearScreen = '\u001B[2J';
const moveTo = (row: number) => `\u001B[${row};1H`;

/** The bytes that turn the screen showing `previous` into one showing `next`. */
export function frameUpdate(previous: readonly string[], next: readonly string[], rows: number): string {
	let out = '';
	const height = Math.min(rows, Math.max(previous.length, next.length));
	for (let row = 0; row < height; row++) {
		const line = next[row] ?? '';
		if (line !== (previous[row] ?? '')) {
			out += moveTo(row + 1) + line + eraseLineEnd;
		}
	}

	return out;
}

export interface TerminalOut {
	write(data: string): unknown;
	columns?: number;
	rows?: number;
	on(event: 'resize', listener: () => void): unknown;
	off(event: 'resize', listener: () => void): unknown;
}

export class FrameWriter extends EventEmitter {
	private shown: string[] = [];
	private pending: string | undefined;
	private scheduled = false;
	/** Bytes sent to the terminal so far: the benchmark reads it. */
	bytesWritten = 0;

	constructor(private readonly terminal: TerminalOut) {
		super();
		terminal.on('resize', this.onResize);
	}

	get columns(): number {
		return this.terminal.columns || 80;
	}

	get rows(): number {
		return this.terminal.rows || 24;
	}

	/** Ink hands over a whole frame; several in one tick are drawn once, the last one. */
	write(frame: string): boolean {
		this.pending = frame;
		if (!this.scheduled) {
			this.scheduled = true;
			setImmediate(() => this.flush());
		}

		return true;
	}

	flush(): void {
		this.scheduled = false;
		if (this.pending === undefined) {
			return;
		}

		const next = this.pending.split('\n').slice(0, this.rows);
		this.pending = undefined;
		const update = frameUpdate(this.shown, next, this.rows);
		this.shown = next;
		if (update) {
			this.send(beginSync + update + endSync);
			this.emit('drawn');
		}
	}

	/** After a resize every row may have moved: clear, and draw the next frame whole. */
	private readonly onResize = () => {
		this.shown = [];
		this.send(clearScreen);
		this.emit('resize');
	};

	private send(data: string) {
		this.bytesWritten += Buffer.byteLength(data);
		this.terminal.write(data);
	}

	detach(): void {
		this.terminal.off('resize', this.onResize);
		this.flush();
	}
}
