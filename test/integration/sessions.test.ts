import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {runCli, runCliWatching} from '../helpers/cli.js';
import {importImage, moveTag, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {startExtraDaemon, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {testRollingPlugin, uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * Live Kasm sessions (running containers labelled kasm.kasmid) on a host: a change of a plugin
 * there is refused unless the operator says to wait for them or to go ahead. Sessions count for
 * the whole host, so every test here runs on daemons of this file's own, never the shared one.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const started = await Promise.all([startExtraDaemon(sandbox), startExtraDaemon(sandbox)]);
after(async () => Promise.all(started.map(async daemon => daemon.stop())));
const [first, second] = started as [ExtraDaemon, ExtraDaemon];

const sessionImage = 'local/kasm-session:1';
await Promise.all(started.map(async daemon => importImage(daemon.sandbox, sessionImage, 'a Kasm session')));

/** A session container as Kasm's agent starts one: labelled with its kasm id, running. */
async function startSession(on: Sandbox): Promise<string> {
	const name = uniqueName('kasm-session');
	await on.docker(['run', '-d', '--network', 'none', '--label', `kasm.kasmid=${uniqueName('id')}`, '--name', name, sessionImage, '/bin/busybox', 'sleep', '3600']);
	return name;
}

async function endSession(on: Sandbox, name: string): Promise<void> {
	await on.docker(['rm', '-f', name]);
}

async function rollingPluginOn(on: Sandbox, stem: string) {
	const plugin = await testRollingPlugin(sandbox, leftovers, stem, {on});
	await moveTag(sandbox, plugin.repositoryPath, rollingTag, 'amd64-1.2.10');
	return plugin;
}

/** One plugin name on both daemons at 1.2.9, from one repository whose rolling tag then moves to 1.2.10. */
async function rollingPluginOnBoth(stem: string) {
	const plugin = await testRollingPlugin(sandbox, leftovers, stem, {on: first.sandbox});
	await second.sandbox.docker(['plugin', 'install', '--grant-all-permissions', '--alias', plugin.name, plugin.repository.ref(rollingTag)]);
	await moveTag(sandbox, plugin.repositoryPath, rollingTag, 'amd64-1.2.10');
	return plugin;
}

test('--sessions wait shows that it waits, and upgrades once the session container is stopped', async () => {
	const {name} = await rollingPluginOn(first.sandbox, 'sessions-wait');
	const session = await startSession(first.sandbox);
	let stopping: Promise<unknown> | undefined;
	try {
		const result = await runCliWatching(['--host', first.host, '--ledger-dir', leftovers.folder('kt-sessions-wait-'), 'upgrade', name, '--yes', '--sessions', 'wait', '--sessions-timeout', '90'], {
			timeoutMs: 120_000,
			onLine(line) {
				// The user logs out once kasm-tui is seen waiting.
				if (!stopping && /waiting for 1 live Kasm session on \S+ \(\S+\) to end \(\d+ s of 90 s\)/.test(line)) {
					stopping = first.sandbox.docker(['stop', '-t', '0', session]);
				}
			},
		});
		assert.ok(stopping, `never said it waits: ${result.stderr}`);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout + result.stderr, /kasm-tui waits for them to end, at most 90 s \(--sessions-timeout\)/);
		assert.match(result.stderr, /no live Kasm session left on \S+ \(\S+\) after \d+ s: going ahead/);
		assert.equal(await runningVersion(first.sandbox, name), '1.2.10');
	} finally {
		await stopping;
		await endSession(first.sandbox, session);
	}
});

test('--sessions wait gives up at --sessions-timeout: exit 3, nothing changed', async () => {
	const {name} = await rollingPluginOn(first.sandbox, 'sessions-timeout');
	const session = await startSession(first.sandbox);
	try {
		const result = await runCli(['--host', first.host, '--ledger-dir', leftovers.folder('kt-sessions-timeout-'), 'upgrade', name, '--yes', '--sessions', 'wait', '--sessions-timeout', '2']);
		assert.equal(result.code, 3, result.stderr);
		assert.match(result.stderr, /waiting for 1 live Kasm session/);
		assert.match(result.stderr, /1 live Kasm session on \S+ \(\S+\): they would lose their network; still there after 2 s \(--sessions-timeout\); nothing was done/);
		assert.equal(await runningVersion(first.sandbox, name), '1.2.9');
		assert.equal((JSON.parse(await first.sandbox.docker(['plugin', 'inspect', name])) as Array<{Enabled: boolean}>)[0]!.Enabled, true, 'never disabled');
	} finally {
		await endSession(first.sandbox, session);
	}
});

test('a rollout puts the host without sessions first; by default the host with one is left out, refused, with why', async () => {
	const plugin = await rollingPluginOnBoth('sessions-rollout');
	const session = await startSession(first.sandbox);
	const configDir = leftovers.folder('kt-sessions-config-');
	fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({rolloutSettleSeconds: 1}));
	const env = {KASM_TUI_CONFIG_DIR: configDir};
	const hosts = ['--host', `agent-1=${first.host}`, '--host', `agent-2=${second.host}`];
	try {
		const refused = await runCli(['fleet', 'upgrade', plugin.name, ...hosts, '--ledger-dir', leftovers.folder('kt-sessions-rollout-'), '--yes', '--json'], {env, timeoutMs: 120_000});
		const report = JSON.parse(refused.stdout) as {hosts: Array<{name: string; result: string; reason: string | null}>};
		assert.deepEqual(
			report.hosts.map(host => [host.name, host.result]),
			[
				['agent-1', 'skipped'],
				['agent-2', 'done'],
			],
			refused.stderr,
		);
		assert.match(report.hosts[0]!.reason ?? '', /^1 live Kasm session on agent-1: they would lose their network/);
		assert.equal(await runningVersion(first.sandbox, plugin.name), '1.2.9');

		// Another plugin, and both hosts go: agent-2 first, though named second.
		const other = await rollingPluginOnBoth('sessions-rollout-ignore');
		const ignored = await runCli(['fleet', 'upgrade', other.name, ...hosts, '--ledger-dir', leftovers.folder('kt-sessions-rollout-'), '--yes', '--sessions', 'ignore'], {env, timeoutMs: 120_000});
		assert.equal(ignored.code, 0, ignored.stderr);
		assert.match(ignored.stdout, /order: agent-2, then agent-1;/);
		assert.match(ignored.stdout, /1 live Kasm session on agent-1: going ahead anyway \(--sessions ignore\)/);
		assert.ok(ignored.stderr.indexOf('agent-2: ') < ignored.stderr.indexOf('agent-1: '), ignored.stderr);
		assert.deepEqual(await Promise.all([runningVersion(first.sandbox, other.name), runningVersion(second.sandbox, other.name)]), ['1.2.10', '1.2.10']);
	} finally {
		await endSession(first.sandbox, session);
	}
});

test('plugins --json and fleet plugins --json count the live Kasm sessions of each host; plugins says them under its table', async () => {
	const plugin = await rollingPluginOnBoth('sessions-listing');
	const sessions = [await startSession(second.sandbox), await startSession(second.sandbox)];
	const stopped = await startSession(second.sandbox);
	await second.sandbox.docker(['stop', '-t', '0', stopped]);
	try {
		const fleet = await runCli(['fleet', 'plugins', '--host', `agent-1=${first.host}`, '--host', `agent-2=${second.host}`, '--json', '--read-only']);
		assert.equal(fleet.code, 0, fleet.stderr);
		const hosts = (JSON.parse(fleet.stdout) as {hosts: Array<{name: string; liveSessions: number}>}).hosts;
		assert.deepEqual(
			hosts.map(host => [host.name, host.liveSessions]),
			[
				['agent-1', 0],
				['agent-2', 2],
			],
		);
		const text = await runCli(['fleet', 'plugins', '--host', `agent-1=${first.host}`, '--host', `agent-2=${second.host}`, '--read-only']);
		assert.equal(text.code, 0, text.stderr);
		assert.match(text.stdout, /^HOST\s+ADDRESS\s+ENGINE\s+PLUGINS\s+SESSIONS\s+STATE/m);
		assert.match(text.stdout, /^agent-2\s+\S+\s+\S+\s+\d+\s+2\s+answers/m);

		const listed = await runCli(['--host', second.host, 'plugins', '--json', '--read-only']);
		assert.equal(listed.code, 0, listed.stderr);
		const entries = JSON.parse(listed.stdout) as Array<{name: string; liveSessions: number}>;
		assert.equal(entries.find(entry => entry.name === plugin.name)?.liveSessions, 2);
		const table = await runCli(['--host', second.host, 'plugins', '--read-only']);
		assert.equal(table.code, 0, table.stderr);
		assert.match(table.stdout, /^2 live Kasm sessions on unix:\/\/\S+: a change of a plugin here is refused unless --sessions wait or ignore$/m);
		const none = await runCli(['--host', first.host, 'plugins', '--json', '--read-only']);
		assert.equal((JSON.parse(none.stdout) as Array<{liveSessions: number}>)[0]?.liveSessions, 0);
	} finally {
		await Promise.all([...sessions, stopped].map(async name => endSession(second.sandbox, name)));
	}
});
