import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import {StringDecoder} from 'node:string_decoder';
import {childrenOf, commandLine} from './proc.js';

const beginSync = '\u001B[?2026h';
const endSync = '\u001B[?2026l';
const sgrOrControl = /\u001B\[[\d;?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g;

export interface Frame {
	/** ms since spawn when the frame's closing \x1b[?2026l arrived. */
	at: number;
	/** Bytes of this synchronized update, its opening and closing sequences included. */
	bytes: number;
	/** Rows it rewrote (one cursor move per row). */
	rows: number;
}

/**
 * A program in a pseudo-terminal without native modules: util-linux `script` owns the pty (its
 * stdout carries what the program draws, its stdin is what we type), the size is set with
 * `stty` before the program is exec'd in the same process. The byte stream is replayed on a
 * model of the screen: FrameWriter sends rows at absolute positions (`\x1b[R;1H` … `\x1b[K`)
 * inside synchronized updates, so each update ending is a frame and `rows` is what a terminal
 * would show, escape sequences removed.
 */
export class PtyScreen {
	/** Every `script` and program process any PtyScreen started, to prove none outlives the run. */
	static readonly started: number[] = [];
	readonly rows: string[] = [];
	readonly frames: Frame[] = [];
	/** Every byte the pty sent, all sequences included. */
	bytesReceived = 0;
	lastDataAt = 0;
	/** Raw text, escape sequences included (for diagnostics and the first-bytes check). */
	private stream = '';
	private parsed = 0;
	private readonly decoder = new StringDecoder('utf8');
	private readonly waiters = new Set<() => void>();
	private exited?: number | null;
	private program?: number;
	private readonly exitPromise: Promise<number | null>;

	/** The spawn on the monotonic clock in µs: the clock of a child's --cpu-prof timestamps. */
	readonly beganMonotonicUs = Number(process.hrtime.bigint() / 1000n);

	private constructor(
		readonly child: ChildProcessWithoutNullStreams,
		readonly began: number,
	) {
		PtyScreen.started.push(child.pid!);
		child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
		child.stderr.resume();
		this.exitPromise = new Promise(resolve =>
			child.on('close', code => {
				this.exited = code;
				this.wake();
				resolve(code);
			}),
		);
	}

	/** Starts `command` (argv) in a pty of `columns`×`rows`; `env` replaces the environment. */
	static open(command: string[], options: {columns: number; rows: number; env: NodeJS.ProcessEnv}): PtyScreen {
		const shell = `stty rows ${options.rows} cols ${options.columns} && exec ${command.map(part => shellQuote(part)).join(' ')}`;
		const began = performance.now();
		const child = spawn('script', ['-qfec', shell, '/dev/null'], {env: {...options.env, SHELL: '/bin/sh'}, stdio: ['pipe', 'pipe', 'pipe']});
		return new PtyScreen(child, began);
	}

	get text(): string {
		return this.rows.join('\n');
	}

	/** Everything received so far, escape sequences included. */
	get raw(): string {
		return this.stream;
	}

	/** ms since spawn. */
	now(): number {
		return performance.now() - this.began;
	}

	/** The program itself: the child of `script` (the shell exec'd it, so it is the direct child). */
	programPid(needle: string): number | undefined {
		return childrenOf(this.child.pid!).find(pid => commandLine(pid).includes(needle));
	}

	/** Resolves when `ready(this)` holds, checked after every frame and every chunk of bytes. */
	async waitFor(ready: (screen: PtyScreen) => boolean, timeoutMs: number, what: string): Promise<void> {
		const deadline = performance.now() + timeoutMs;
		while (!ready(this)) {
			if (this.exited !== undefined) {
				throw new Error(`the program exited (${this.exited}) before ${what}; the screen shows:\n${this.text}\n(last bytes: ${JSON.stringify(this.stream.slice(-300))})`);
			}

			const left = deadline - performance.now();
			if (left <= 0) {
				throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen shows:\n${this.text}`);
			}

			await this.nextEvent(left);
		}
	}

	/** Resolves once nothing has arrived for `quietMs` (after at most `timeoutMs`); the time of the last byte. */
	async waitQuiet(quietMs: number, timeoutMs: number): Promise<number> {
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			const silent = this.now() - this.lastDataAt;
			if (silent >= quietMs || performance.now() >= deadline) {
				return this.lastDataAt;
			}

			await this.nextEvent(Math.min(quietMs - silent, deadline - performance.now()));
		}
	}

	/** Types `key` and resolves at the end of the next synchronized update: its latency and what it cost. */
	async press(key: string, timeoutMs = 5000): Promise<{ms: number; bytes: number}> {
		const frameCount = this.frames.length;
		const bytesBefore = this.bytesReceived;
		const sent = this.now();
		this.child.stdin.write(key);
		await this.waitFor(screen => screen.frames.length > frameCount, timeoutMs, `a frame after the key ${JSON.stringify(key)}`);
		const frame = this.frames[frameCount]!;
		return {ms: frame.at - sent, bytes: this.bytesReceived - bytesBefore};
	}

	type(text: string): void {
		this.child.stdin.write(text);
	}

	/** Resolves with the exit code, or undefined when it did not end in time. */
	async exit(timeoutMs: number): Promise<number | null | undefined> {
		let timer: NodeJS.Timeout | undefined;
		const result = await Promise.race([this.exitPromise, new Promise<undefined>(resolve => (timer = setTimeout(() => resolve(undefined), timeoutMs)))]);
		clearTimeout(timer);
		return result;
	}

	get hasExited(): boolean {
		return this.exited !== undefined;
	}

	/** Ends the program and `script` by process id, if they still run. */
	async kill(needle: string): Promise<void> {
		// Only a process that still is ours (its command line names the program): a pid may be reused.
		const program = [this.programPid(needle), this.program].find(pid => pid !== undefined && commandLine(pid).includes(needle));
		if (program) {
			try {
				process.kill(program, 'SIGKILL');
			} catch {}
		}

		if (this.exited !== undefined) {
			return;
		}

		if ((await this.exit(2000)) === undefined) {
			this.child.kill('SIGKILL');
			await this.exit(2000);
		}
	}

	private onData(chunk: Buffer) {
		const at = this.now();
		if (this.bytesReceived === 0) {
			// The first bytes come from the program, so the shell has exec'd it by now: remember its pid
			// while `script` is there to ask, so it can be ended even if `script` dies first (ctrl-c).
			this.program = childrenOf(this.child.pid!)[0];
			PtyScreen.started.push(...(this.program ? [this.program] : []));
		}

		this.lastDataAt = at;
		this.bytesReceived += chunk.length;
		this.stream += this.decoder.write(chunk);
		for (;;) {
			const end = this.stream.indexOf(endSync, this.parsed);
			if (end < 0) {
				break;
			}

			const update = this.stream.slice(this.parsed, end + endSync.length);
			this.parsed = end + endSync.length;
			const body = update.slice(Math.max(0, update.lastIndexOf(beginSync)));
			this.apply(update);
			this.frames.push({at, bytes: Buffer.byteLength(body), rows: body.match(/\u001B\[\d+;\d+H/g)?.length ?? 0});
		}

		this.wake();
	}

	/** Applies one update to the screen model. */
	private apply(update: string) {
		const body = update.slice(Math.max(0, update.lastIndexOf(beginSync)));
		if (update.includes('\u001B[2J')) {
			this.rows.length = 0;
		}

		const parts = body.split(/\u001B\[(\d+);\d+H/);
		// parts: [before, row, content, row, content, …]
		for (let index = 1; index + 1 < parts.length; index += 2) {
			const row = Number(parts[index]) - 1;
			const content = parts[index + 1]!.split('\u001B[K')[0]!;
			while (this.rows.length <= row) {
				this.rows.push('');
			}

			this.rows[row] = content.replaceAll(sgrOrControl, '');
		}
	}

	private nextEvent(timeoutMs: number): Promise<void> {
		return new Promise(resolve => {
			const timer = setTimeout(() => {
				this.waiters.delete(done);
				resolve();
			}, Math.max(1, timeoutMs));
			const done = () => {
				clearTimeout(timer);
				resolve();
			};

			this.waiters.add(done);
		});
	}

	private wake() {
		const waiting = [...this.waiters];
		this.waiters.clear();
		for (const done of waiting) {
			done();
		}
	}
}

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", "'\\''")}'`;
}
