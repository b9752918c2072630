import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import {BadInput, KasmTuiError} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from '../docker/target.js';

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
	/** Whether docker.service runs under systemd here; default asks systemctl. */
	underSystemd?: () => boolean;
	exists?: (file: string) => boolean;
}

export class DaemonLogNotFound extends KasmTuiError {
	override name = 'DaemonLogNotFound';
}

/** Where to read: the file named, else journald for the system's systemd daemon, else the first usual file there is. */
export function findDaemonLog({target, file, setting, underSystemd = dockerUnderSystemd, exists = readable}: LogLookup): DaemonLogSource {
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
	if ((transport.kind !== 'unix' || defaultSockets.has(transport.socketPath)) && underSystemd()) {
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

export function describeLogSource(source: DaemonLogSource): string {
	return source.kind === 'journald' ? `journald (${source.unit})` : source.kind === 'file' ? source.path : source.address;
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

/** docker.service is running under systemd: journald has its log. */
function dockerUnderSystemd(): boolean {
	if (!fs.existsSync('/run/systemd/system')) {
		return false;
	}

	const answer = spawnSync('systemctl', ['show', '--property=MainPID', '--value', 'docker.service'], {encoding: 'utf8', timeout: 5000});
	return answer.status === 0 && /^[1-9]\d*$/.test(answer.stdout.trim());
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

export interface ReadLogOptions {
	/** Lines before this are left out (lines without a time are kept: they cannot be placed). */
	since?: Date;
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
		await readJournal(source.unit, keep, options);
	} else {
		await readFile(source.path, keep, options);
	}
}

async function readJournal(unit: string, keep: (line: string) => void, {since, follow, signal}: ReadLogOptions): Promise<void> {
	const args = ['-u', unit, '--no-pager', '--output', 'cat', ...(since ? ['--since', `@${Math.floor(since.getTime() / 1000)}`] : []), ...(follow ? ['--follow'] : [])];
	const child = spawn('journalctl', args, {stdio: ['ignore', 'pipe', 'pipe'], signal});
	let errors = '';
	child.stderr.on('data', chunk => {
		errors += chunk;
	});
	const lines = readline.createInterface({input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY});
	lines.on('line', keep);
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

async function readFile(file: string, keep: (line: string) => void, {follow, signal}: ReadLogOptions): Promise<void> {
	let position: number;
	try {
		position = await readFrom(file, 0, keep);
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
