import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/**
 * The kasm-tui under test, as the start of an argv: `node dist/cli.js`, or the single executable
 * that KASM_TUI_BIN names (`npm run package`), so the same tests run on both builds.
 */
export const kasmTuiCommand: readonly string[] = process.env.KASM_TUI_BIN ? [path.resolve(process.env.KASM_TUI_BIN)] : [process.execPath, cliPath];
/** The file whose path is in the command line of every kasm-tui process a test starts. */
export const kasmTuiProgram = kasmTuiCommand.at(-1)!;

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/**
 * Listing plugins writes `observed` history: tests keep it in a folder of their own, never in
 * the machine's /var/lib/kasm-tui. Removed when the test process exits.
 */
export const testLedgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-test-ledger-'));
/** Settings likewise: never the machine's ~/.config/kasm-tui. */
export const testConfigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-test-config-'));
process.on('exit', () => {
	fs.rmSync(testLedgerDir, {recursive: true, force: true});
	fs.rmSync(testConfigDir, {recursive: true, force: true});
});

/** Runs the built `kasm-tui` as an operator would, with no terminal. */
export function runCli(args: string[], options: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number} = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(kasmTuiCommand[0]!, [...kasmTuiCommand.slice(1), ...args], {
			env: {...process.env, DOCKER_HOST: '', DOCKER_CONTEXT: '', KASM_TUI_LEDGER_DIR: testLedgerDir, KASM_TUI_CONFIG_DIR: testConfigDir, ...options.env},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code, stdout, stderr});
		});
		child.stdin.end(options.input ?? '');
	});
}

/**
 * Runs the built `kasm-tui` with no terminal and sends it SIGINT (ctrl-c) as soon as its standard
 * error says `when` (e.g. `[2/3]`, a step beginning), as an operator interrupting a change would.
 */
export function runCliInterrupted(args: string[], when: string): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(kasmTuiCommand[0]!, [...kasmTuiCommand.slice(1), ...args], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, DOCKER_HOST: '', DOCKER_CONTEXT: '', KASM_TUI_LEDGER_DIR: testLedgerDir, KASM_TUI_CONFIG_DIR: testConfigDir},
		});
		let stdout = '';
		let stderr = '';
		let sent = false;
		child.stdout.on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.on('data', chunk => {
			stderr += chunk;
			if (!sent && stderr.includes(when)) {
				sent = true;
				child.kill('SIGINT');
			}
		});
		child.on('error', reject);
		child.on('close', code => resolve({code, stdout, stderr}));
	});
}

export interface WatchedRun extends CliResult {
	signal: NodeJS.Signals | null;
	/** When it exited (Date.now()). */
	endedAt: number;
}

/**
 * Runs the built `kasm-tui` with no terminal, calling `onLine` with each line of its standard
 * error as it comes (to act mid-run: freeze a host, send ctrl-c); killed after `timeoutMs`.
 */
export function runCliWatching(
	args: string[],
	{env, onLine, timeoutMs = 180_000}: {env?: NodeJS.ProcessEnv; onLine: (line: string, child: ReturnType<typeof spawn>) => void; timeoutMs?: number},
): Promise<WatchedRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(kasmTuiCommand[0]!, [...kasmTuiCommand.slice(1), ...args], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, DOCKER_HOST: '', DOCKER_CONTEXT: '', KASM_TUI_LEDGER_DIR: testLedgerDir, KASM_TUI_CONFIG_DIR: testConfigDir, ...env},
		});
		let stdout = '';
		let stderr = '';
		let pending = '';
		child.stdout.on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.on('data', chunk => {
			stderr += chunk;
			pending += chunk;
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) {
				onLine(line, child);
			}
		});
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr, endedAt: Date.now()});
		});
	});
}
