import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {inspectPlugin} from '../helpers/hardening.js';
import {installPlugin, pushPluginBuild} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const daemonLog = path.join(sandbox.state.dir, 'dockerd.log');
const kasmTui = async (ledgerDir: string, ...args: string[]) => runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);

interface Settings {
	Env: string[];
	Args: string[];
	Mounts: Array<{Name: string; Source: string}>;
}

async function settingsOf(name: string): Promise<Settings> {
	return (JSON.parse(await sandbox.docker(['plugin', 'inspect', name])) as Array<{Settings: Settings}>)[0]!.Settings;
}

/** A plugin with an env variable it lets be set, one it does not, a secret, a mount from the host, and args. */
async function configurablePlugin(stem: string) {
	const repository = `${sandbox.registry}/${uniqueName(stem)}`;
	const folder = leftovers.folder('kasm-tui-settings-');
	const [first, second] = [path.join(folder, 'first'), path.join(folder, 'second')];
	fs.mkdirSync(first);
	fs.mkdirSync(second);
	await pushPluginBuild(sandbox, `${repository}:1.0.0`, {
		version: `${stem}-1.0.0`,
		env: [
			{name: 'KASM_GREETING', value: 'hello', description: 'what it says when it starts'},
			{name: 'KASM_MODE', value: 'fixed', settable: false},
			{name: 'KASM_API_TOKEN', value: 'tok-initial-value'},
		],
		mounts: [{name: 'data', source: first, destination: '/srvdata'}],
		args: {name: 'args', value: ['--quiet']},
	});
	const name = leftovers.plugin(`${uniqueName(stem)}:1.0.0`);
	await installPlugin(sandbox, `${repository}:1.0.0`, {alias: name});
	return {name, first, second};
}

test('plugins --json lists each setting with its value and whether it is settable; a secret value is not shown', async () => {
	const {name, first} = await configurablePlugin('settings-list');
	const result = await runCli(['--host', sandbox.host, 'plugins', '--json']);
	assert.equal(result.code, 0, result.stderr);
	const plugin = (JSON.parse(result.stdout) as Array<{name: string; settings: Array<{key: string; kind: string; value: string; settable: boolean; destination?: string}>}>).find(
		candidate => candidate.name === name,
	);
	assert.deepEqual(
		plugin?.settings.map(({key, kind, value, settable, destination}) => ({key, kind, value, settable, destination})),
		[
			{key: 'KASM_GREETING', kind: 'env', value: 'hello', settable: true, destination: undefined},
			{key: 'KASM_MODE', kind: 'env', value: 'fixed', settable: false, destination: undefined},
			{key: 'KASM_API_TOKEN', kind: 'env', value: '***', settable: true, destination: undefined},
			{key: 'data.source', kind: 'mount', value: first, settable: true, destination: '/srvdata'},
			{key: 'args', kind: 'args', value: '--quiet', settable: true, destination: undefined},
		],
	);
	assert.doesNotMatch(result.stdout, /tok-initial-value/);
});

test('set disables, sets and enables again: the plugin runs with the new values, and the ledger records what was set', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-settings-');
	const {name, second} = await configurablePlugin('settings-set');
	const result = await kasmTui(ledgerDir, 'set', name, 'KASM_GREETING=bonjour', `data=${second}`, 'args=--loud --verbose', 'KASM_API_TOKEN=tok-new-value', '--yes');
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, /1\. disable .*\n.*\n\s+2\. set KASM_GREETING=bonjour data\.source=\S+ args=--loud --verbose KASM_API_TOKEN=\*\*\* on /);
	assert.match(result.stdout, /docker plugin set \S+ KASM_GREETING=bonjour data\.source=\S+ 'args=--loud --verbose' 'KASM_API_TOKEN=\*\*\*'/);
	assert.match(result.stdout, /3\. enable /);
	assert.match(result.stdout, /set of \S+ done: \S+ is enabled, 1\.0\.0, the same build as before$/m);
	assert.doesNotMatch(result.stdout + result.stderr, /tok-new-value/);

	const settings = await settingsOf(name);
	assert.ok(settings.Env.includes('KASM_GREETING=bonjour'));
	assert.deepEqual(settings.Args, ['--loud', '--verbose']);
	assert.equal(settings.Mounts.find(mount => mount.Name === 'data')?.Source, second);
	assert.equal((await inspectPlugin(sandbox, name))?.Enabled, true);
	// What the plugin itself said when it started again.
	const logs = await runCli(['--host', sandbox.host, 'logs', name, '--daemon-log', daemonLog]);
	assert.match(logs.stdout, /setting KASM_GREETING=bonjour\n(.*\n)*.*argument --loud\n.*argument --verbose/);

	const entry = new Ledger(ledgerDir).read(name).entries.at(-1);
	assert.deepEqual([entry?.action, entry?.outcome], ['set', 'ok']);
	assert.deepEqual(entry?.settings, ['KASM_GREETING=bonjour', `data.source=${second}`, 'args=--loud --verbose', 'KASM_API_TOKEN=***']);
	assert.doesNotMatch(fs.readFileSync(new Ledger(ledgerDir).fileOf(name), 'utf8'), /tok-new-value/);
});

test('a key that is no setting (exit 2) or is not settable (exit 3) is refused in one line naming the settable ones; nothing changes', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-settings-');
	const {name} = await configurablePlugin('settings-refused');
	const before = await settingsOf(name);
	const unknown = await kasmTui(ledgerDir, 'set', name, 'KASM_NOPE=1', '--yes');
	assert.equal(unknown.code, 2, unknown.stderr);
	assert.equal(unknown.stderr.trim().split('\n').length, 1);
	assert.match(unknown.stderr, /KASM_NOPE is not a setting of \S+: its settable ones are KASM_GREETING, KASM_API_TOKEN, data\.source, args$/m);

	const fixed = await kasmTui(ledgerDir, 'set', name, 'KASM_GREETING=hi', 'KASM_MODE=loose', '--yes');
	assert.equal(fixed.code, 3, fixed.stderr);
	assert.equal(fixed.stderr.trim().split('\n').length, 1);
	assert.match(fixed.stderr, /KASM_MODE of \S+ cannot be changed .*: its settable ones are KASM_GREETING, KASM_API_TOKEN, data\.source, args$/m);

	const unasked = await kasmTui(ledgerDir, 'set', name, 'KASM_GREETING=hi');
	assert.equal(unasked.code, 2, unasked.stderr);
	assert.match(unasked.stderr, /add --yes/);
	assert.deepEqual(await settingsOf(name), before);
	assert.equal((await inspectPlugin(sandbox, name))?.Enabled, true);
});

test('new settings the plugin cannot start with are undone: the old values are back and it is enabled again', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-settings-');
	const {name, first} = await configurablePlugin('settings-undo');
	const before = await settingsOf(name);
	const result = await kasmTui(ledgerDir, 'set', name, 'KASM_GREETING=never', 'data.source=/nonexistent/kasm-tui-mount', '--yes');
	assert.equal(result.code, 1, result.stderr);
	assert.match(result.stderr, /undo: enable .*\n.*undo: set .*\n.*undo: disable /);
	assert.match(result.stderr, /is as it was \(enabled/);
	const after = await settingsOf(name);
	assert.deepEqual(after.Env, before.Env);
	assert.equal(after.Mounts.find(mount => mount.Name === 'data')?.Source, first);
	assert.equal((await inspectPlugin(sandbox, name))?.Enabled, true);
	const entry = new Ledger(ledgerDir).read(name).entries.at(-1);
	assert.deepEqual([entry?.action, entry?.outcome], ['set', 'restored']);
});

test('a plugin in use is not set (Docker will not disable it): exit 3, nothing changed', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-settings-');
	const {name} = await configurablePlugin('settings-in-use');
	const volume = uniqueName('settings-volume');
	await sandbox.docker(['volume', 'create', '-d', name, volume]);
	try {
		const result = await kasmTui(ledgerDir, 'set', name, 'KASM_GREETING=hi', '--yes');
		assert.equal(result.code, 3, result.stderr);
		assert.match(result.stderr, /is in use by .*volume/);
		assert.ok((await settingsOf(name)).Env.includes('KASM_GREETING=hello'));
	} finally {
		await sandbox.docker(['volume', 'rm', volume]);
	}
});
