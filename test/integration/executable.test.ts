import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {promisify} from 'node:util';
import packageJson from '../../package.json' with {type: 'json'};
import {nodeRelease, packageExecutable} from '../../source/build/package.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {moveTag, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {testRollingPlugin, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * The single executable as an operator uses it: one file copied into a folder of its own, started
 * with an empty environment and a PATH that holds no node, against the sandbox daemon. The file
 * is the one KASM_TUI_BIN names (CI makes it with `npm run package`), or made here by the same step.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const host = leftovers.folder('kasm-tui-host-');
const executable = path.join(host, 'kasm-tui');
const made = process.env.KASM_TUI_BIN ?? path.join(leftovers.folder('kasm-tui-package-'), 'kasm-tui-linux-x64');
if (!process.env.KASM_TUI_BIN) {
	await packageExecutable({out: made});
}

fs.copyFileSync(made, executable);
fs.chmodSync(executable, 0o755);

const noNode = leftovers.folder('kasm-tui-no-node-');
/** What the host gives it: nothing but a PATH, and that one without node. */
const bareEnvironment = {PATH: noNode};
const ledgerDir = leftovers.folder('kasm-tui-exe-ledger-');

const run = promisify(execFile);
async function kasmTui(...args: string[]) {
	try {
		const {stdout, stderr} = await run(executable, ['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args], {env: bareEnvironment, timeout: 60_000});
		return {code: 0, stdout, stderr};
	} catch (error) {
		const failed = error as {code: number; stdout: string; stderr: string};
		return {code: failed.code, stdout: failed.stdout, stderr: failed.stderr};
	}
}

/** A rolling plugin from a repository of the test's own, at 1.2.9 with 1.2.10 pushed. */
async function rollingPlugin(stem: string) {
	return testRollingPlugin(sandbox, leftovers, stem);
}

test('the executable says which kasm-tui and which Node it carries, with nothing on the host but itself', async () => {
	assert.ok(!fs.existsSync(path.join(noNode, 'node')));
	const {stdout, stderr} = await run(executable, ['--version'], {env: {}});
	assert.equal(stdout, `kasm-tui ${packageJson.version} (node v${nodeRelease.version}, single executable, linux-x64)\n`);
	assert.equal(stderr, '', 'its code cache fits its Node: nothing to warn about');
});

test('without Node on the host, plugins --json lists the sandbox plugins as the daemon reports them', async () => {
	const {name} = await rollingPlugin('exe-list');
	const result = await kasmTui('plugins', '--json');
	assert.equal(result.code, 0, result.stderr);
	const listed = JSON.parse(result.stdout) as Array<{name: string; id: string; enabled: boolean; rolling: boolean; reference: string}>;
	const [engine] = JSON.parse(await sandbox.docker(['plugin', 'inspect', name])) as Array<{Id: string; Enabled: boolean; PluginReference: string}>;
	const plugin = listed.find(candidate => candidate.name === name);
	assert.ok(plugin, `${name} is listed`);
	assert.deepEqual(
		{id: plugin.id, enabled: plugin.enabled, rolling: plugin.rolling, reference: plugin.reference},
		{id: engine!.Id, enabled: engine!.Enabled, rolling: true, reference: engine!.PluginReference},
	);
});

test('without Node on the host, the screen opens in a terminal, shows the plugin and quits with q', async () => {
	const {name, repositoryPath} = await rollingPlugin('exe-screen');
	// env -i: the terminal's TERM and the empty PATH are all the program gets.
	const screen = await TmuxScreen.open(['env', '-i', `PATH=${noNode}`, 'TERM=xterm-256color', executable, '--host', sandbox.host, '--ledger-dir', ledgerDir], {columns: 120, rows: 36});
	try {
		await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
		await screen.keys('/');
		await screen.typeText(repositoryPath);
		await screen.keys('Enter');
		const shown = await screen.waitFor(text => text.includes(name) && text.includes('enabled · rolling'));
		assert.match(shown.split('\n')[0]!, /kasm-tui .*docker \d+\.\d+/);
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
	} finally {
		await screen.close();
	}
});

test('without Node on the host, upgrade follows the moved rolling tag to the newer build and leaves it enabled', async () => {
	const {name, repositoryPath} = await rollingPlugin('exe-upgrade');
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const result = await kasmTui('upgrade', name, '--yes');
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, new RegExp(`upgrade of ${name.replaceAll('/', '\\/')} done`));
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
	const [engine] = JSON.parse(await sandbox.docker(['plugin', 'inspect', name])) as Array<{Enabled: boolean}>;
	assert.equal(engine!.Enabled, true);
});
