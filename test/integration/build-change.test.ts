import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {moveTag, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {testRollingPlugin, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const kasmTui = async (ledgerDir: string, ...args: string[]) => runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);

/** A rolling plugin of the test's own repository, at 1.2.1, and 1.2.2 pushed beside it. */
async function rollingPlugin(stem: string) {
	return testRollingPlugin(sandbox, leftovers, stem, {versions: ['1.2.1', '1.2.2']});
}

test('after an upgrade of a rolling plugin the result names the builds by release tag: amd64-1.2.1 → amd64-1.2.2, in text and JSON', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-change-');
	const {repositoryPath, name} = await rollingPlugin('change-upgrade');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.2');
	const upgraded = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
	assert.equal(upgraded.code, 0, upgraded.stderr);
	assert.match(upgraded.stdout, new RegExp(`upgrade of \\S+ done: \\S+ is enabled, amd64-1\\.2\\.1 → amd64-1\\.2\\.2$`, 'm'));
	assert.doesNotMatch(upgraded.stdout, /done: .* at amd64-1\.2-rolling/);
	assert.equal(await runningVersion(sandbox, name), '1.2.2');

	// Nothing new behind the tag: the same build, said as such.
	const again = await kasmTui(ledgerDir, 'upgrade', name, '--yes', '--json');
	assert.equal(again.code, 0, again.stderr);
	const json = JSON.parse(again.stdout) as {from: string; to: string; sameBuild: boolean};
	assert.deepEqual([json.from, json.to, json.sameBuild], ['amd64-1.2.2', 'amd64-1.2.2', true]);

	const rolledBack = await kasmTui(ledgerDir, 'rollback', name, '--yes', '--json');
	assert.equal(rolledBack.code, 0, rolledBack.stderr);
	leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2.1`);
	assert.deepEqual(
		(({from, to, sameBuild}) => ({from, to, sameBuild}))(JSON.parse(rolledBack.stdout) as {from: string; to: string; sameBuild: boolean}),
		{from: 'amd64-1.2.2', to: 'amd64-1.2.1', sameBuild: false},
	);
});

test('auto-update reports each upgrade as the builds it went between', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-change-');
	const {repositoryPath, name} = await rollingPlugin('change-auto');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.2');
	const result = await kasmTui(ledgerDir, 'auto-update', '--yes', '--json');
	// Other files' rolling plugins may be updated or fail here too; this one must be upgraded.
	const outcome = (JSON.parse(result.stdout) as Array<{plugin: string; result: string; from?: string; to?: string}>).find(item => item.plugin === name);
	assert.deepEqual(outcome && {result: outcome.result, from: outcome.from, to: outcome.to}, {result: 'upgraded', from: 'amd64-1.2.1', to: 'amd64-1.2.2'}, result.stderr);
});
