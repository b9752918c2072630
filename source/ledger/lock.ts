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

/** A lock file as read: its holder (when it parses) and its exact text, which no other lock ever had. */
interface SeenLock {
	holder?: Holder;
	text: string;
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

const isStale = (holder: Holder) => holder.host === os.hostname() && !isRunning(holder.pid);

// Loaded when a lock is taken, not with the ledger: node:crypto costs ~10 ms of a listing's start.
const crypto = () => process.getBuiltinModule('node:crypto') as typeof import('node:crypto');

/** Waits without giving up the thread: a lock is taken in code that must not interleave. */
export const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** How long a lock that is being written, released or taken over this instant is waited for. */
const settleMs = 2000;

/**
 * A lock file per plugin, so two kasm-tui processes never change one plugin at once. It appears
 * whole or not at all (written aside, then linked into place), and a lock whose process is gone
 * (kill -9) is taken over by exactly one process; the flow that died left a `started` entry in
 * the ledger, which is how the half-done state is found.
 */
export class PluginLock {
	private constructor(
		readonly file: string,
		private readonly text: string,
		private released = false,
	) {}

	static acquire(file: string, what: string, plugin: string): PluginLock {
		const holder: Holder = {pid: process.pid, host: os.hostname(), since: new Date().toISOString(), what};
		// The nonce makes this lock's text unique, so a takeover can tell it from any lock before or after it.
		const text = JSON.stringify({...holder, nonce: crypto().randomBytes(8).toString('hex')});
		const deadline = Date.now() + settleMs;
		for (;;) {
			if (placeExclusively(file, text)) {
				return new PluginLock(file, text);
			}

			const current = readLock(file);
			if (current?.holder && !isStale(current.holder)) {
				throw busy(plugin, current.holder);
			}

			// Gone since our attempt (released, or taken over and not yet placed again): try again at once.
			if (!current || (current.holder && removeExactly(file, current))) {
				continue;
			}

			// Unreadable (left by an older kasm-tui), or being taken over by another process right now.
			if (Date.now() > deadline) {
				throw new PluginBusy(`${plugin} is locked by ${file}: if no kasm-tui is running, remove that file`);
			}

			pause(10);
		}
	}

	/** The refusal a lock held by a live kasm-tui means, without taking it; undefined when it is free or its holder died. */
	static heldBy(file: string, plugin: string): PluginBusy | undefined {
		const holder = readLock(file)?.holder;
		return holder && !isStale(holder) ? busy(plugin, holder) : undefined;
	}

	release(): void {
		if (this.released) {
			return;
		}

		this.released = true;
		// Only our own: a lock of ours that was ever taken over belongs to its new holder now.
		if (readLock(this.file)?.text === this.text) {
			fs.rmSync(this.file, {force: true});
		}
	}
}

function busy(plugin: string, {pid, host, what, since}: Holder): PluginBusy {
	return new PluginBusy(`${plugin} is being changed by another kasm-tui (pid ${pid} on ${host}, ${what} since ${since}): wait for it to finish`);
}

/**
 * Puts `text` at `file` only if nothing is there, all or nothing: it is written and synced to a
 * file of its own first, then hard-linked into place (atomic, and refused if the name exists). A
 * failed write (a full disk) leaves neither the lock nor the file written aside.
 */
function placeExclusively(file: string, text: string): boolean {
	const aside = `${file}.${process.pid}-${crypto().randomBytes(4).toString('hex')}.tmp`;
	try {
		const descriptor = fs.openSync(aside, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
		try {
			const bytes = Buffer.from(text);
			for (let written = 0; written < bytes.length; ) {
				written += fs.writeSync(descriptor, bytes, written);
			}

			fs.fsyncSync(descriptor);
		} finally {
			fs.closeSync(descriptor);
		}

		try {
			fs.linkSync(aside, file);
			return true;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
				return false;
			}

			throw error;
		}
	} finally {
		fs.rmSync(aside, {force: true});
	}
}

/**
 * Removes the lock at `file` if it is still the one `seen` (a dead holder's), such that among any
 * number of processes doing this at once exactly one removes it and none removes a lock taken
 * since. Whoever first places the claim `<file>.break-<hash of seen>` removes it; the others wait.
 * A claim's maker that died mid-takeover left a lock of its own kind, removed the same way.
 * Returns whether it was removed by us; false: try again.
 */
function removeExactly(file: string, seen: SeenLock): boolean {
	const claim = `${file}.break-${crypto().createHash('sha256').update(seen.text).digest('hex').slice(0, 16)}`;
	const claimText = JSON.stringify({pid: process.pid, host: os.hostname(), since: new Date().toISOString(), what: 'take over a stale lock', nonce: crypto().randomBytes(8).toString('hex')});
	if (!placeExclusively(claim, claimText)) {
		const claimant = readLock(claim);
		if (claimant?.holder && isStale(claimant.holder)) {
			removeExactly(claim, claimant);
		}

		return false;
	}

	try {
		// While we hold the claim nobody else may remove `seen`, and its holder is dead: it stays until we do.
		if (readLock(file)?.text !== seen.text) {
			return false;
		}

		fs.rmSync(file, {force: true});
		return true;
	} finally {
		fs.rmSync(claim, {force: true});
	}
}

function readLock(file: string): SeenLock | undefined {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		// Any other failure is a lock we cannot read: waited for, then reported.
		return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : {text: ''};
	}

	try {
		const holder = JSON.parse(text) as Holder;
		return {text, holder: typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : undefined};
	} catch {
		return {text};
	}
}
