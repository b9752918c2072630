import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {DaemonLogNotFound, findDaemonLog, isPluginLine, parseDuration, parseLogLine, remoteLogHint, usualLogFiles} from '../../source/machine/daemon-log.js';
import {BadInput} from '../../source/errors.js';

const id = 'aab1d3f188a399913e66b650d296a3473b03a1f49c0cc301d7b9c4d50a1435f1';
const local = parseHost('unix:///var/run/docker.sock', 'default', {});
const nothing = () => false;

test('the daemon of docker.service under systemd is read from journald; a file named by the operator wins', () => {
	assert.deepEqual(findDaemonLog({target: local, underSystemd: () => true, exists: nothing}), {kind: 'journald', unit: 'docker.service'});
	assert.deepEqual(findDaemonLog({target: local, file: '/srv/dockerd.log', underSystemd: () => true, exists: () => true}), {kind: 'file', path: '/srv/dockerd.log'});
	assert.deepEqual(findDaemonLog({target: local, setting: '/srv/set.log', underSystemd: () => true, exists: () => true}), {kind: 'file', path: '/srv/set.log'});
	assert.throws(() => findDaemonLog({target: local, file: '/missing.log', exists: nothing, underSystemd: nothing}), BadInput);
});

test('without systemd the usual files are tried in order; a private daemon on another socket is never journald', () => {
	assert.deepEqual(findDaemonLog({target: local, underSystemd: nothing, exists: file => file === '/var/log/syslog'}), {kind: 'file', path: '/var/log/syslog'});
	const sandbox = parseHost('unix:///tmp/kt-x/docker.sock', 'flag', {});
	assert.deepEqual(findDaemonLog({target: sandbox, underSystemd: () => true, exists: file => file === usualLogFiles[0]}), {kind: 'file', path: usualLogFiles[0]});
	assert.throws(
		() => findDaemonLog({target: local, underSystemd: nothing, exists: nothing}),
		(error: unknown) => error instanceof DaemonLogNotFound && /pass --daemon-log FILE/.test(error.message) && !error.message.includes('\n'),
	);
});

test('a remote daemon gets one line saying where its log is read; a daemon on loopback tcp is local', () => {
	for (const address of ['tcp://192.0.2.10:2376', 'ssh://ops@kasm-agent-1']) {
		// Port 2376 is TLS: checked, as DOCKER_TLS_VERIFY says (unchecked would need --tls-insecure).
		const source = findDaemonLog({target: parseHost(address, 'flag', {DOCKER_TLS_VERIFY: '1'}), file: '/ignored', exists: () => true, underSystemd: () => true});
		assert.deepEqual(source, {kind: 'remote', address});
		const hint = remoteLogHint(source as {kind: 'remote'; address: string}, 'kasmweb/sidecar:amd64-1.2');
		assert.ok(!hint.includes('\n'));
		assert.match(hint, /journalctl -u docker\.service \| grep "plugin=\$\(docker plugin inspect -f '\{\{\.Id\}\}' kasmweb\/sidecar:amd64-1\.2\)"/);
	}

	assert.match(remoteLogHint({kind: 'remote', address: 'ssh://ops@kasm-agent-1'}, 'p'), /on ops@kasm-agent-1 \(ssh ops@kasm-agent-1\)/);
	assert.equal(findDaemonLog({target: parseHost('tcp://127.0.0.1:2375', 'flag', {}), file: '/x', exists: () => true}).kind, 'file');
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
