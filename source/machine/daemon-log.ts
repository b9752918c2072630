import fs from 'node:fs';
import {BadInput, KasmTuiError} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from '../docker/target.js';

// node:child_process and node:readline are loaded when a log is read, not with this module: every
// command loads it (source/cli/commands.ts).
const childProcess = () => process.getBuiltinModule('node:child_process') as typeof import('node:child_process');

/**
 * Where the daemon writes its log, and the lines of one plugin in it. dockerd logs a plugin's
 * stdout (level info) and stderr (level error) as its own lines, tagged `plugin=<plugin id>`
 * (Docker's plugin docs, "Debugging plugins"). Under systemd they go to journald; otherwise to
 * whatever file the daemon's output is sent to.
 */
export type DaemonLogSource =
	| {kind: 'journald'; unit: string}
	| {kind: 'file'; path: string}
	/** The daemon runs on another machine: its log is read there. */
	| {kind: 'remote'; address: string};

/** The files a daemon not under systemd usually logs to (sysvinit, OpenRC, syslog). */
export const usualLogFiles = ['/var/log/docker.log', '/var/log/daemon.log', '/var/log/syslog', '/var/log/messages'];

const defaultSockets = new Set(['/var/run/docker.sock', '/run/docker.sock']);

export interface LogLookup {
	target: EngineTarget;
	/** `--daemon-log FILE`, then the `daemonLog` setting: the operator's word beats any guess. */
	file?: string;
	setting?: string;
	/** Whether docker.service runs under systemd here; default asks systemctl, without waiting on it. */
	underSystemd?: () => Promise<boolean> | boolean;
	exists?: (file: string) => boolean;
}

export class DaemonLogNotFound extends KasmTuiError {
	override name = 'DaemonLogNotFound';
}

/** Where to read: the file named, else journald for the system's systemd daemon, else the first usual file there is. */
export async function findDaemonLog({target, file, setting, underSystemd = dockerUnderSystemd, exists = readable}: LogLookup): Promise<DaemonLogSource> {
	const {transport} = target;
	if (transport.kind === 'ssh' || (transport.kind === 'tcp' && !isLoopback(transport.host))) {
		return {kind: 'remote', address: target.address};
	}

	const named = file || setting;
	if (named) {
		if (!exists(named)) {
			throw new BadInput(`cannot read the daemon log ${safeText(named).slice(0, 200)}${file ? '' : ' (the daemonLog setting)'}: give a file that exists and that you may read`);
		}

		return {kind: 'file', path: named};
	}

	// Only the system's daemon is docker.service; a private one (another socket) logs elsewhere.
	if ((transport.kind !== 'unix' || defaultSockets.has(transport.socketPath)) && (await underSystemd())) {
		return {kind: 'journald', unit: 'docker.service'};
	}

	const found = usualLogFiles.find(candidate => exists(candidate));
	if (!found) {
		throw new DaemonLogNotFound(
			`found no daemon log: docker does not run under systemd here and none of ${usualLogFiles.join(', ')} can be read; pass --daemon-log FILE, or set daemonLog in the settings`,
		);
	}

	return {kind: 'file', path: found};
}

/**
 * One line where the log is on another machine: how to read it there. It names the plugin, not
 * its id, so saying it needs no answer from that daemon.
 */
export function remoteLogHint(source: Extract<DaemonLogSource, {kind: 'remote'}>, pluginName: string): string {
	const ssh = /^ssh:\/\/([^/]+)/.exec(source.address)?.[1];
	const where = ssh ? `on ${ssh} (ssh ${ssh})` : 'on that host';
	return `the daemon at ${source.address} runs on another machine, so its log is there: ${where}, journalctl -u docker.service | grep "plugin=$(docker plugin inspect -f '{{.Id}}' ${pluginName})" (or grep its log file, e.g. /var/log/docker.log)`;
}

export function describeLogSource(source: DaemonLogSource, lookBack?: LookBack): string {
	if (source.kind === 'journald') {
		return `journald (${source.unit}${lookBack ? `, its newest ${lookBack.journalEntries} entries` : ''})`;
	}

	return source.kind === 'file' ? `${source.path}${lookBack ? ` (its newest ${Math.round(lookBack.bytes / 1024 / 1024)} MiB)` : ''}` : source.address;
}

function isLoopback(host: string): boolean {
	return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

function readable(file: string): boolean {
	try {
		fs.accessSync(file, fs.constants.R_OK);
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

/**
 * docker.service is running under systemd: journald has its log. systemctl is asked without
 * waiting on it (the screen keeps drawing); `runDir` is what sd_booted() looks at.
 */
export async function dockerUnderSystemd(runDir = '/run/systemd/system'): Promise<boolean> {
	if (!fs.existsSync(runDir)) {
		return false;
	}

	return new Promise(resolve => {
		childProcess().execFile('systemctl', ['show', '--property=MainPID', '--value', 'docker.service'], {encoding: 'utf8', timeout: 5000}, (error, stdout) => {
			resolve(!error && /^[1-9]\d*$/.test(stdout.trim()));
		});
	});
}

/** A plugin's log line, read. Every string is safe to print. */
export interface PluginLogLine {
	/** ISO 8601, from the line's `time="…"`; undefined when it has none. */
	time?: string;
	/** `info` (the plugin's stdout), `error` (its stderr) … */
	level?: string;
	/** What the plugin wrote. */
	message: string;
	/** The whole line as the daemon logged it. */
	line: string;
}

/** A line of this plugin: `plugin=<id>` as a whole field, not a prefix of another id. */
export function isPluginLine(line: string, pluginId: string): boolean {
	const at = line.indexOf(`plugin=${pluginId}`);
	if (at === -1) {
		return false;
	}

	const after = line[at + 'plugin='.length + pluginId.length];
	return after === undefined || !/[\w]/.test(after);
}

function field(line: string, name: string): string | undefined {
	// logrus text: name=value, or name="quoted \"value\"".
	const match = new RegExp(`(?:^|\\s)${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|(\\S+))`).exec(line);
	if (!match) {
		return undefined;
	}

	return match[1] === undefined ? match[2] : match[1].replaceAll(/\\(["\\])/g, '$1').replaceAll(/\\[nrt]/g, ' ');
}

export function parseLogLine(raw: string): PluginLogLine {
	const line = safeText(raw);
	const time = field(raw, 'time');
	const parsed = time === undefined ? Number.NaN : Date.parse(time);
	return {
		time: Number.isFinite(parsed) ? new Date(parsed).toISOString() : undefined,
		level: field(raw, 'level') === undefined ? undefined : safeText(field(raw, 'level')),
		message: safeText(field(raw, 'msg') ?? raw),
		line,
	};
}

/** `90s`, `10m`, `2h`, `1d`, `1h30m` → milliseconds; bad input otherwise. */
export function parseDuration(text: string): number {
	const match = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/.exec(text.trim());
	if (!match || text.trim() === '') {
		throw new BadInput(`"${safeText(text).slice(0, 40)}" is not a duration: write e.g. 90s, 10m, 2h, 1d or 1h30m`);
	}

	const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
	return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000;
}

/** How far back from its end a log is searched: bytes of a file, entries of the journal. */
export interface LookBack {
	bytes: number;
	journalEntries: number;
}

/** The screen's bound: a quiet plugin in a host's years of syslog costs at most this much per open. */
export const screenLookBack: LookBack = {bytes: 64 * 1024 * 1024, journalEntries: 200_000};

export interface ReadLogOptions {
	/** Lines before this are left out (lines without a time are kept: they cannot be placed). */
	since?: Date;
	/** Only the newest this many of the plugin's lines (then the new ones, when following). */
	last?: number;
	/** Looks no further back from the end than this; default: as far as `since` or `last` needs. */
	lookBack?: LookBack;
	/** Keep reading new lines until `signal` aborts. */
	follow?: boolean;
	signal?: AbortSignal;
	onLine: (line: PluginLogLine) => void;
}

/** The plugin's lines in the daemon's log, oldest first; with `follow`, then every new one until aborted. */
export async function readPluginLog(source: Exclude<DaemonLogSource, {kind: 'remote'}>, pluginId: string, options: ReadLogOptions): Promise<void> {
	const keep = (raw: string) => {
		if (!isPluginLine(raw, pluginId)) {
			return;
		}

		const line = parseLogLine(raw);
		// The daemon stamps a plugin's lines to the second: a line of the second `since` falls in is kept.
		if (options.since && line.time && Date.parse(line.time) < Math.floor(options.since.getTime() / 1000) * 1000) {
			return;
		}

		options.onLine(line);
	};

	if (source.kind === 'journald') {
		await (options.since || (!options.last && !options.lookBack) ? readJournal(source.unit, keep, options) : readJournalTail(source.unit, pluginId, keep, options));
	} else {
		await readFile(source.path, pluginId, keep, options);
	}
}

async function readJournal(unit: string, keep: (line: string) => void, {since, follow, signal}: ReadLogOptions): Promise<void> {
	const args = ['-u', unit, '--no-pager', '--output', 'cat', ...(since ? ['--since', `@${Math.floor(since.getTime() / 1000)}`] : []), ...(follow ? ['--follow'] : [])];
	await journalctl(unit, args, keep, signal);
}

/**
 * The newest of the plugin's lines, read newest first (`--reverse`, at most `journalEntries` of
 * the unit) until `last` are found, then followed from the newest entry's cursor on.
 */
async function readJournalTail(unit: string, pluginId: string, keep: (line: string) => void, {last, lookBack, follow, signal}: ReadLogOptions): Promise<void> {
	const found: string[] = [];
	let newest: string | undefined;
	const enough = new AbortController();
	const stop = () => enough.abort();
	signal?.addEventListener('abort', stop, {once: true});
	const entries = String(lookBack?.journalEntries ?? screenLookBack.journalEntries);
	try {
		await journalctl(
			unit,
			['-u', unit, '--no-pager', '--output', 'json', '--output-fields', 'MESSAGE', '--reverse', '-n', entries],
			json => {
				if (enough.signal.aborted) {
					return;
				}

				const entry = parseJournalEntry(json);
				newest ??= entry?.cursor;
				if (entry && isPluginLine(entry.message, pluginId)) {
					found.push(entry.message);
					if (last !== undefined && found.length >= last) {
						stop();
					}
				}
			},
			enough.signal,
		);
	} finally {
		signal?.removeEventListener('abort', stop);
	}

	for (const line of found.reverse()) {
		keep(line);
	}

	if (follow && !signal?.aborted) {
		await journalctl(unit, ['-u', unit, '--no-pager', '--output', 'cat', '--follow', ...(newest ? ['--after-cursor', newest] : ['-n', '0'])], keep, signal);
	}
}

/** One line of `journalctl --output json`: MESSAGE is a string, or an array of bytes when it is not text. */
function parseJournalEntry(json: string): {cursor?: string; message: string} | undefined {
	try {
		const entry = JSON.parse(json) as {__CURSOR?: unknown; MESSAGE?: unknown};
		const message = typeof entry.MESSAGE === 'string' ? entry.MESSAGE : Array.isArray(entry.MESSAGE) ? Buffer.from(entry.MESSAGE as number[]).toString('utf8') : '';
		return {cursor: typeof entry.__CURSOR === 'string' ? entry.__CURSOR : undefined, message};
	} catch {
		return undefined;
	}
}

/** Runs journalctl, each line of its output to `onLine`; an abort ends it without an error. */
async function journalctl(unit: string, args: string[], onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
	const child = childProcess().spawn('journalctl', args, {stdio: ['ignore', 'pipe', 'pipe'], signal});
	let errors = '';
	child.stderr.on('data', chunk => {
		errors += chunk;
	});
	const lines = (process.getBuiltinModule('node:readline') as typeof import('node:readline')).createInterface({input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY});
	lines.on('line', onLine);
	const code = await new Promise<number | null>((resolve, reject) => {
		child.on('error', error => ((error as NodeJS.ErrnoException).name === 'AbortError' ? resolve(0) : reject(error)));
		child.on('close', resolve);
	}).catch((error: NodeJS.ErrnoException) => {
		throw new KasmTuiError(`cannot run journalctl (${error.code ?? error.message}): pass --daemon-log FILE to read a file instead`);
	});
	if (code !== 0 && !signal?.aborted) {
		throw new KasmTuiError(`journalctl -u ${unit} failed: ${safeText(errors.trim().split('\n')[0] ?? '').slice(0, 200) || `exit ${code}`}; run kasm-tui as root or as a member of systemd-journal, or pass --daemon-log FILE`);
	}
}

/**
 * Reads the file from `offset` to its end, line by line; returns where it stopped (before a
 * line not finished yet). Large syslog files are streamed, never read whole.
 */
async function readFrom(file: string, offset: number, keep: (line: string) => void): Promise<number> {
	const stream = fs.createReadStream(file, {start: offset});
	let position = offset;
	// Split as bytes, so a character cut between two chunks is decoded whole and offsets stay exact.
	let pending: Buffer = Buffer.alloc(0);
	for await (const chunk of stream) {
		let data: Buffer = pending.length > 0 ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
		for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10)) {
			keep(data.subarray(0, newline).toString('utf8'));
			position += newline + 1;
			data = data.subarray(newline + 1);
		}

		pending = data;
	}

	return position;
}

/** Bytes read at a time from the end of a log file. */
const tailChunkBytes = 256 * 1024;

const timeField = /(?:^|\s)time="?([^"\s]+)/;

/**
 * The plugin's lines of the end of a file, read backwards a chunk at a time until `last` of them
 * are found, a line older than `since` (a log is in time order), `lookBack` bytes, or the start;
 * then given to `keep` oldest first. Returns where the file's last whole line ends.
 */
async function readTail(file: string, pluginId: string, keep: (line: string) => void, {since, last, lookBack}: ReadLogOptions): Promise<number> {
	const handle = await fs.promises.open(file, 'r');
	try {
		const {size} = await handle.stat();
		const limit = lookBack ? Math.max(0, size - lookBack.bytes) : 0;
		const floor = since ? Math.floor(since.getTime() / 1000) * 1000 : undefined;
		const wanted = Buffer.from(`plugin=${pluginId}`);
		// Newest first.
		const found: string[] = [];
		let end: number | undefined;
		// The bytes from the start of the chunk read last up to the first line already looked at: a line cut by the chunk.
		let cut = Buffer.alloc(0);
		let start = size;
		scan: while (start > limit) {
			const from = Math.max(limit, start - tailChunkBytes);
			const chunk = Buffer.alloc(start - from);
			for (let filled = 0; filled < chunk.length; ) {
				const {bytesRead} = await handle.read(chunk, filled, chunk.length - filled, from + filled);
				if (bytesRead === 0) {
					break;
				}

				filled += bytesRead;
			}

			start = from;
			let data = cut.length > 0 ? Buffer.concat([chunk, cut]) : chunk;
			if (end === undefined) {
				// The last line may be still being written: following picks it up once it is whole.
				const lastNewline = data.lastIndexOf(10);
				if (lastNewline === -1) {
					cut = data;
					continue;
				}

				end = from + lastNewline + 1;
				data = data.subarray(0, lastNewline + 1);
			}

			// `data` ends with a newline; each line is looked at from the newest back.
			let lineEnd = data.length - 1;
			for (;;) {
				// (A negative offset would search from the buffer's end.)
				const newline = lineEnd > 0 ? data.lastIndexOf(10, lineEnd - 1) : -1;
				if (newline === -1 && from > 0) {
					// Its start is in bytes not read yet (or past the look-back, where it is left out).
					cut = data.subarray(0, lineEnd + 1);
					break;
				}

				const raw = data.subarray(newline + 1, lineEnd);
				lineEnd = newline;
				if (floor !== undefined) {
					const time = timeField.exec(raw.toString('utf8'))?.[1];
					if (time !== undefined && Date.parse(time) < floor) {
						break scan;
					}
				}

				if (raw.includes(wanted)) {
					const text = raw.toString('utf8');
					if (isPluginLine(text, pluginId)) {
						found.push(text);
						if (last !== undefined && found.length >= last) {
							break scan;
						}
					}
				}

				if (newline === -1) {
					break;
				}
			}
		}

		for (const text of found.reverse()) {
			keep(text);
		}

		return end ?? limit;
	} finally {
		await handle.close();
	}
}

async function readFile(file: string, pluginId: string, keep: (line: string) => void, options: ReadLogOptions): Promise<void> {
	const {since, last, lookBack, follow, signal} = options;
	let position: number;
	try {
		// Everything only when that is what was asked; otherwise from the end, as far back as needed.
		position = since || last || lookBack ? await readTail(file, pluginId, keep, options) : await readFrom(file, 0, keep);
	} catch (error) {
		throw new KasmTuiError(`cannot read the daemon log ${safeText(file).slice(0, 200)} (${(error as NodeJS.ErrnoException).code ?? 'error'}): run as root, or pass --daemon-log FILE`);
	}

	if (!follow || signal?.aborted) {
		return;
	}

	// Followed by inotify (fs.watch), not by polling: nothing runs while the log is quiet.
	await new Promise<void>((resolve, reject) => {
		let reading = Promise.resolve();
		let watcher: fs.FSWatcher | undefined;
		const readMore = () => {
			reading = reading.then(async () => {
				const size = fs.statSync(file, {throwIfNoEntry: false})?.size ?? 0;
				// Truncated or replaced by a rotation: start the new file from its beginning.
				position = await readFrom(file, size < position ? 0 : position, keep);
			}).catch(() => {});
		};

		const watch = () => {
			try {
				watcher = fs.watch(file, event => {
					readMore();
					if (event === 'rename') {
						// Rotated away: watch the new file once it is there.
						watcher?.close();
						setTimeout(() => {
							if (!signal?.aborted) {
								watch();
							}
						}, 1000);
					}
				});
				watcher.on('error', () => {});
			} catch {
				setTimeout(() => (signal?.aborted ? undefined : watch()), 1000);
			}
		};

		const stop = () => {
			watcher?.close();
			void reading.then(resolve, reject);
		};

		signal?.addEventListener('abort', stop, {once: true});
		watch();
		readMore();
	});
}
