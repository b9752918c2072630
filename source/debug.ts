import fs from 'node:fs';
import {redactedJson} from './secrets.js';
import {safeText} from './text.js';

/**
 * `--debug FILE`: what kasm-tui asked the daemon and the registries, how long it took, and how
 * each flow went, one JSON line each, so an operator can send it along with a problem. The file
 * is owner-only, and every line is redacted: no password, token or key ever reaches it.
 */
let descriptor: number | undefined;
let path: string | undefined;

export function openDebugLog(file: string): void {
	descriptor = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
	// An existing file keeps its mode on open: make it owner-only too.
	fs.fchmodSync(descriptor, 0o600);
	path = file;
}

export function debugLogFile(): string | undefined {
	return path;
}

function plain(value: unknown): unknown {
	if (value instanceof Error) {
		return {name: value.name, message: safeText(value.message), stack: value.stack?.split('\n').slice(1, 8).map(line => line.trim())};
	}

	return value;
}

/** One line, if the log is open; costs nothing otherwise. */
export function debug(category: string, message: string, fields: Record<string, unknown> = {}): void {
	if (descriptor === undefined) {
		return;
	}

	const entry = {time: new Date().toISOString(), category, message, ...Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, plain(value)]))};
	try {
		// Redacted before it is JSON: a secret with a quote or a backslash is escaped in the text.
		fs.writeSync(descriptor, redactedJson(entry) + '\n');
	} catch {}
}

export function closeDebugLog(): void {
	if (descriptor !== undefined) {
		fs.closeSync(descriptor);
		descriptor = undefined;
		path = undefined;
	}
}
