import fs from 'node:fs';
import os from 'node:os';
import {Refused} from '../errors.js';

/** Who holds a plugin while a flow changes it. */
interface Holder {
	pid: number;
	host: string;
	since: string;
	what: string;
}

export class PluginBusy extends Refused {
	override name = 'PluginBusy';
}

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * A lock file per plugin, created exclusively (O_EXCL), so two kasm-tui processes never change
 * one plugin at once. A lock whose process is gone (kill -9) is stale and is taken over; the
 * flow that died left a `started` entry in the ledger, which is how the half-done state is found.
 */
export class PluginLock {
	private constructor(
		readonly file: string,
		private released = false,
	) {}

	static acquire(file: string, what: string, plugin: string): PluginLock {
		const holder: Holder = {pid: process.pid, host: os.hostname(), since: new Date().toISOString(), what};
		for (let attempt = 0; attempt < 3; attempt++) {
			try {
				const descriptor = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
				fs.writeSync(descriptor, JSON.stringify(holder));
				fs.fsyncSync(descriptor);
				fs.closeSync(descriptor);
				return new PluginLock(file);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
					throw error;
				}
			}

			const current = readHolder(file);
			if (current && current.host === os.hostname() && !isRunning(current.pid)) {
				// The holder died without releasing: take the lock over.
				fs.rmSync(file, {force: true});
				continue;
			}

			if (!current) {
				// Being written this instant, or unreadable: give it a moment once.
				Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
				continue;
			}

			throw new PluginBusy(
				`${plugin} is being changed by another kasm-tui (pid ${current.pid} on ${current.host}, ${current.what} since ${current.since}): wait for it to finish`,
			);
		}

		throw new PluginBusy(`${plugin} is locked by ${file}: if no kasm-tui is running, remove that file`);
	}

	release(): void {
		if (!this.released) {
			this.released = true;
			fs.rmSync(this.file, {force: true});
		}
	}
}

function readHolder(file: string): Holder | undefined {
	try {
		const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
		return typeof holder.pid === 'number' ? holder : undefined;
	} catch {
		return undefined;
	}
}
