import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {
	DaemonLogNotFound,
	dockerUnderSystemd,
	findDaemonLog,
	isPluginLine,
	parseDuration,
	parseLogLine,
	readPluginLog,
	remoteLogHint,
	usualLogFiles,
	type ReadLogOptions,
} from '../../source/machine/daemon-log.js';
import {BadInput} from '../../source/errors.js';

const id = 'aab1d3f188a399913e66b650d296a3473b03a1f49c0cc301d7b9c4d50a1435f1';
const local = parseHost('unix:///var/run/docker.sock', 'default', {});
const nothing = () => false;

test('the daemon of docker.service under systemd is read from journald; a file named by the operator wins', async () => {
	assert.deepEqual(await findDaemonLog({target: local, underSystemd: () => true, exists: nothing}), {kind: 'journald', unit: 'docker.service'});
	assert.deepEqual(await findDaemonLog({target: local, file: '/srv/dockerd.log', underSystemd: () => true, exists: () => true}), {kind: 'file', path: '/srv/dockerd.log'});
	assert.deepEqual(await findDaemonLog({target: local, setting: '/srv/set.log', underSystemd: () => true, exists: () => true}), {kind: 'file', path: '/srv/set.log'});
	await assert.rejects(findDaemonLog({target: local, file: '/missing.log', exists: nothing, underSystemd: nothing}), BadInput);
});

test('without systemd the usual files are tried in order; a private daemon on another socket is never journald', async () => {
	assert.deepEqual(await findDaemonLog({target: local, underSystemd: nothing, exists: file => file === '/var/log/syslog'}), {kind: 'file', path: '/var/log/syslog'});
	const sandbox = parseHost('unix:///tmp/kt-x/docker.sock', 'flag', {});
	assert.deepEqual(await findDaemonLog({target: sandbox, underSystemd: () => true, exists: file => file === usualLogFiles[0]}), {kind: 'file', path: usualLogFiles[0]});
	await assert.rejects(
		findDaemonLog({target: local, underSystemd: nothing, exists: nothing}),
		(error: unknown) => error instanceof DaemonLogNotFound && /pass --daemon-log FILE/.test(error.message) && !error.message.includes('\n'),
	);
});

test('a remote daemon gets one line saying where its log is read; a daemon on loopback tcp is local', async () => {
	for (const address of ['tcp://192.0.2.10:2376', 'ssh://ops@kasm-agent-1']) {
		// Port 2376 is TLS: checked, as DOCKER_TLS_VERIFY says (unchecked would need --tls-insecure).
		const source = await findDaemonLog({target: parseHost(address, 'flag', {DOCKER_TLS_VERIFY: '1'}), file: '/ignored', exists: () => true, underSystemd: () => true});
		assert.deepEqual(source, {kind: 'remote', address});
		const hint = remoteLogHint(source as {kind: 'remote'; address: string}, 'kasmweb/sidecar:amd64-1.2');
		assert.ok(!hint.includes('\n'));
		assert.match(hint, /journalctl -u docker\.service \| grep "plugin=\$\(docker plugin inspect -f '\{\{\.Id\}\}' kasmweb\/sidecar:amd64-1\.2\)"/);
	}

	assert.match(remoteLogHint({kind: 'remote', address: 'ssh://ops@kasm-agent-1'}, 'p'), /on ops@kasm-agent-1 \(ssh ops@kasm-agent-1\)/);
	assert.equal((await findDaemonLog({target: parseHost('tcp://127.0.0.1:2375', 'flag', {}), file: '/x', exists: () => true})).kind, 'file');
});

test("a plugin's line is the one whose plugin= field is its whole id, read as time, level and message", () => {
	const line = `time="2026-12-01T11:00:02Z" level=info msg="kasm-fixture: ready, \\"quoted\\" version 1.2.9" plugin=${id}`;
	assert.equal(isPluginLine(line, id), true);
	assert.equal(isPluginLine(line, id.slice(0, 12)), false, 'a prefix of the id is not the plugin');
	assert.equal(isPluginLine(line.replace(id, `${id}ff`), id), false);
	assert.equal(isPluginLine(`Dec  1 11:00:02 host dockerd[9]: ${line}`, id), true, 'behind a syslog prefix');
	assert.deepEqual(parseLogLine(line), {time: '2026-12-01T11:00:02.000Z', level: 'info', message: 'kasm-fixture: ready, "quoted" version 1.2.9', line});
});

test('escape sequences and control characters never leave a log line', () => {
	const hostile = `time="2026-12-01T11:00:02Z" level=error msg="\u001B]0;owned\u0007\u001B[2Jcleared\r\nnext" plugin=${id}`;
	const read = parseLogLine(hostile);
	for (const text of [read.message, read.line]) {
		assert.doesNotMatch(text, /[\u0000-\u001F\u007F-\u009F]/);
	}

	assert.match(read.message, /cleared/);
});

test('--since takes 90s, 10m, 2h, 1d and 1h30m; anything else is bad input', () => {
	assert.equal(parseDuration('90s'), 90_000);
	assert.equal(parseDuration('10m'), 600_000);
	assert.equal(parseDuration('2h'), 7_200_000);
	assert.equal(parseDuration('1d'), 86_400_000);
	assert.equal(parseDuration('1h30m'), 5_400_000);
	for (const bad of ['', '10', 'ten minutes', '5x', '-1h', '1m1h']) {
		assert.throws(() => parseDuration(bad), BadInput, bad);
	}
});

const mebibyte = 1024 * 1024;
/** Bytes this process read, as the kernel counts them: what a log reader really read. */
const bytesRead = () => Number(/rchar:\s*(\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1]);
const at = (second: number) => new Date(Date.UTC(2026, 11, 1) + second * 1000).toISOString();
const pluginLine = (second: number, text: string, pluginId = id) => `time="${at(second)}" level=info msg="${text}" plugin=${pluginId}\n`;
const otherLine = (second: number, padding = 60) => `time="${at(second)}" level=info msg="${'x'.repeat(padding)}" container=${'e'.repeat(64)}\n`;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-daemon-log-'));
after(() => fs.rmSync(scratch, {recursive: true, force: true}));

async function messages(file: string, options: Omit<ReadLogOptions, 'onLine'> = {}): Promise<string[]> {
	const read: string[] = [];
	await readPluginLog({kind: 'file', path: file}, id, {...options, onLine: line => read.push(line.message)});
	return read;
}

test('--since reads a log from its end back to the first older line, not the 64 MiB before it', async () => {
	const file = path.join(scratch, 'since.log');
	const out = fs.openSync(file, 'w');
	fs.writeSync(out, pluginLine(0, 'long ago'));
	const block = Array.from({length: 4096}, () => otherLine(10)).join('');
	for (let written = 0; written < 64 * mebibyte; written += block.length) {
		fs.writeSync(out, block);
	}

	fs.writeSync(out, pluginLine(100, 'recent 1') + otherLine(100) + pluginLine(101, 'recent 2'));
	fs.closeSync(out);
	const before = bytesRead();
	assert.deepEqual(await messages(file, {since: new Date(Date.parse(at(50)))}), ['recent 1', 'recent 2']);
	const read = bytesRead() - before;
	assert.ok(read < 4 * mebibyte, `read ${(read / mebibyte).toFixed(1)} MiB`);
	assert.deepEqual(await messages(file), ['long ago', 'recent 1', 'recent 2'], 'without --since: every line, from the start');
});

test('read from the end, a log gives the same lines as read whole: lines across chunks, empty and huge lines, an unfinished last one', async () => {
	let seed = 7;
	const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
	const file = path.join(scratch, 'mixed.log');
	const lines: string[] = [];
	for (let second = 0; lines.length < 20_000; second++) {
		const pick = random();
		lines.push(pick < 0.3 ? pluginLine(second, `said ${second} ${'y'.repeat(Math.floor(random() * 300))}`) : pick < 0.32 ? '\n' : pick < 0.3205 ? otherLine(second, 300_000) : otherLine(second, Math.floor(random() * 200)));
	}

	fs.writeFileSync(file, lines.join('') + 'time="2026-12-31T00:00:00Z" msg="unfinished" plugin=' + id);
	const whole = await messages(file);
	assert.ok(whole.length > 5000 && !whole.includes('unfinished'));
	for (const last of [1, 7, 4999, whole.length, whole.length + 10]) {
		assert.deepEqual(await messages(file, {last}), whole.slice(-last), `last ${last}`);
	}

	for (const second of [0, 1234, 17_000]) {
		const since = new Date(Date.parse(at(second)));
		assert.deepEqual(await messages(file, {since}), whole.filter(message => Number(/said (\d+)/.exec(message)![1]) >= second), `since ${second}`);
	}
});

/** A folder put first on PATH holding `name`, a shell script. */
function onPath(name: string, script: string): string {
	const folder = fs.mkdtempSync(path.join(scratch, 'bin-'));
	fs.writeFileSync(path.join(folder, name), `#!/bin/sh\n${script}\n`, {mode: 0o755});
	return folder;
}

async function withPath<T>(folder: string, run: () => Promise<T>): Promise<T> {
	const saved = process.env.PATH;
	process.env.PATH = `${folder}:${saved}`;
	try {
		return await run();
	} finally {
		process.env.PATH = saved;
	}
}

test('asking systemctl whether docker runs under systemd does not hold the screen: timers keep firing while it answers', async () => {
	const systemdRunDir = fs.mkdtempSync(path.join(scratch, 'systemd-'));
	const slowSystemctl = onPath('systemctl', 'sleep 1\necho 4242');
	let ticks = 0;
	const ticker = setInterval(() => ticks++, 10);
	try {
		const source = await withPath(slowSystemctl, async () => findDaemonLog({target: local, exists: nothing, underSystemd: async () => dockerUnderSystemd(systemdRunDir)}));
		assert.deepEqual(source, {kind: 'journald', unit: 'docker.service'});
	} finally {
		clearInterval(ticker);
	}

	assert.ok(ticks >= 10, `the event loop ran ${ticks} times while systemctl took a second`);
	assert.equal(await withPath(onPath('systemctl', 'echo 0'), async () => dockerUnderSystemd(systemdRunDir)), false, 'MainPID 0: docker.service is not running');
	assert.equal(await dockerUnderSystemd(path.join(systemdRunDir, 'absent')), false, 'not booted with systemd');
});

test('the journal is read newest first and only until the lines wanted are found, then followed from that entry on', async () => {
	const calls = path.join(scratch, 'journalctl-calls');
	const entries = Array.from({length: 50}, (_, index) => ({__CURSOR: `s=${index}`, MESSAGE: pluginLine(index, `said ${index}`, index % 2 ? id : 'f'.repeat(64)).trimEnd()})).reverse();
	const journal = path.join(scratch, 'journal.json');
	fs.writeFileSync(journal, entries.map(entry => JSON.stringify(entry)).join('\n') + '\n');
	const fakeJournalctl = onPath(
		'journalctl',
		`echo "$*" >> ${calls}
case "$*" in
  *--reverse*) cat ${journal} ;;
  *--follow*) echo 'time="2026-12-01T01:00:00Z" level=info msg="new" plugin=${id}'; exec sleep 30 ;;
esac`,
	);
	const read: string[] = [];
	const controller = new AbortController();
	const done = withPath(fakeJournalctl, async () =>
		readPluginLog({kind: 'journald', unit: 'docker.service'}, id, {
			last: 3,
			lookBack: {bytes: 0, journalEntries: 1000},
			follow: true,
			signal: controller.signal,
			onLine(line) {
				read.push(line.message);
				if (line.message === 'new') {
					controller.abort();
				}
			},
		}),
	);
	await done;
	assert.deepEqual(read, ['said 45', 'said 47', 'said 49', 'new']);
	assert.deepEqual(fs.readFileSync(calls, 'utf8').trim().split('\n'), [
		'-u docker.service --no-pager --output json --output-fields MESSAGE --reverse -n 1000',
		'-u docker.service --no-pager --output cat --follow --after-cursor s=49',
	]);
});
