import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {KasmTuiError} from '../errors.js';
import {safeText} from '../text.js';
import type {LedgerEntry} from './entry.js';
import {ledgerFileName} from './location.js';

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
			fs.mkdirSync(this.directory, {recursive: true, mode: 0o700});
			const descriptor = fs.openSync(this.fileOf(plugin), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
			try {
				fs.writeSync(descriptor, JSON.stringify(entry) + '\n');
				fs.fsyncSync(descriptor);
			} finally {
				fs.closeSync(descriptor);
			}
		} catch (error) {
			throw new LedgerUnusable(
				`cannot write the ledger in ${this.directory} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): fix its permissions or pass --ledger-dir`,
			);
		}
	}

	read(pluginName: string): History {
		let text: string;
		try {
			text = fs.readFileSync(this.fileOf(pluginName), 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				return {entries: [], skipped: 0};
			}

			throw new LedgerUnusable(`cannot read the ledger of ${pluginName} in ${this.directory} (${(error as NodeJS.ErrnoException).code}): fix its permissions or pass --ledger-dir`);
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
		outcome: safeText(entry.outcome) as LedgerEntry['outcome'],
		error: entry.error === undefined ? undefined : safeText(entry.error),
		user: safeText(entry.user),
		version: safeText(entry.version),
	};
}
