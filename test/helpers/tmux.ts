import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {promisify} from 'node:util';

const run = promisify(execFile);

/**
 * The real kasm-tui in a real pseudo-terminal: a tmux server of the test's own (its own
 * socket), keys sent with send-keys, the screen read with capture-pane.
 */
export class TmuxScreen {
	private constructor(
		private readonly socket: string,
		readonly exitFile: string,
	) {}

	static async open(command: string[], options: {columns?: number; rows?: number; env?: Record<string, string>} = {}): Promise<TmuxScreen> {
		const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-tmux-'));
		const screen = new TmuxScreen(path.join(folder, 'tmux.sock'), path.join(folder, 'exit-code'));
		// CI=true would make Ink draw nothing interactive: the child gets a terminal's environment.
		const env = Object.entries({TERM: 'xterm-256color', ...options.env}).map(([key, value]) => `${key}=${shellQuote(value)}`);
		const script = `env -u CI ${env.join(' ')} ${command.map(part => shellQuote(part)).join(' ')}; echo $? > ${shellQuote(screen.exitFile)}; sleep 60`;
		await run('tmux', ['-S', screen.socket, '-f', '/dev/null', 'new-session', '-d', '-x', String(options.columns ?? 100), '-y', String(options.rows ?? 30), script]);
		return screen;
	}

	async capture(): Promise<string> {
		const {stdout} = await run('tmux', ['-S', this.socket, 'capture-pane', '-p']);
		return stdout;
	}

	async waitFor(ready: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		let screen = '';
		while (Date.now() < deadline) {
			screen = await this.capture().catch(() => screen);
			if (ready(screen)) {
				return screen;
			}

			await delay(50);
		}

		throw new Error(`the terminal never showed what was expected; it shows:\n${screen}`);
	}

	/** The screen with its escape sequences (colours), as the terminal received them. */
	async captureWithEscapes(): Promise<string> {
		const {stdout} = await run('tmux', ['-S', this.socket, 'capture-pane', '-e', '-p']);
		return stdout;
	}

	/** The window title, which an OSC 0 or 2 sequence drawn to the terminal would change. */
	async paneTitle(): Promise<string> {
		const {stdout} = await run('tmux', ['-S', this.socket, 'display-message', '-p', '#{pane_title}']);
		return stdout.trim();
	}

	/** Types text literally, one character at a time (tmux would read "Enter" in it as a key name). */
	async typeText(text: string): Promise<void> {
		for (const character of text) {
			await run('tmux', ['-S', this.socket, 'send-keys', '-l', character]);
		}
	}

	async keys(...keys: string[]): Promise<void> {
		for (const key of keys) {
			// A prompt is answered only by answerPrompt, which reads it first: nothing is accepted blindly.
			if (key === 'y' && /y go ahead/.test(await this.capture())) {
				throw new Error(`a prompt is on screen: answer it with answerPrompt, which asserts its title and body first:\n${await this.capture()}`);
			}

			await run('tmux', ['-S', this.socket, 'send-keys', key]);
		}
	}

	/**
	 * Answers a confirmation, but only after asserting what it says, as answerPrompt in frames.ts
	 * does for ink-testing-library: waits for the prompt, fails unless a row matches `title` and the
	 * screen (read as running text, borders left out) matches every `body` pattern, then presses `answer`.
	 */
	async answerPrompt(expected: {title: RegExp; body: RegExp[]}, answer: 'y' | 'n' | 'Escape', timeoutMs = 30_000): Promise<string> {
		const screen = await this.waitFor(text => /y go ahead/.test(text), timeoutMs);
		const rows = screen.split('\n');
		if (!rows.some(row => expected.title.test(row))) {
			throw new Error(`the prompt's title does not match ${expected.title}:\n${screen}`);
		}

		// Long lines wrap at spaces inside the prompt's box: read them as one text.
		const text = rows
			.map(row => row.replaceAll(/^[\s│┃║]+|[\s│┃║]+$/g, ''))
			.join(' ')
			.replaceAll(/\s+/g, ' ');
		for (const pattern of expected.body) {
			if (!pattern.test(text)) {
				throw new Error(`the prompt does not say ${pattern}:\n${screen}`);
			}
		}

		await run('tmux', ['-S', this.socket, 'send-keys', answer]);
		return screen;
	}

	/** Moves a picker's cursor (❯) down to the first row that matches, and waits until it is there. */
	async pickRow(row: RegExp): Promise<void> {
		const rows = (await this.capture()).split('\n');
		const target = rows.findIndex(text => row.test(text));
		if (target === -1) {
			throw new Error(`no row of the picker matches ${row}:\n${rows.join('\n')}`);
		}

		for (let step = rows.findIndex(text => text.includes('❯')); step < target; step++) {
			await this.keys('Down');
		}

		await this.waitFor(text => text.split('\n').some(line => line.includes('❯') && row.test(line)));
	}

	async resize(columns: number, rows: number): Promise<void> {
		await run('tmux', ['-S', this.socket, 'resize-window', '-x', String(columns), '-y', String(rows)]);
	}

	/** The exit code once the program has ended. */
	async exitCode(timeoutMs = 10_000): Promise<number> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (fs.existsSync(this.exitFile) && fs.readFileSync(this.exitFile, 'utf8').trim() !== '') {
				return Number(fs.readFileSync(this.exitFile, 'utf8').trim());
			}

			await delay(50);
		}

		throw new Error('the program did not exit');
	}

	async close(): Promise<void> {
		await run('tmux', ['-S', this.socket, 'kill-server']).catch(() => {});
		fs.rmSync(path.dirname(this.socket), {recursive: true, force: true});
	}
}

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", "'\\''")}'`;
}
