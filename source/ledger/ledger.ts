import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {KasmTuiError} from '../errors.js';
import {redact} from '../secrets.js';
import {safeText} from '../text.js';
import type {LedgerEntry} from './entry.js';
import {ledgerFileName} from './location.js';
import {PluginLock, type PluginBusy} from './lock.js';

export interface History {
	/** Oldest first, as written. */
	entries: LedgerEntry[];
	/** Lines that could not be read (a torn last line after a crash), reported and skipped. */
	skipped: number;
}

export class LedgerUnusable extends KasmTuiError {
	override name = 'LedgerUnusable';
}

/** Who acted: the operator behind sudo, else the user. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
	if (env.SUDO_USER) {
		return env.SUDO_USER;
	}

	try {
		return os.userInfo().username;
	} catch {
		return String(process.getuid?.() ?? 'unknown');
	}
}

/** Anyone who can write the ledger can steer a rollback: group and others must not. */
export function othersCanWrite(stats: fs.Stats): boolean {
	return (stats.mode & 0o022) !== 0;
}

/** Its owner can write it whatever its mode: only we (or root) may own it. */
export function ownedByOthers(stats: fs.Stats): boolean {
	const uid = process.getuid?.();
	return uid !== undefined && stats.uid !== uid && stats.uid !== 0;
}

/** The version history of every plugin, one append-only JSON-lines file each. */
export class Ledger {
	constructor(readonly directory: string) {}

	fileOf(pluginName: string): string {
		return path.join(this.directory, ledgerFileName(pluginName));
	}

	/**
	 * Appends one entry with a single write on a file opened for appending, then fsync: a
	 * reader never sees half of it, and a flow reports success only once it is on disk.
	 * `plugin` is whose history it joins: the entry's own name, unless the plugin was renamed.
	 */
	append(entry: LedgerEntry, plugin = entry.name): void {
		try {
			this.ensureDirectory();
			const file = this.fileOf(plugin);
			const isNew = !fs.existsSync(file);
			const descriptor = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
			try {
				// Cleaned as it is written, as it is when read: an error may quote a registry or a secret.
				fs.writeSync(descriptor, JSON.stringify(cleanEntry(entry)) + '\n');
				fs.fsyncSync(descriptor);
			} finally {
				fs.closeSync(descriptor);
			}

			if (isNew) {
				this.syncDirectory();
			}
		} catch (error) {
			throw this.unusable(error);
		}
	}

	/**
	 * Refuses, before any flow touches the daemon, a folder we cannot write or that others
	 * could write (anyone who can write the ledger can steer a rollback).
	 */
	assertUsable(): void {
		try {
			this.ensureDirectory();
			const stats = fs.statSync(this.directory);
			if (othersCanWrite(stats)) {
				throw new LedgerUnusable(
					`the ledger folder ${this.directory} can be written by other users (mode ${(stats.mode & 0o777).toString(8)}), so its history could be forged: run "chmod go-w ${this.directory}"`,
				);
			}

			const uid = process.getuid?.();
			if (ownedByOthers(stats)) {
				throw new LedgerUnusable(
					`the ledger folder ${this.directory} is owned by another user (uid ${stats.uid}), who could forge its history: run "chown ${uid} ${this.directory}" or pass --ledger-dir`,
				);
			}

			const probe = path.join(this.directory, `.probe-${process.pid}`);
			const descriptor = fs.openSync(probe, 'w', 0o600);
			try {
				fs.writeSync(descriptor, 'ok\n');
				fs.fsyncSync(descriptor);
			} finally {
				fs.closeSync(descriptor);
				fs.rmSync(probe, {force: true});
			}
		} catch (error) {
			throw error instanceof LedgerUnusable ? error : this.unusable(error);
		}
	}

	/** Holds the plugin for one flow: another kasm-tui changing it at the same time is refused. */
	lock(pluginName: string, what: string): PluginLock {
		try {
			this.ensureDirectory();
			return PluginLock.acquire(this.fileOf(pluginName) + '.lock', what, pluginName);
		} catch (error) {
			throw error instanceof KasmTuiError ? error : this.unusable(error);
		}
	}

	/** Another kasm-tui that is alive holds the plugin right now: the refusal that means. */
	heldElsewhere(pluginName: string): PluginBusy | undefined {
		return PluginLock.heldBy(this.fileOf(pluginName) + '.lock', pluginName);
	}

	/**
	 * The plugin was renamed (a rollback pins it, a reinstall gives it an alias): its history
	 * goes with it. Entries already under the new name are kept, the moved ones appended.
	 */
	rename(from: string, to: string): void {
		if (from === to) {
			return;
		}

		try {
			const source = this.fileOf(from);
			const target = this.fileOf(to);
			if (!fs.existsSync(source)) {
				return;
			}

			if (fs.existsSync(target)) {
				const descriptor = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_APPEND);
				try {
					const moved = fs.readFileSync(source, 'utf8');
					fs.writeSync(descriptor, moved.endsWith('\n') || moved === '' ? moved : moved + '\n');
					fs.fsyncSync(descriptor);
				} finally {
					fs.closeSync(descriptor);
				}

				fs.rmSync(source);
			} else {
				fs.renameSync(source, target);
			}

			this.syncDirectory();
		} catch (error) {
			throw this.unusable(error);
		}
	}

	/**
	 * A flow that died between its `started` entry and its outcome, or whose undo failed (`failed`):
	 * what it was doing. It stays unfinished until an outcome that settles it (`recover` writes one).
	 */
	unfinished(pluginName: string): LedgerEntry | undefined {
		const {entries} = this.read(pluginName);
		const finished = new Set(entries.filter(entry => entry.outcome !== 'started' && entry.outcome !== 'failed' && entry.attempt).map(entry => entry.attempt));
		return entries.filter(entry => entry.outcome === 'started' && entry.attempt && !finished.has(entry.attempt)).at(-1);
	}

	private ensureDirectory() {
		fs.mkdirSync(this.directory, {recursive: true, mode: 0o700});
	}

	/** A new file's name is durable only once its folder is flushed too. */
	private syncDirectory() {
		const descriptor = fs.openSync(this.directory, 'r');
		try {
			fs.fsyncSync(descriptor);
		} finally {
			fs.closeSync(descriptor);
		}
	}

	private unusable(error: unknown) {
		const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
		const hint = code === 'ENOSPC' ? 'free some disk space' : 'fix its permissions or pass --ledger-dir';
		return new LedgerUnusable(`cannot write the ledger in ${this.directory} (${code}): ${hint}`);
	}

	read(pluginName: string): History {
		let text: string;
		try {
			text = fs.readFileSync(this.fileOf(pluginName), 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				return {entries: [], skipped: 0};
			}

			throw new LedgerUnusable(`cannot read the ledger of ${safeText(pluginName).slice(0, 200)} in ${this.directory} (${(error as NodeJS.ErrnoException).code}): fix its permissions or pass --ledger-dir`);
		}

		const entries: LedgerEntry[] = [];
		let skipped = 0;
		for (const line of text.split('\n')) {
			if (line.trim() === '') {
				continue;
			}

			try {
				entries.push(cleanEntry(JSON.parse(line) as LedgerEntry));
			} catch {
				skipped++;
			}
		}

		return {entries, skipped};
	}
}

/** A ledger file is ours, but it may have been edited: treat its text like any other. */
function cleanEntry(entry: LedgerEntry): LedgerEntry {
	if (typeof entry !== 'object' || entry === null || typeof entry.time !== 'string' || typeof entry.action !== 'string') {
		throw new TypeError('not a ledger entry');
	}

	return {
		...entry,
		time: safeText(entry.time),
		action: safeText(entry.action) as LedgerEntry['action'],
		name: safeText(entry.name),
		previousName: entry.previousName === undefined ? undefined : safeText(entry.previousName),
		reference: safeText(entry.reference),
		tag: safeText(entry.tag),
		identity: {
			diffIds: Array.isArray(entry.identity?.diffIds) ? entry.identity.diffIds.map(id => safeText(id)) : [],
			digest: entry.identity?.digest === undefined ? undefined : safeText(entry.identity.digest),
		},
		attempt: entry.attempt === undefined ? undefined : safeText(entry.attempt),
		from:
			entry.from && typeof entry.from === 'object'
				? {
						name: safeText(entry.from.name),
						reference: safeText(entry.from.reference),
						tag: safeText(entry.from.tag),
						enabled: Boolean(entry.from.enabled),
						restoreRemote: entry.from.restoreRemote === undefined ? undefined : safeText(entry.from.restoreRemote),
						absent: entry.from.absent === true ? true : undefined,
					}
				: undefined,
		settings: Array.isArray(entry.settings) ? entry.settings.map(setting => safeText(setting)) : undefined,
		into: entry.into === undefined ? undefined : safeText(entry.into),
		kasm:
			entry.kasm && typeof entry.kasm === 'object'
				? {
						dir: safeText(entry.kasm.dir),
						where: safeText(entry.kasm.where),
						services: Array.isArray(entry.kasm.services) ? entry.kasm.services.map(service => safeText(service)) : undefined,
					}
				: undefined,
		outcome: safeText(entry.outcome) as LedgerEntry['outcome'],
		images: Array.isArray(entry.images)
			? entry.images.map(image => ({id: safeText(image?.id), tags: Array.isArray(image?.tags) ? image.tags.map(tag => safeText(tag)) : [], size: Number(image?.size) || 0}))
			: undefined,
		freed: entry.freed === undefined ? undefined : Number(entry.freed) || 0,
		error: entry.error === undefined ? undefined : redact(safeText(entry.error)),
		user: safeText(entry.user),
		version: safeText(entry.version),
	};
}
