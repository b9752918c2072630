import assert from 'node:assert/strict';
import {test} from 'node:test';
import {kasmTuiCommand, testConfigDir} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {runningVersion} from '../sandbox/fixtures.js';
import {testRollingPlugin, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

/** A rolling plugin at 1.2.9 whose tag has moved to 1.2.10: any change would show. */
async function upgradablePlugin(stem: string) {
	return (await testRollingPlugin(sandbox, leftovers, stem, {movedTo: 'amd64-1.2.10'})).name;
}

/** `kasm-tui upgrade NAME` in a real terminal, up to its "Go ahead? [y/N]" with the plan above it. */
async function atThePrompt(name: string): Promise<TmuxScreen> {
	const ledgerDir = leftovers.folder('kasm-tui-prompt-');
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name], {
		columns: 200,
		rows: 50,
		env: {KASM_TUI_CONFIG_DIR: testConfigDir, DOCKER_HOST: '', DOCKER_CONTEXT: ''},
	});
	const shown = await screen.waitFor(text => text.includes('Go ahead? [y/N]'), 60_000);
	assert.match(shown, /docker plugin upgrade/, 'the plan is on the terminal before the question');
	return screen;
}

for (const [key, what] of [
	['C-c', 'ctrl-c'],
	['C-d', 'ctrl-d (end of input)'],
] as const) {
	test(`${what} at "Go ahead? [y/N]" says cancelled, changes nothing and exits 130`, async () => {
		const name = await upgradablePlugin(`prompt-${key.toLowerCase()}`);
		const screen = await atThePrompt(name);
		try {
			await screen.keys(key);
			assert.equal(await screen.exitCode(), 130);
			const shown = await screen.capture();
			assert.match(shown, /^kasm-tui: cancelled: nothing changed$/m);
			assert.doesNotMatch(shown, /\[1\/\d\]/, 'no step began');
			assert.equal(await runningVersion(sandbox, name), '1.2.9', 'the plugin still runs the build it had');
		} finally {
			await screen.close();
		}
	});
}
