import fs from 'node:fs';

/** Small, synchronous /proc readers: stopping must work even when the event loop is about to end. */

/** True while the process runs; a zombie (exited, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}

	const state = /\) (\w)/.exec(read(pid, 'stat'))?.[1];
	return state !== 'Z' && state !== 'X';
}

export function signal(pid: number, name: NodeJS.Signals): void {
	try {
		process.kill(pid, name);
	} catch {}
}

function pids(): number[] {
	return fs
		.readdirSync('/proc')
		.filter(name => /^\d+$/.test(name))
		.map(Number)
		.filter(pid => pid !== process.pid);
}

function read(pid: number, file: string): string {
	try {
		return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
	} catch {
		return '';
	}
}

/** Processes whose command line mentions any of the needles (e.g. the sandbox's folder). */
export function processesMentioning(needles: string[]): number[] {
	return pids().filter(pid => {
		const commandLine = read(pid, 'cmdline').replaceAll('\0', ' ');
		return needles.some(needle => commandLine.includes(needle)) && isAlive(pid);
	});
}

/** Processes in a cgroup whose path names one of the ids (a plugin's cgroup is named by its id). */
export function processesInCgroups(ids: string[]): number[] {
	if (ids.length === 0) {
		return [];
	}

	return pids().filter(pid => {
		const cgroups = read(pid, 'cgroup');
		return ids.some(id => cgroups.includes(id)) && isAlive(pid);
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/** Waits until every pid is gone; true if they all went in time. */
export async function waitForExit(pidList: number[], timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (pidList.every(pid => !isAlive(pid))) {
			return true;
		}

		await sleep(50);
	}

	return pidList.every(pid => !isAlive(pid));
}
