import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {cliPath, testLedgerDir} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const first = `${uniqueName('aaa-e2e/first')}:amd64-1.2.9`;
const second = `${uniqueName('aaa-e2e/second')}:amd64-1.2-rolling`;
await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: first});
await installPlugin(sandbox, kasm.ref('amd64-1.2-rolling'), {alias: second, disabled: true});
after(async () => {
	await sandbox.docker(['plugin', 'rm', '--force', first, second]).catch(() => {});
});

test('the screen opens on the daemon, moves through plugins, follows a resize and quits with exit 0', async () => {
	const screen = await TmuxScreen.open([process.execPath, cliPath, '--host', sandbox.host, '--ledger-dir', testLedgerDir], {columns: 120, rows: 30});
	try {
		let shown = await screen.waitFor(text => text.includes(first.slice(0, 20)) && /docker \d+\.\d+/.test(text));
		assert.match(shown.split('\n')[0]!, new RegExp(sandbox.host.replaceAll('/', '\\/')));
		assert.match(shown, /state\s+enabled · pinned/);

		await screen.keys('j');
		shown = await screen.waitFor(text => /state\s+disabled · rolling/.test(text));
		assert.equal(shown.split('\n')[0]!.includes('kasm-tui'), true, 'the header is still on the first row');

		await screen.resize(80, 24);
		shown = await screen.waitFor(text => text.split('\n')[0]!.trimEnd().length <= 80 && /q quit/.test(text.split('\n')[23] ?? ''));
		assert.match(shown, /state\s+disabled · rolling/);

		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
		// Back from the alternate screen: the operator's terminal shows no leftover frame.
		shown = await screen.capture();
		assert.doesNotMatch(shown, /Plugins \(/);
	} finally {
		await screen.close();
	}
});

test('without a terminal the screen refuses with a one-line hint and exit 2', async () => {
	const {runCli} = await import('../helpers/cli.js');
	const result = await runCli(['--host', sandbox.host]);
	assert.equal(result.code, 2);
	assert.match(result.stderr, /ssh -t/);
	assert.equal(result.stderr.trimEnd().split('\n').length, 1);
});
