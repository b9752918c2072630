import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {test, type TestContext} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {Ledger} from '../../source/ledger/ledger.js';
import {kasmTuiCommand, runCli} from '../helpers/cli.js';
import {answer, assertOneErrorLine, assertSettled, inspectPlugin, retag, startProxy, type MisbehavingServer} from '../helpers/hardening.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import type {EngineKind} from '../sandbox/engines.js';
import {restartDaemon, startExtraRegistry, startSandbox, type Sandbox} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * `recover` is a change like any other: each of its steps has an undo, so a registry that fails
 * its pull, or a plugin something now uses, leaves the plugin as it was before `recover`, and the
 * ledger keeps the dead change to recover once the registry answers.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A rolling plugin at 1.2.9, pulled through a proxy in front of a registry of its own whose rolling tag has moved on to 1.2.10. */
async function pluginThroughProxy(t: TestContext, stem: string, on: Sandbox = sandbox) {
	const registry = await startExtraRegistry(on);
	t.after(async () => registry.stop());
	const proxy = await startProxy({host: '127.0.0.1', port: Number(registry.address.split(':')[1])});
	t.after(async () => proxy.close());
	const repositoryPath = uniqueName(stem);
	for (const version of ['1.2.9', '1.2.10']) {
		await pushPluginBuild(on, `${registry.address}/${repositoryPath}:amd64-${version}`, {version});
	}

	await retag(registry.address, repositoryPath, rollingTag, 'amd64-1.2.9');
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
	await installPlugin(on, `${proxy.address}/${repositoryPath}:${rollingTag}`, {alias: name});
	await retag(registry.address, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-recover-');
	const kasmTui = async (...args: string[]) => runCli(['--host', on.host, '--ledger-dir', ledgerDir, ...args], {timeoutMs: 180_000});
	return {registry, proxy, repositoryPath, name, ledgerDir, kasmTui};
}

/**
 * What a kasm-tui killed between an upgrade's last step and its outcome leaves: the plugin
 * enabled at 1.2.10, the upgrade unfinished in its ledger; recover must pull 1.2.9 back.
 */
async function upgradedWithoutOutcome(t: TestContext, stem: string) {
	const bed = await pluginThroughProxy(t, stem);
	const upgraded = await bed.kasmTui('upgrade', bed.name, '--yes');
	assert.equal(upgraded.code, 0, upgraded.stderr);
	const file = new Ledger(bed.ledgerDir).fileOf(bed.name);
	const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
	assert.equal((JSON.parse(lines.at(-1)!) as {outcome: string}).outcome, 'ok');
	fs.writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
	assert.equal(await runningVersion(sandbox, bed.name), '1.2.10');
	assert.equal(new Ledger(bed.ledgerDir).unfinished(bed.name)?.action, 'upgrade');
	return bed;
}

/** From now on the registry fails every request of the daemon's own for the repository (kasm-tui's own reads pass). */
function failDaemonRequests(proxy: MisbehavingServer, repositoryPath: string, faulted: string[]) {
	proxy.rule = request => {
		if (String(request.headers['user-agent']).startsWith('kasm-tui') || !request.url?.startsWith(`/v2/${repositoryPath}/`)) {
			return undefined;
		}

		faulted.push(`${request.method} ${request.url}`);
		return answer(503, JSON.stringify({errors: [{code: 'UNAVAILABLE', message: 'try later'}]}));
	};
}

/**
 * A proxy in front of the daemon that arms `fault` as the daemon is asked to pull (an upgrade or
 * an install), so the registry fails the pull itself, not the reads made while planning.
 */
async function failingFromThePullOn(t: TestContext, fault: () => void, on: Sandbox = sandbox) {
	const socketPath = path.join(leftovers.folder('kt-recover-daemon-'), 'docker.sock');
	const daemon = await startProxy({socketPath: on.state.socket}, {socketPath});
	t.after(async () => daemon.close());
	daemon.rule = request => {
		if (request.method === 'POST' && /^\/v[\d.]+\/plugins\/(.+\/upgrade|pull)\b/.test(request.url ?? '')) {
			fault();
		}

		return undefined;
	};

	return `unix://${socketPath}`;
}

test('a registry that fails the pull inside recover: the plugin stays enabled at the build it had before recover, exit 4 saying what recover could not do, and the ledger keeps the change to recover', async t => {
	const {proxy, repositoryPath, name, ledgerDir} = await upgradedWithoutOutcome(t, 'recover-pull-fails');
	const faulted: string[] = [];
	const host = await failingFromThePullOn(t, () => failDaemonRequests(proxy, repositoryPath, faulted));
	const kasmTui = async (...args: string[]) => runCli(['--host', host, '--ledger-dir', ledgerDir, ...args], {timeoutMs: 180_000});

	const failed = await kasmTui('recover', name, '--yes');
	assert.ok(faulted.length > 0, `the daemon's pull met the fault (${proxy.seen.join(', ')})`);
	assert.equal(failed.code, 4, failed.stderr);
	const line = assertOneErrorLine(failed.stderr, 'the failed recover', {afterProgress: true});
	assert.match(
		line,
		new RegExp(
			`^kasm-tui: recover of ${escape(name)} failed: .*; ${escape(name)} is as it was before recover \\(enabled, amd64-1\\.2-rolling\\); ` +
				`not done: put the build ${escape(name)} had back \\(.*:amd64-1\\.2\\.9\\); run "kasm-tui recover ${escape(name)}" again once the daemon and registry answer$`,
		),
	);
	assert.match(failed.stderr, /undo: disable /, 'the disable was undone');
	const plugin = await inspectPlugin(sandbox, name);
	assert.equal(plugin?.Enabled, true, 'enabled, as before recover');
	assert.equal(await runningVersion(sandbox, name), '1.2.10', 'at the build it ran before recover');
	const ledger = new Ledger(ledgerDir);
	const last = ledger.read(name).entries.at(-1)!;
	assert.deepEqual([last.action, last.outcome], ['recover', 'restored'], 'the recover is recorded, undone');
	assert.ok(last.error && line.includes(last.error), `the ledger says why, as the command did: ${last.error}`);
	assert.equal(ledger.unfinished(name)?.action, 'upgrade', 'the dead upgrade is still there to recover');

	// The registry answers again: recover finishes what the upgrade left.
	proxy.rule = undefined;
	const recovered = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes']);
	assert.equal(recovered.code, 0, recovered.stderr);
	const state = await assertSettled(sandbox, ledgerDir, name);
	assert.equal(state.version, '1.2.9');
	assert.deepEqual(
		ledger.read(name).entries.slice(-2).map(entry => `${entry.action} ${entry.outcome}`),
		['recover ok', 'recover restored'],
		'the recover, then the upgrade it settles',
	);
});

test('recover never forces a plugin something uses: it refuses, exit 3, and changes nothing', async t => {
	const {name, ledgerDir} = await upgradedWithoutOutcome(t, 'recover-in-use');
	const volume = uniqueName('recover-in-use-volume');
	await sandbox.docker(['volume', 'create', '-d', name, volume]);
	t.after(async () => sandbox.docker(['volume', 'rm', '--force', volume]).catch(() => {}));
	const before = await inspectPlugin(sandbox, name);

	const readOnly = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, '--read-only', 'recover', name, '--yes']);
	assert.equal(readOnly.code, 3, readOnly.stderr);
	assert.match(assertOneErrorLine(readOnly.stderr, 'read-only'), /read-only \(--read-only\): it will not recover /);
	const refused = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes']);
	assert.equal(refused.code, 3, refused.stderr);
	assert.match(assertOneErrorLine(refused.stderr, 'the refusal', {afterProgress: true}), /in use by 1 volume/);
	const after = await inspectPlugin(sandbox, name);
	assert.deepEqual({id: after?.Id, enabled: after?.Enabled}, {id: before?.Id, enabled: true});
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
	assert.equal(new Ledger(ledgerDir).unfinished(name)?.action, 'upgrade');
});

/** What a daemon restart in the middle of an enable leaves, by engine generation. */
type CutShort = 'kept its container' | 'enabled' | 'left disabled';

/**
 * An enable the daemon's restart cut short. dockerd 20.10 keeps its containerd container, and
 * every enable after it fails with "id already in use"; the restart has to come while the daemon
 * starts the plugin (tens of milliseconds after the enable). Docker 26.1 finishes the enable
 * before it stops: the plugin comes back enabled. Docker 28.5 gives up an enable its SIGTERM
 * meets (it answers nothing, takes ~5 s to stop, and comes back with the plugin disabled and
 * enabling cleanly); an enable already past that point it finishes, so which one a moment gives
 * depends on the machine's load. A few moments are tried until `wanted` happens; the plugin is
 * then left as that restart left it.
 */
const cutShortBy: Record<EngineKind, CutShort> = {'20.10': 'kept its container', '26.1': 'enabled', '28.5-containerd': 'left disabled'};

async function enableCutShortByRestart(own: Sandbox, name: string, wanted: CutShort): Promise<void> {
	const seen: string[] = [];
	for (const delayMs of [30, 60, 100, 15, 150, 0, 5]) {
		await own.docker(['plugin', 'disable', '--force', name]).catch(() => {});
		const asked = new Promise<void>(resolve => {
			const request = http.request({socketPath: own.state.socket, method: 'POST', path: `/v1.41/plugins/${encodeURIComponent(name)}/enable?timeout=30`}, response => response.resume().on('end', resolve));
			request.on('error', () => resolve());
			request.end();
		});
		await sleep(delayMs);
		await restartDaemon(own, {downMs: 500});
		await asked;
		const outcome: CutShort = (await inspectPlugin(own, name))?.Enabled
			? 'enabled'
			: /id already in use/.test(await own.docker(['plugin', 'enable', name]).then(() => '', (error: unknown) => String(error)))
				? 'kept its container'
				: 'left disabled';
		seen.push(`${delayMs} ms: ${outcome}`);
		if (outcome === wanted) {
			if (outcome === 'left disabled') {
				// Telling it from a kept container enabled it: disabled again, as the restart left it.
				await own.docker(['plugin', 'disable', name]);
			}

			return;
		}
	}

	assert.fail(`no restart in the middle of an enable of ${name} left it ${wanted} (${seen.join(', ')})`);
}

/**
 * What a kasm-tui killed in the middle of `action` on a plugin leaves in the ledger: its `started`
 * entry, saying what the plugin was (`plugin`, enabled) and where its build is (`restoreRemote`).
 */
function leftUnfinished(ledgerDir: string, plugin: NonNullable<Awaited<ReturnType<typeof inspectPlugin>>>, restoreRemote: string, action: 'enable' | 'upgrade') {
	new Ledger(ledgerDir).append({
		time: new Date().toISOString(),
		action,
		name: plugin.Name,
		reference: plugin.PluginReference,
		tag: rollingTag,
		identity: {diffIds: plugin.Config.rootfs?.diff_ids ?? []},
		pluginId: plugin.Id,
		outcome: 'started',
		attempt: `cut-short-${action}`,
		from: {name: plugin.Name, reference: plugin.PluginReference, tag: rollingTag, enabled: true, restoreRemote},
		user: 'ops',
		version: '0.1.0',
	});
}

test('an enable a daemon restart cut short: where dockerd kept its container (20.10), recover pulls the build under a name of its own before removing anything, so a failing registry leaves the plugin installed as before (exit 4), then installs it afresh; where the enable finished (26.1), recover only records it; where it was given up (28.5), recover enables the plugin again', async t => {
	// A daemon of the test's own: restarting the shared one would disturb other tests.
	const own = await startSandbox();
	t.after(async () => own.stop());
	const {proxy, repositoryPath, name, ledgerDir} = await pluginThroughProxy(t, 'recover-stale', own);
	const before = (await inspectPlugin(own, name))!;
	const cutShort = cutShortBy[own.state.kind];
	await enableCutShortByRestart(own, name, cutShort);
	leftUnfinished(ledgerDir, before, `${proxy.address}/${repositoryPath}:amd64-1.2.9`, 'enable');
	const ledger = new Ledger(ledgerDir);
	if (cutShort !== 'kept its container') {
		const recorded = await runCli(['--host', own.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes'], {timeoutMs: 180_000});
		assert.equal(recorded.code, 0, recorded.stderr);
		const after = await inspectPlugin(own, name);
		assert.deepEqual({id: after?.Id, enabled: after?.Enabled}, {id: before.Id, enabled: true}, cutShort === 'enabled' ? 'nothing to change' : 'the same plugin, enabled again');
		await assertSettled(own, ledgerDir, name);
		return;
	}

	const faulted: string[] = [];
	const host = await failingFromThePullOn(t, () => failDaemonRequests(proxy, repositoryPath, faulted), own);
	const failed = await runCli(['--host', host, '--ledger-dir', ledgerDir, 'recover', name, '--yes'], {timeoutMs: 180_000});
	assert.ok(faulted.length > 0, `the registry failed the pull (${proxy.seen.join(', ')})`);
	assert.equal(failed.code, 4, failed.stderr);
	const kept = await inspectPlugin(own, name);
	assert.deepEqual({id: kept?.Id, enabled: kept?.Enabled}, {id: before.Id, enabled: false}, 'still installed, the same plugin, as before recover');
	assert.match(failed.stderr, /cannot be enabled: the daemon kept the container of an enable cut short; installing the same build afresh/);
	assert.match(
		assertOneErrorLine(failed.stderr, 'the failed recover', {afterProgress: true}),
		new RegExp(`^kasm-tui: recover of ${escape(name)} failed: .*; ${escape(name)} is as it was before recover \\(disabled, amd64-1\\.2-rolling\\); not done: install ${escape(name)} afresh from .*:amd64-1\\.2\\.9 and enable it; run "kasm-tui recover `),
	);
	assert.equal(ledger.unfinished(name)?.action, 'enable', 'the cut-short enable is still there to recover');

	proxy.rule = undefined;
	const recovered = await runCli(['--host', own.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes'], {timeoutMs: 180_000});
	assert.equal(recovered.code, 0, recovered.stderr);
	const after = await inspectPlugin(own, name);
	assert.equal(after?.Enabled, true);
	assert.notEqual(after?.Id, before.Id, 'installed afresh: a new id, free of the kept container');
	await assertSettled(own, ledgerDir, name);
	const names = (await own.docker(['plugin', 'ls', '--format', '{{.Name}}'])).split('\n');
	assert.deepEqual(names.filter(line => line.includes('kasm-tui-recover-')), [], 'the name recover pulled under is gone');
});

/**
 * `kasm-tui recover` in a terminal, its confirmation left open while another hand (cron's
 * auto-update, another operator) does `meanwhile`, then answered "y". Returns its exit code and
 * what it said, joined as the terminal wrapped it.
 */
async function recoverWithPromptOpen(ledgerDir: string, name: string, {shows, meanwhile}: {shows: RegExp; meanwhile: () => Promise<unknown>}) {
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir, 'recover', name], {columns: 200, rows: 50});
	try {
		const prompt = await screen.waitFor(text => text.includes('Go ahead? [y/N]'), 60_000);
		assert.match(prompt.replaceAll('\n', ''), shows, 'the steps recover confirms');
		await meanwhile();
		await screen.typeText('y');
		await screen.keys('Enter');
		const code = await screen.exitCode(120_000);
		return {code, said: (await screen.capture()).replaceAll('\n', '')};
	} finally {
		await screen.close();
	}
}

/** The recover entries written since `count` entries: none started when recover was refused. */
const recoverEntriesAfter = (ledgerDir: string, name: string, count: number) =>
	new Ledger(ledgerDir)
		.read(name)
		.entries.slice(count)
		.filter(entry => entry.action === 'recover')
		.map(entry => entry.outcome);

test('recover left at its confirmation while another hand disables the plugin: at "y" it is refused, exit 3, saying what changed; nothing is done and the dead change is still to recover', async t => {
	const {name, ledgerDir} = await upgradedWithoutOutcome(t, 'recover-stale-plan');
	const entries = new Ledger(ledgerDir).read(name).entries.length;
	const {code, said} = await recoverWithPromptOpen(ledgerDir, name, {
		shows: new RegExp(`put the build ${escape(name)} had back`),
		meanwhile: async () => sandbox.docker(['plugin', 'disable', name]),
	});
	assert.equal(code, 3, said);
	assert.match(said, new RegExp(`kasm-tui: ${escape(name)} changed since the plan: it was enabled, now disabled; nothing was done: look again and confirm`));
	assert.equal((await inspectPlugin(sandbox, name))?.Enabled, false, 'left as the other hand left it, not enabled again');
	await sandbox.docker(['plugin', 'enable', name]);
	assert.equal(await runningVersion(sandbox, name), '1.2.10', 'nothing was pulled back');
	assert.deepEqual(recoverEntriesAfter(ledgerDir, name, entries), ['refused'], 'the refusal recorded, and no recover started');
	assert.equal(new Ledger(ledgerDir).unfinished(name)?.action, 'upgrade', 'the dead upgrade is still there to recover');
});

/** A plugin at 1.2.9 whose upgrade died before its first step: recover has only to record it as it was. */
async function upgradeDiedBeforeItsFirstStep(t: TestContext, stem: string) {
	const bed = await pluginThroughProxy(t, stem);
	leftUnfinished(bed.ledgerDir, (await inspectPlugin(sandbox, bed.name))!, `${bed.proxy.address}/${bed.repositoryPath}:amd64-1.2.9`, 'upgrade');
	return bed;
}

test('recover that has only to record the plugin as it was, left at its confirmation while another hand upgrades the plugin: refused at "y", exit 3, and the ledger never says it is back as it was', async t => {
	const {name, ledgerDir, proxy, repositoryPath} = await upgradeDiedBeforeItsFirstStep(t, 'recover-stale-record');
	const entries = new Ledger(ledgerDir).read(name).entries.length;
	const {code, said} = await recoverWithPromptOpen(ledgerDir, name, {
		shows: /record that it is as it was/,
		// The rolling tag has moved on to 1.2.10: what cron's auto-update would do.
		meanwhile: async () => {
			await sandbox.docker(['plugin', 'disable', name]);
			await sandbox.docker(['plugin', 'upgrade', '--grant-all-permissions', name, `${proxy.address}/${repositoryPath}:${rollingTag}`]);
			await sandbox.docker(['plugin', 'enable', name]);
		},
	});
	assert.equal(code, 3, said);
	assert.match(said, new RegExp(`kasm-tui: ${escape(name)} changed since the plan: another build of ${escape(name)} runs now \\(amd64-1\\.2-rolling\\); nothing was done`));
	assert.equal(await runningVersion(sandbox, name), '1.2.10', 'as the other hand left it');
	assert.deepEqual(recoverEntriesAfter(ledgerDir, name, entries), ['refused'], 'recorded refused, never restored');
	assert.equal(new Ledger(ledgerDir).unfinished(name)?.action, 'upgrade', 'the dead upgrade is still there to recover');
});

test('recover left at its confirmation while another recover settles the same dead change: refused at "y", exit 3, and the change is settled once, not twice', async t => {
	const {name, ledgerDir} = await upgradeDiedBeforeItsFirstStep(t, 'recover-stale-settled');
	const entries = new Ledger(ledgerDir).read(name).entries.length;
	const {code, said} = await recoverWithPromptOpen(ledgerDir, name, {
		shows: /record that it is as it was/,
		meanwhile: async () => {
			const other = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes']);
			assert.equal(other.code, 0, other.stderr);
		},
	});
	assert.equal(code, 3, said);
	assert.match(said, /did not finish, and is settled since \(by another recover\?\); nothing was done/);
	assert.deepEqual(recoverEntriesAfter(ledgerDir, name, entries), ['restored', 'refused'], 'settled by the other recover alone');
	await assertSettled(sandbox, ledgerDir, name);
});
