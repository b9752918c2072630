import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli, runCliInterrupted} from '../helpers/cli.js';
import {installPlugin, moveTag, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * "Left as it was" is promised only when it is true: a change whose undo failed has its own exit
 * code (4), says what the plugin is now and how to put it back, in text and in JSON.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

/**
 * A rolling plugin whose build no tag holds any more (its tag moved to 1.2.10, and no release
 * tag ever named its build): an upgrade of it cannot be undone once the new build is in.
 */
async function unrestorablePlugin(stem: string) {
	const repositoryPath = uniqueName(stem);
	const remote = (tag: string) => `${sandbox.registry}/${repositoryPath}:${tag}`;
	await pushPluginBuild(sandbox, remote('amd64-1.2.10'), {version: '1.2.10'});
	await pushPluginBuild(sandbox, remote(rollingTag), {version: 'nightly-only'});
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
	await installPlugin(sandbox, remote(rollingTag), {alias: name});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	return name;
}

const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('ctrl-c after the new build is in, with no tag holding the old one: exit 4, the state the plugin is in, and kasm-tui recover', async () => {
	const ledgerDir = leftovers.folder('kt-undo-failed-');
	const name = await unrestorablePlugin('undo-failed-text');
	assert.equal(await runningVersion(sandbox, name), 'nightly-only');
	// SIGINT as the pull of the new build starts: it finishes, then the undo finds nothing to reinstall.
	const result = await runCliInterrupted(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes'], '[2/3]');
	assert.equal(result.code, 4, result.stderr);
	const said = result.stderr.trimEnd().split('\n').at(-1)!;
	assert.match(said, new RegExp(`could not put ${escape(name)} back`));
	assert.match(said, new RegExp(`${escape(name)} is enabled, at amd64-1\\.2-rolling \\(not the build it had\\)`), 'what state it is in, from the daemon');
	assert.match(said, new RegExp(`run "kasm-tui recover ${escape(name)}"`));
	assert.doesNotMatch(said, /is as it was/);
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
	const ledger = new Ledger(ledgerDir);
	assert.equal(ledger.read(name).entries.at(-1)?.outcome, 'failed');
	assert.ok(ledger.unfinished(name), 'the ledger keeps it unfinished until recover settles it');

	const again = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes']);
	assert.equal(again.code, 3, 'no other change piles on before it is recovered');

	// The way out: recover keeps the build it runs now, since none can bring the old one back, and
	// says so; the change is settled, so a version can be chosen next.
	const recovered = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes']);
	assert.equal(recovered.code, 0, recovered.stderr);
	assert.match(recovered.stderr, /keep the build it runs now \(amd64-1\.2-rolling\): no tag in the registry holds the one it had/, 'the confirmation said what it would do');
	assert.match(recovered.stdout, new RegExp(`^${escape(name)} is enabled at amd64-1\\.2-rolling, the build it runs now: the one it had is in no registry`));
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
	assert.equal(ledger.unfinished(name), undefined, 'settled');
	const settled = ledger.read(name).entries.at(-1)!;
	assert.equal(settled.action, 'recover');
	assert.equal(settled.outcome, 'ok');
	assert.match(settled.error ?? '', /in no registry, so it keeps the one it runs now/);

	const reinstalled = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'reinstall', name, '--version', 'amd64-1.2.10', '--alias', name, '--yes']);
	assert.equal(reinstalled.code, 0, `a chosen version can follow: ${reinstalled.stderr}`);
});

test('with --json the failure is a document: undoFailed, the state the plugin is in, and the command that recovers it', async () => {
	const ledgerDir = leftovers.folder('kt-undo-failed-');
	const name = await unrestorablePlugin('undo-failed-json');
	const result = await runCliInterrupted(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes', '--json'], '[2/3]');
	assert.equal(result.code, 4, result.stderr);
	const document = JSON.parse(result.stdout) as Record<string, unknown>;
	assert.equal(document.action, 'upgrade');
	assert.equal(document.plugin, name);
	assert.equal(document.outcome, 'failed');
	assert.equal(document.undoFailed, true);
	assert.match(String(document.state), /is enabled, at amd64-1\.2-rolling \(not the build it had\)/);
	assert.equal(document.recover, `kasm-tui recover ${name}`);
});

test('an interrupted upgrade that was put back is still exit 1, with undoFailed false in its JSON', async () => {
	const ledgerDir = leftovers.folder('kt-undo-failed-');
	const repositoryPath = uniqueName('undo-restored');
	const remote = (tag: string) => `${sandbox.registry}/${repositoryPath}:${tag}`;
	await pushPluginBuild(sandbox, remote('amd64-1.2.9'), {version: '1.2.9'});
	await pushPluginBuild(sandbox, remote('amd64-1.2.10'), {version: '1.2.10'});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.9');
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
	await installPlugin(sandbox, remote(rollingTag), {alias: name});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const result = await runCliInterrupted(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes', '--json'], '[1/3]');
	assert.equal(result.code, 1, result.stderr);
	const document = JSON.parse(result.stdout) as Record<string, unknown>;
	assert.equal(document.outcome, 'restored');
	assert.equal(document.undoFailed, false);
	assert.equal(document.recover, undefined);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
});
