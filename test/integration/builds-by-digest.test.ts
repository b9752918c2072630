import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {installPlugin, manifestDigest, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {isAlive} from '../sandbox/processes.js';
import {installedPlugins, uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * A build that no tag names any more (a rolling tag that moved, a nightly with no release tag)
 * is reinstalled by digest where the daemon has the moby/moby#47299 fix (26.1), and refused,
 * with nothing changed and the daemon still up, where it does not (20.10).
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
// 20.10 has no moby/moby#47299 fix; Debian 13's 26.1 has it, with either image store.
const digestSafe = sandbox.state.kind !== '20.10';

const installed = async () => installedPlugins(sandbox);

const kasmTui = async (ledgerDir: string, ...args: string[]) => runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);

/** The daemon that was running is still the one running, and answers. */
async function assertDaemonUp(pid: number) {
	assert.ok(isAlive(pid), 'dockerd is still running');
	assert.equal(sandbox.state.pids.dockerd, pid);
	assert.match(await sandbox.docker(['version', '--format', '{{.Server.Version}}']), /\d/);
}

function ledgerEntries(ledgerDir: string, name: string) {
	return new Ledger(ledgerDir).read(name).entries;
}

/** `kasm-tui plugins` records the plugin it had not seen: the digest its observed entry carries. */
async function observedDigest(ledgerDir: string, name: string): Promise<string | undefined> {
	const listed = await kasmTui(ledgerDir, 'plugins');
	assert.equal(listed.code, 0, listed.stderr);
	const [observed] = ledgerEntries(ledgerDir, name);
	assert.equal(observed?.action, 'observed');
	return observed?.identity.digest;
}

/**
 * Nightly builds pushed under the rolling tag alone, as a CI that publishes no release for them:
 * once the tag moves to the next build, nothing in the registry names the first but its digest.
 */
async function nightlyPlugin(stem: string) {
	const repositoryPath = uniqueName(stem);
	const repository = `${sandbox.registry}/${repositoryPath}`;
	await pushPluginBuild(sandbox, `${repository}:${rollingTag}`, {version: 'nightly-1'});
	const firstDigest = await manifestDigest(sandbox, repositoryPath, rollingTag);
	const name = `${repositoryPath}/sidecar:${rollingTag}`;
	// Installed the way Kasm's start script does it: by hand, not by kasm-tui.
	await installPlugin(sandbox, `${repository}:${rollingTag}`, {alias: name});
	leftovers.plugin(name);
	const ledgerDir = leftovers.folder('kasm-tui-digest-');
	return {repositoryPath, repository, name, firstDigest, ledgerDir};
}

/** The nightly plugin seen by kasm-tui, then upgraded by it after its tag moved to the next nightly. */
async function upgradedPastNightly(stem: string) {
	const plugin = await nightlyPlugin(stem);
	assert.equal((await kasmTui(plugin.ledgerDir, 'plugins')).code, 0);
	await pushPluginBuild(sandbox, `${plugin.repository}:${rollingTag}`, {version: 'nightly-2'});
	const upgraded = await kasmTui(plugin.ledgerDir, 'upgrade', plugin.name, '--yes');
	assert.equal(upgraded.code, 0, upgraded.stderr);
	return plugin;
}

test('a build installed by hand is recorded with its manifest digest, proven from the registry while its tag still names it', async () => {
	const {name, firstDigest, ledgerDir} = await nightlyPlugin('digest-observed');
	assert.equal(await observedDigest(ledgerDir, name), firstDigest);
});

test('a build whose tag moved on before kasm-tui saw it is recorded without a digest: never a guess', async () => {
	const {repository, name, ledgerDir} = await nightlyPlugin('digest-unproven');
	await pushPluginBuild(sandbox, `${repository}:${rollingTag}`, {version: 'nightly-2'});
	assert.equal(await observedDigest(ledgerDir, name), undefined);
});

test('a rolling plugin upgraded after its tag moved rolls back to the build no tag names any more: by digest and pinned on a daemon that can, refused with nothing changed on one that cannot', async () => {
	const {repository, repositoryPath, name, firstDigest, ledgerDir} = await upgradedPastNightly('digest-rollback');
	assert.equal(await runningVersion(sandbox, name), 'nightly-2');
	const secondDigest = await manifestDigest(sandbox, repositoryPath, rollingTag);
	assert.equal(ledgerEntries(ledgerDir, name).at(-1)?.identity.digest, secondDigest, 'its own pull recorded the digest it printed');

	const daemon = sandbox.state.pids.dockerd;
	const before = await installed();
	const rolledBack = await kasmTui(ledgerDir, 'rollback', name, '--yes', '--json');
	if (digestSafe) {
		assert.equal(rolledBack.code, 0, rolledBack.stderr);
		const pinned = `${repositoryPath}/sidecar:amd64-1.2-pinned-${firstDigest.slice('sha256:'.length, 'sha256:'.length + 12)}`;
		leftovers.plugin(pinned);
		assert.match(rolledBack.stderr, /to {10}\S+@sha256:[a-f\d]{64} as \S+ \(by digest\)/, 'the plan says it goes by digest');
		assert.match(rolledBack.stderr, /! by digest: no release tag names this build any more/);
		const result = JSON.parse(rolledBack.stdout) as {plugin: string; installed: {remote: string; byDigest: boolean}};
		assert.deepEqual(result.installed, {remote: `${repository}@${firstDigest}`, byDigest: true});
		assert.equal(result.plugin, pinned);
		const after = await installed();
		assert.ok(!after.some(plugin => plugin.Name === name), 'the rolling plugin is gone');
		const plugin = after.find(candidate => candidate.Name === pinned);
		assert.ok(plugin?.Enabled, `pinned as ${pinned}, enabled`);
		assert.equal(plugin.PluginReference, `${repository}@${firstDigest}`);
		assert.equal(await runningVersion(sandbox, pinned), 'nightly-1', 'the old build runs again');
		const listed = JSON.parse((await kasmTui(ledgerDir, 'plugins', '--json')).stdout) as Array<{name: string; rolling: boolean; tag: string}>;
		assert.deepEqual(
			listed.filter(entry => entry.name === pinned).map(entry => [entry.rolling, entry.tag]),
			[[false, '']],
			'pinned: automated updates skip it, and no tag names its build',
		);
	} else {
		assert.equal(rolledBack.code, 3, rolledBack.stderr);
		const lines = rolledBack.stderr.trim().split('\n');
		assert.equal(lines.length, 1, 'one line');
		assert.match(lines[0]!, /can only be installed by its digest, which Docker 20\.10\.\S+ cannot take without crashing \(moby\/moby#47299\); Docker .*26\.0.* can; nothing was changed/);
		assert.deepEqual(
			(await installed()).map(plugin => [plugin.Name, plugin.Enabled, plugin.PluginReference, plugin.Id]),
			before.map(plugin => [plugin.Name, plugin.Enabled, plugin.PluginReference, plugin.Id]),
			'the plugins are as they were',
		);
		assert.equal(await runningVersion(sandbox, name), 'nightly-2');
		assert.equal(ledgerEntries(ledgerDir, name).at(-1)?.outcome, 'refused');
	}

	await assertDaemonUp(daemon);
});

test('reinstall of a build by its digest from the history: by digest where the daemon can, refused where it cannot', async () => {
	const {repositoryPath, name, firstDigest, ledgerDir} = await upgradedPastNightly('digest-reinstall');
	const history = await kasmTui(ledgerDir, 'history', name);
	assert.match(history.stdout, new RegExp(`\\s${firstDigest.slice(7, 19)}\\s`), 'history shows each build by its digest');

	const unknown = await kasmTui(ledgerDir, 'reinstall', name, '--version', `sha256:${'0'.repeat(12)}`, '--yes');
	assert.equal(unknown.code, 2, 'a digest the history does not have is bad input');
	assert.match(unknown.stderr, /no build sha256:0{12} in the history of/);

	const daemon = sandbox.state.pids.dockerd;
	const reinstalled = await kasmTui(ledgerDir, 'reinstall', name, '--version', firstDigest.slice(0, 19), '--yes');
	if (digestSafe) {
		assert.equal(reinstalled.code, 0, reinstalled.stderr);
		const pinned = `${repositoryPath}/sidecar:amd64-1.2-pinned-${firstDigest.slice(7, 19)}`;
		leftovers.plugin(pinned);
		assert.match(reinstalled.stdout, /\(by digest\)/);
		assert.equal(await runningVersion(sandbox, pinned), 'nightly-1');
	} else {
		assert.equal(reinstalled.code, 3, reinstalled.stderr);
		assert.match(reinstalled.stderr, /moby\/moby#47299/);
		assert.equal(await runningVersion(sandbox, name), 'nightly-2');
	}

	await assertDaemonUp(daemon);
});

test('a build whose digest the registry no longer has (garbage-collected) is refused in one line, on every daemon, and nothing changes', async () => {
	const {repositoryPath, name, firstDigest, ledgerDir} = await upgradedPastNightly('digest-gone');
	const deleted = await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/manifests/${firstDigest}`, {method: 'DELETE'});
	assert.equal(deleted.status, 202);

	const before = await installed();
	const rolledBack = await kasmTui(ledgerDir, 'rollback', name, '--yes');
	assert.equal(rolledBack.code, 3, rolledBack.stderr);
	assert.equal(rolledBack.stderr.trim().split('\n').length, 1);
	assert.match(rolledBack.stderr, new RegExp(`its registry no longer has its digest ${firstDigest} \\(deleted or garbage-collected\\); nothing was changed`));
	assert.deepEqual(
		(await installed()).map(plugin => [plugin.Name, plugin.Enabled, plugin.Id]),
		before.map(plugin => [plugin.Name, plugin.Enabled, plugin.Id]),
	);
	assert.equal(await runningVersion(sandbox, name), 'nightly-2');
});
