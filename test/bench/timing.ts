import {spawn} from 'node:child_process';
import {performance} from 'node:perf_hooks';

export interface Stats {
	runs: number;
	median: number;
	p95: number;
	min: number;
	max: number;
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) {
		return Number.NaN;
	}

	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function stats(values: readonly number[]): Stats {
	return {runs: values.length, median: median(values), p95: percentile(values, 95), min: Math.min(...values), max: Math.max(...values)};
}

export interface Command {
	label: string;
	file: string;
	args: string[];
	env?: NodeJS.ProcessEnv;
	/** Checks the output of a run (e.g. it lists every plugin); a run that fails it aborts the benchmark. */
	check?: (stdout: string) => void;
}

/** Whole-process wall time in ms: from spawn to exit with every output read. Throws if it fails. */
export async function timeOnce(command: Command): Promise<{ms: number; stdout: string; began: number}> {
	return new Promise((resolve, reject) => {
		const began = performance.now();
		const child = spawn(command.file, command.args, {env: command.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on('data', chunk => out.push(chunk as Buffer));
		child.stderr.on('data', chunk => err.push(chunk as Buffer));
		child.on('error', reject);
		child.on('close', code => {
			const ms = performance.now() - began;
			const stdout = Buffer.concat(out).toString('utf8');
			if (code !== 0) {
				reject(new Error(`${command.label} exited ${code}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 400)}`));
				return;
			}

			resolve({ms, stdout, began});
		});
	});
}

/**
 * Runs each command `runs` times after one warm-up run (page cache, the ledger's first write),
 * round-robin, so a slow second on this shared machine hits every command alike.
 */
export async function timeCommands(commands: Command[], runs: number): Promise<Map<string, Stats>> {
	const samples = new Map<string, number[]>(commands.map(command => [command.label, []]));
	for (const command of commands) {
		const {stdout} = await timeOnce(command);
		command.check?.(stdout);
	}

	for (let run = 0; run < runs; run++) {
		for (const command of commands) {
			const {ms} = await timeOnce(command);
			samples.get(command.label)!.push(ms);
		}
	}

	return new Map([...samples].map(([label, values]) => [label, stats(values)]));
}
