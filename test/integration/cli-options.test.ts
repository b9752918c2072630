import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {runningVersion} from '../sandbox/fixtures.js';
import {testRollingPlugin, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

/** A rolling plugin at 1.2.9 whose tag has moved to 1.2.10: any change would show. */
async function upgradablePlugin(stem: string) {
	return (await testRollingPlugin(sandbox, leftovers, stem, {movedTo: 'amd64-1.2.10'})).name;
}

function assertOneLine(stderr: string, what: string): string {
	const lines = stderr.trimEnd().split('\n');
	assert.equal(lines.length, 1, `${what}: one line, not ${stderr}`);
	assert.ok(lines[0]!.length < 300, `${what}: a line short enough to read`);
	return lines[0]!;
}

test('upgrade P --version V --yes is bad input that points to reinstall, exit 2, and the plugin is untouched', async () => {
	const name = await upgradablePlugin('options-upgrade-version');
	const ledgerDir = leftovers.folder('kasm-tui-options-');
	const result = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--version', 'amd64-1.2.10', '--yes']);
	assert.equal(result.code, 2, result.stdout + result.stderr);
	assert.equal(result.stdout, '', 'no version of kasm-tui, no plan');
	assert.equal(
		assertOneLine(result.stderr, 'upgrade --version'),
		'kasm-tui: upgrade takes no --version: to install a given version use kasm-tui reinstall <plugin> --version TAG',
	);
	assert.equal(await runningVersion(sandbox, name), '1.2.9', 'not upgraded');
	assert.deepEqual(fs.readdirSync(ledgerDir), [], 'nothing recorded either');
});

test('an option the command does not take is exit 2 with the commands that take it, before the daemon is asked', async () => {
	const name = await upgradablePlugin('options-not-taken');
	const ledgerDir = leftovers.folder('kasm-tui-options-');
	const cases: Array<{args: string[]; says: RegExp}> = [
		{args: ['plugins', '--alias', 'foo'], says: /^kasm-tui: plugins takes no --alias: reinstall, upgrade-plugins, install and fleet reinstall take it$/},
		{args: ['plugins', '--yes'], says: /^kasm-tui: plugins takes no --yes: plugins changes nothing/},
		{args: ['rollback', name, '--version', 'amd64-1.2.9', '--yes'], says: /rollback takes no --version: .*kasm-tui reinstall <plugin> --version TAG/},
		{args: ['set', name, 'DEBUG=1', '--alias', 'x', '--yes'], says: /set takes no --alias/},
		{args: ['upgrade', name, '--context', 'agent-3', '--yes'], says: /upgrade works on one daemon .*--context is for "kasm-tui fleet"/},
		{args: ['images', '--follow'], says: /images takes no --follow: logs takes it/},
		{args: ['upgrade', name, '--frobnicate', '--yes'], says: /unknown option --frobnicate: see kasm-tui upgrade --help/},
	];
	for (const {args, says} of cases) {
		const result = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);
		assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		assert.match(assertOneLine(result.stderr, args.join(' ')), says);
		assert.equal(result.stdout, '');
	}

	assert.equal(await runningVersion(sandbox, name), '1.2.9', 'nothing was changed');
	assert.deepEqual(fs.readdirSync(ledgerDir), [], 'nothing was recorded: the daemon was not even asked who it is');
});

test('--version alone is kasm-tui\'s version; after reinstall it is the tag to install', async () => {
	const alone = await runCli(['--version']);
	assert.equal(alone.code, 0);
	assert.match(alone.stdout, new RegExp(`^kasm-tui \\d+\\.\\d+\\.\\d+ \\(node v[^,]+(, single executable)?, linux-${process.arch}\\)\n$`), 'it names the architecture it runs on');

	const name = await upgradablePlugin('options-reinstall-version');
	const ledgerDir = leftovers.folder('kasm-tui-options-');
	const pinned = `${name.split(':')[0]}-pinned:amd64-1.2.10`;
	leftovers.plugin(pinned);
	const reinstalled = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'reinstall', name, '--version', 'amd64-1.2.10', '--alias', pinned, '--yes']);
	assert.equal(reinstalled.code, 0, reinstalled.stderr);
	assert.equal(await runningVersion(sandbox, pinned), '1.2.10');
	assert.ok(fs.readdirSync(path.join(ledgerDir)).length > 0, 'the reinstall is in the history');
});
