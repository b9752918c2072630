import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {kasmTuiCommand, runCli, runCliWatching} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {moveTag, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {startExtraDaemon} from '../sandbox/fleet-hosts.js';
import {standInKasm} from '../sandbox/kasm-stand-in.js';
import {startSshBed} from '../sandbox/ssh-host.js';
import {testRollingPlugin, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * Kasm's own procedure as one plan (--with-kasm-restart) on a stand-in Kasm whose services keep the
 * plugin in use through their network on its driver, as Kasm's keep the sidecar. A daemon of this
 * file's own: Kasm's services are the host's, and no other test should meet them.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const daemon = await startExtraDaemon(sandbox);
const bed = startSshBed();
after(async () => Promise.all([daemon.stop(), bed.stop()]));

const {name, repository, repositoryPath} = await testRollingPlugin(sandbox, leftovers, 'kasm-restart', {on: daemon.sandbox, movedTo: 'amd64-1.2.10'});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-kasm-'));
after(() => fs.rmSync(dir, {recursive: true, force: true}));
const kasm = await standInKasm(daemon.sandbox, {plugin: name, dir});
const ledgerDir = leftovers.folder('kt-kasm-restart-');
const cli = async (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(['--host', daemon.host, '--ledger-dir', ledgerDir, ...args], {timeoutMs: 240_000, ...options});
const runs = () => (fs.existsSync(path.join(dir, 'runs.log')) ? fs.readFileSync(path.join(dir, 'runs.log'), 'utf8').trim().split('\n') : []);

test("without --with-kasm-restart a plugin Kasm's services use is refused (exit 3), saying the way through; Kasm is not touched", async () => {
	const before = runs().length;
	const result = await cli(['upgrade', name, '--yes']);
	assert.equal(result.code, 3, result.stderr);
	assert.match(result.stderr, /is in use by 1 network \(kasm_default_network\), 2 containers \(kasm_agent, kasm_api\)/);
	assert.match(result.stderr, /it is Kasm's services that use it: --with-kasm-restart \(K on the screen\) stops Kasm/);
	assert.equal(runs().length, before, 'neither Kasm script ran');
	assert.deepEqual(await kasm.running(), kasm.services);
});

test('upgrade --with-kasm-restart shows the exact commands, stops Kasm, upgrades, starts Kasm, and its services run again', async () => {
	const before = runs().length;
	const result = await cli(['upgrade', name, '--yes', '--with-kasm-restart', '--kasm-dir', dir]);
	assert.equal(result.code, 0, result.stdout + result.stderr);
	// The plan, confirmed once: Kasm's own scripts, as root here (no sudo), around docker's steps.
	const steps = result.stdout.slice(result.stdout.indexOf('  steps'));
	assert.match(steps, new RegExp(`1\\. stop Kasm on this machine \\(kasm_agent, kasm_api\\)\\n +${dir}/bin/stop\\n`));
	assert.match(steps, /2\. disable .*\n.*\n +3\. replace the build/);
	assert.match(steps, new RegExp(`5\\. start Kasm on this machine, and wait for kasm_agent, kasm_api to run again\\n +${dir}/bin/start\\n`));
	assert.match(result.stdout, /! Kasm on .* is stopped from step 1 to step 5: no one can log in or start a session until it is started again/);
	assert.deepEqual(runs().slice(before), ['stop 0', 'start 0']);
	assert.deepEqual(await kasm.running(), kasm.services);
	assert.equal(await runningVersion(daemon.sandbox, name), '1.2.10');
	// Recorded: the change, and that Kasm was stopped and started around it.
	const history = await cli(['history', name, '--json']);
	const entries = JSON.parse(history.stdout) as Array<{action: string; outcome: string; kasm?: {dir: string; where: string}}>;
	const last = entries.find(entry => entry.action === 'upgrade' && entry.outcome === 'ok');
	assert.deepEqual(last?.kasm, {dir, where: 'this machine', services: kasm.services});
});

test('an upgrade that fails with Kasm stopped is undone, and Kasm started again: its services run, the plugin runs the build it had (exit 1)', async () => {
	// The rolling tag moves to a build that installs but cannot start.
	await pushPluginBuild(sandbox, repository.ref('amd64-1.2.11'), {version: '1.2.11', entrypoint: ['/not-there']});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.11');
	const before = runs().length;
	const result = await cli(['upgrade', name, '--yes', '--with-kasm-restart', '--kasm-dir', dir]);
	assert.equal(result.code, 1, result.stdout + result.stderr);
	assert.match(result.stderr, /undo: stop Kasm on this machine/);
	assert.match(result.stderr, new RegExp(`upgrade of ${name.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: .*; ${name.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')} is as it was \\(enabled`));
	assert.deepEqual(runs().slice(before), ['stop 0', 'start 0']);
	assert.deepEqual(await kasm.running(), kasm.services);
	assert.equal(await runningVersion(daemon.sandbox, name), '1.2.10');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
});

test('over ssh:// the scripts run on the host through the ssh config (its user root there: no sudo), and the plan shows that ssh command', async () => {
	const server = await bed.addHost('kasm-agent-restart', daemon.host);
	const before = runs().length;
	const result = await runCli(['--host', server.address, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes', '--with-kasm-restart', '--kasm-dir', dir], {
		env: bed.env,
		timeoutMs: 240_000,
	});
	assert.equal(result.code, 0, result.stdout + result.stderr);
	assert.match(result.stdout, new RegExp(`1\\. stop Kasm on kasm-agent-restart over ssh \\(kasm_agent, kasm_api\\)\\n +ssh -o ConnectTimeout=30 -o ServerAliveInterval=3 -o ServerAliveCountMax=3 -T -- kasm-agent-restart ${dir}/bin/stop\\n`));
	assert.deepEqual(runs().slice(before), ['stop 0', 'start 0']);
	assert.deepEqual(await kasm.running(), kasm.services);
});

test('a rollout with --with-kasm-restart stops and starts Kasm around its host\'s change, after the health gate; without it the host is refused', async () => {
	// A new build behind the rolling tag: a host already on the registry's build would be skipped as current.
	await pushPluginBuild(sandbox, repository.ref('amd64-1.2.12'), {version: '1.2.12'});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.12');
	const before = runs().length;
	const refused = await runCli(['fleet', 'upgrade', name, '--host', `agent-1=${daemon.host}`, '--ledger-dir', ledgerDir, '--yes', '--json'], {timeoutMs: 120_000});
	assert.equal(refused.code, 3, refused.stderr);
	assert.equal(runs().length, before);
	const result = await runCli(['fleet', 'upgrade', name, '--host', `agent-1=${daemon.host}`, '--ledger-dir', ledgerDir, '--yes', '--json', '--with-kasm-restart', '--kasm-dir', dir], {timeoutMs: 240_000});
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const report = JSON.parse(result.stdout) as {hosts: Array<{name: string; result: string}>};
	assert.deepEqual(report.hosts.map(host => [host.name, host.result]), [['agent-1', 'done']]);
	assert.deepEqual(runs().slice(before), ['stop 0', 'start 0']);
	assert.deepEqual(await kasm.running(), kasm.services);
	assert.equal(await runningVersion(daemon.sandbox, name), '1.2.12');
});

test('a Kasm folder without its scripts, and --kasm-dir without --with-kasm-restart, are refused before anything is done', async () => {
	const before = runs().length;
	const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-no-kasm-'));
	try {
		const missing = await cli(['upgrade', name, '--yes', '--with-kasm-restart', '--kasm-dir', empty]);
		assert.equal(missing.code, 3, missing.stderr);
		assert.match(missing.stderr, new RegExp(`no Kasm folder with bin/stop and bin/start on .* \\(this machine\\): looked in ${empty}; give its folder with --kasm-dir DIR; nothing was changed`));
	} finally {
		fs.rmSync(empty, {recursive: true, force: true});
	}

	const alone = await cli(['upgrade', name, '--yes', '--kasm-dir', dir]);
	assert.equal(alone.code, 2);
	assert.match(alone.stderr, /--kasm-dir is where Kasm's scripts are for --with-kasm-restart: give it with --with-kasm-restart/);
	const relative = await cli(['upgrade', name, '--yes', '--with-kasm-restart', '--kasm-dir', 'opt/kasm; rm -rf /']);
	assert.equal(relative.code, 2);
	assert.match(relative.stderr, /--kasm-dir takes an absolute path/);
	assert.equal(runs().length, before);
	assert.deepEqual(await kasm.running(), kasm.services);
});

test('on the screen u is refused with the way through, and K upgrades with Kasm stopped and started, shown and confirmed once', async () => {
	const before = runs().length;
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', daemon.host, '--ledger-dir', ledgerDir, '--kasm-dir', dir], {columns: 120, rows: 40});
	try {
		await screen.waitFor(text => /Plugins \(1\)/.test(text) && text.includes('kasm_default_network'));
		await screen.keys('u');
		const refused = (await screen.waitFor(text => text.includes('Upgrade refused'), 30_000)).replaceAll(/[\s│]+/g, ' ');
		assert.match(refused, /it is Kasm's services that use it: --with-kasm-restart \(K on the screen\) stops Kasm/);
		await screen.keys('Escape');
		// Sent at once, esc and K would read as one key (alt-K): the refusal goes first.
		await screen.waitFor(text => !text.includes('Upgrade refused'));
		await screen.keys('K');
		await screen.answerPrompt(
			{title: /Upgrade .*\?/, body: [/stop Kasm on this machine \(kasm_agent, kasm_api\)/, new RegExp(`${dir}/bin/stop`), /docker plugin upgrade/, new RegExp(`${dir}/bin/start`)]},
			'y',
		);
		const shown = await screen.waitFor(text => /Upgrade (done|failed)/.test(text), 120_000);
		assert.match(shown, /Upgrade done/);
	} finally {
		await screen.close();
	}

	assert.deepEqual(runs().slice(before), ['stop 0', 'start 0']);
	assert.deepEqual(await kasm.running(), kasm.services);
});

test('a kasm-tui killed with Kasm stopped leaves that in the ledger: recover puts the plugin back and starts Kasm again', async () => {
	const version = await runningVersion(daemon.sandbox, name);
	const before = runs().length;
	const killed = await runCliWatching(['--host', daemon.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes', '--with-kasm-restart', '--kasm-dir', dir], {
		onLine(line, child) {
			if (/^\[2\/5\] disable /.test(line)) {
				child.kill('SIGKILL');
			}
		},
	});
	assert.equal(killed.signal, 'SIGKILL', killed.stderr);
	assert.deepEqual(runs().slice(before), ['stop 0'], 'killed after Kasm was stopped');
	assert.deepEqual(await kasm.running(), []);
	const recovered = await cli(['recover', name, '--yes']);
	assert.equal(recovered.code, 0, recovered.stdout + recovered.stderr);
	assert.match(recovered.stderr, /the change that died had stopped Kasm: starting it again/);
	assert.match(recovered.stdout, /Kasm is started again/);
	assert.deepEqual(runs().slice(before), ['stop 0', 'start 0']);
	assert.deepEqual(await kasm.running(), kasm.services);
	assert.equal(await runningVersion(daemon.sandbox, name), version);
});
