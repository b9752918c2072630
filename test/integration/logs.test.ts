import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {kasmTuiCommand, runCli, testConfigDir, testLedgerDir} from '../helpers/cli.js';
import {inspectPlugin} from '../helpers/hardening.js';
import {installPlugin, pushPluginBuild} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const daemonLog = path.join(sandbox.state.dir, 'dockerd.log');
const logs = async (...args: string[]) => runCli(['--host', sandbox.host, 'logs', ...args]);

/** A plugin of the test's own whose stdout says its greeting (KASM_GREETING) each time it starts. */
async function greetingPlugin(stem: string, greeting: string, env: Array<{name: string; value: string}> = []) {
	const repository = `${sandbox.registry}/${uniqueName(stem)}`;
	await pushPluginBuild(sandbox, `${repository}:1.0.0`, {version: `${stem}-1.0.0`, env: [{name: 'KASM_GREETING', value: greeting}, ...env]});
	const name = leftovers.plugin(`${uniqueName(stem)}:1.0.0`);
	await installPlugin(sandbox, `${repository}:1.0.0`, {alias: name});
	const id = (await inspectPlugin(sandbox, name))!.Id;
	return {name, id};
}

async function restart(name: string) {
	await sandbox.docker(['plugin', 'disable', name]);
	await sandbox.docker(['plugin', 'enable', name]);
}

test("logs prints the daemon's lines of that plugin only, oldest first: its stdout (info) and stderr (error)", async () => {
	const mine = await greetingPlugin('logs-mine', 'hello-from-mine');
	const other = await greetingPlugin('logs-other', 'hello-from-other');
	await restart(mine.name);
	const result = await logs(mine.name, '--daemon-log', daemonLog);
	assert.equal(result.code, 0, result.stderr);
	const lines = result.stdout.trimEnd().split('\n');
	assert.ok(lines.filter(line => /info  kasm-fixture: setting KASM_GREETING=hello-from-mine$/.test(line)).length >= 2, result.stdout);
	assert.ok(lines.some(line => /error kasm-fixture: version logs-mine-1\.0\.0 listening on /.test(line)), 'stderr lines too');
	assert.doesNotMatch(result.stdout, /hello-from-other|logs-other/, `not the lines of ${other.name}`);
	const times = lines.map(line => line.split(' ')[0]!);
	assert.deepEqual(times, [...times].sort(), 'oldest first');

	const json = await logs(mine.id.slice(0, 16), '--daemon-log', daemonLog, '--json');
	assert.equal(json.code, 0, json.stderr);
	const first = JSON.parse(json.stdout.split('\n')[0]!) as {time: string; level: string; message: string; line: string};
	assert.match(first.line, new RegExp(`plugin=${mine.id}`));
	assert.match(first.time, /^\d{4}-\d\d-\d\dT/);
});

test('--since leaves out what the plugin said before; a duration that is no duration is bad input', async () => {
	const {name} = await greetingPlugin('logs-since', 'early');
	await sleep(3000);
	await sandbox.docker(['plugin', 'disable', name]);
	await sandbox.docker(['plugin', 'set', name, 'KASM_GREETING=late']);
	await sandbox.docker(['plugin', 'enable', name]);
	const recent = await logs(name, '--since', '2s', '--daemon-log', daemonLog);
	assert.equal(recent.code, 0, recent.stderr);
	assert.match(recent.stdout, /KASM_GREETING=late/);
	assert.doesNotMatch(recent.stdout, /KASM_GREETING=early/);
	assert.match((await logs(name, '--daemon-log', daemonLog)).stdout, /KASM_GREETING=early[^]*KASM_GREETING=late/);

	const bad = await logs(name, '--since', 'yesterday', '--daemon-log', daemonLog);
	assert.equal(bad.code, 2);
	assert.match(bad.stderr, /is not a duration: write e\.g\. 90s, 10m/);
});

test('--follow prints new lines as the daemon writes them, and ctrl-c ends it with exit 0', async () => {
	const {name} = await greetingPlugin('logs-follow', 'first');
	const child = spawn(kasmTuiCommand[0]!, [...kasmTuiCommand.slice(1), '--host', sandbox.host, 'logs', name, '--follow', '--daemon-log', daemonLog], {
		env: {...process.env, DOCKER_HOST: '', KASM_TUI_LEDGER_DIR: testLedgerDir, KASM_TUI_CONFIG_DIR: testConfigDir},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', chunk => {
		output += chunk;
	});
	const until = async (what: string, ready: () => boolean) => {
		for (let waited = 0; !ready(); waited += 100) {
			assert.ok(waited < 20_000, `${what}; output so far:\n${output}`);
			await sleep(100);
		}
	};

	try {
		await until('the lines already there', () => output.includes('KASM_GREETING=first'));
		await sandbox.docker(['plugin', 'disable', name]);
		await sandbox.docker(['plugin', 'set', name, 'KASM_GREETING=second']);
		await sandbox.docker(['plugin', 'enable', name]);
		await until('the line written after it started', () => output.includes('KASM_GREETING=second'));
		child.kill('SIGINT');
		const code = await new Promise<number | null>(resolve => child.on('close', resolve));
		assert.equal(code, 0);
	} finally {
		child.kill('SIGKILL');
	}
});

test('escape sequences in the log are removed; a secret the plugin prints from its settings is not shown', async () => {
	const {name, id} = await greetingPlugin('logs-hostile', 'hi');
	const folder = leftovers.folder('kasm-tui-logs-');
	const file = path.join(folder, 'daemon.log');
	fs.writeFileSync(
		file,
		[
			`time="2026-12-01T10:00:00Z" level=error msg="\u001B]0;owned\u0007\u001B[2Jwiped\r" plugin=${id}`,
			`Dec  1 10:00:01 host dockerd[7]: time="2026-12-01T10:00:01Z" level=info msg="raw \u009B31mred" plugin=${id}`,
			'',
		].join('\n'),
	);
	const result = await logs(name, '--daemon-log', file);
	assert.equal(result.code, 0, result.stderr);
	assert.doesNotMatch(result.stdout, /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
	assert.match(result.stdout, /wiped/);
	assert.match(result.stdout, /red/);

	const secret = await greetingPlugin('logs-secret', 'hello', [{name: 'KASM_API_TOKEN', value: 'tok-s3cr3t-value'}]);
	const shown = await logs(secret.name, '--daemon-log', daemonLog);
	assert.equal(shown.code, 0, shown.stderr);
	assert.match(shown.stdout, /KASM_GREETING=hello/, 'a setting that is no secret is shown');
	assert.match(shown.stdout, /KASM_API_TOKEN=\*\*\*/);
	assert.doesNotMatch(shown.stdout + shown.stderr, /tok-s3cr3t-value/);
});

test('a missing log file or plugin is one line; a remote daemon gets one line saying where its log is read', async () => {
	const {name} = await greetingPlugin('logs-errors', 'hi');
	const missing = await logs(name, '--daemon-log', '/nonexistent/daemon.log');
	assert.equal(missing.code, 2);
	assert.equal(missing.stderr.trim().split('\n').length, 1);
	const nobody = await logs('nobody/here:1', '--daemon-log', daemonLog);
	assert.equal(nobody.code, 2);
	assert.match(nobody.stderr, /no plugin named nobody\/here:1/);

	// TEST-NET-1: never contacted, the answer needs no daemon.
	const remote = await runCli(['--host', 'tcp://192.0.2.10:2376', 'logs', name], {env: {DOCKER_TLS_VERIFY: '1'}});
	assert.equal(remote.code, 0, remote.stderr);
	assert.equal(remote.stdout.trim().split('\n').length, 1);
	assert.match(remote.stdout, /^the daemon at tcp:\/\/192\.0\.2\.10:2376 runs on another machine, so its log is there: .*journalctl -u docker\.service/);
});
