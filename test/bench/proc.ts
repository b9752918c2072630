import {execFileSync} from 'node:child_process';
import fs from 'node:fs';

/** What the benchmark reads of a process from /proc: memory, CPU time, children. */

function read(pid: number, file: string): string {
	try {
		return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
	} catch {
		return '';
	}
}

/** Resident set size in MiB (VmRSS), or undefined when the process is gone. */
export function rssMiB(pid: number): number | undefined {
	const kib = /^VmRSS:\s+(\d+) kB/m.exec(read(pid, 'status'))?.[1];
	return kib === undefined ? undefined : Number(kib) / 1024;
}

/**
 * Where a process's resident pages are (MiB), from /proc/PID/smaps: `program` the pages of its
 * own program file (the Node binary, or the executable with our script inside: clean, shared page
 * cache that the kernel can drop and read again), `files` those of other files (libraries, the
 * code cache's file), `own` the rest (heap, stacks, V8's code space: what the process made).
 */
export function rssSplitMiB(pid: number): {program: number; files: number; own: number} | undefined {
	let program = '';
	try {
		program = fs.readlinkSync(`/proc/${pid}/exe`);
	} catch {
		return undefined;
	}

	const split = {program: 0, files: 0, own: 0};
	let into: keyof typeof split = 'own';
	for (const line of read(pid, 'smaps').split('\n')) {
		const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
		if (mapping) {
			const [, inode, name] = mapping;
			into = name === program ? 'program' : inode !== '0' && name!.startsWith('/') ? 'files' : 'own';
			continue;
		}

		const kib = /^Rss:\s+(\d+) kB/.exec(line)?.[1];
		if (kib !== undefined) {
			split[into] += Number(kib) / 1024;
		}
	}

	return {program: Math.round(split.program * 10) / 10, files: Math.round(split.files * 10) / 10, own: Math.round(split.own * 10) / 10};
}

/** Clock ticks per second (USER_HZ): the unit of utime and stime. */
export const ticksPerSecond = (() => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;
	} catch {
		return 100;
	}
})();

/** utime + stime in seconds. */
export function cpuSeconds(pid: number): number | undefined {
	const stat = read(pid, 'stat');
	const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// Fields 14 and 15 of stat; afterName starts at field 3.
	const utime = Number(afterName[11]);
	const stime = Number(afterName[12]);
	return Number.isFinite(utime) && Number.isFinite(stime) && stat ? (utime + stime) / ticksPerSecond : undefined;
}

/** Direct children of a process. */
export function childrenOf(pid: number): number[] {
	const found = new Set<number>();
	let tasks: string[];
	try {
		tasks = fs.readdirSync(`/proc/${pid}/task`);
	} catch {
		return [];
	}

	for (const task of tasks) {
		for (const child of read(pid, `task/${task}/children`).trim().split(/\s+/)) {
			if (child) {
				found.add(Number(child));
			}
		}
	}

	return [...found];
}

export function commandLine(pid: number): string {
	return read(pid, 'cmdline').replaceAll('\0', ' ').trim();
}

/** Every process whose command line contains the needle (not this one). */
export function processesWith(needle: string): number[] {
	return fs
		.readdirSync('/proc')
		.filter(name => /^\d+$/.test(name) && Number(name) !== process.pid)
		.map(Number)
		.filter(pid => commandLine(pid).includes(needle));
}

function cpuTimes(): {idle: number; total: number} {
	const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
	// user nice system idle iowait irq softirq steal …: idle and iowait are "not busy".
	return {idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0)};
}

/** CPU seconds all cores have been busy since boot: sample before and after a phase. */
export function machineBusySeconds(): number {
	const {idle, total} = cpuTimes();
	return (total - idle) / ticksPerSecond;
}

/** The share (0..1) of all cores busy over the next `ms`. */
export async function machineBusy(ms: number): Promise<number> {
	const before = cpuTimes();
	await new Promise(resolve => setTimeout(resolve, ms));
	const after = cpuTimes();
	const total = after.total - before.total;
	return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
}

/**
 * Waits (up to `timeoutMs`) until the machine is nearly idle, e.g. after the seeding started a
 * hundred plugins; returns the last busy share seen, to report beside the figures.
 */
export async function waitForQuietMachine(timeoutMs = 30_000, quiet = 0.15): Promise<number> {
	const deadline = Date.now() + timeoutMs;
	let busy = await machineBusy(1000);
	while (busy > quiet && Date.now() < deadline) {
		busy = await machineBusy(1000);
	}

	return busy;
}
