import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, beforeEach, test} from 'node:test';
import {defaultSettings, forgetSettings, readSettings, saveSettings, setting, settingsFolder} from '../../source/config.js';
import {BadInput} from '../../source/errors.js';

// Never the operator's ~/.config: every test gets a folder of its own.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-test-settings-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));
let count = 0;
let folder = '';
beforeEach(() => {
	folder = path.join(root, String(count++));
	forgetSettings();
});

const write = (text: string) => {
	fs.mkdirSync(folder, {recursive: true});
	fs.writeFileSync(path.join(folder, 'config.json'), text);
};

test('the settings folder is KASM_TUI_CONFIG_DIR when set, else kasm-tui under the XDG config folder', () => {
	assert.equal(settingsFolder({KASM_TUI_CONFIG_DIR: '/srv/kt'}), '/srv/kt');
	assert.equal(settingsFolder({XDG_CONFIG_HOME: '/home/op/.cfg', HOME: '/home/op'}), '/home/op/.cfg/kasm-tui');
	assert.equal(settingsFolder({HOME: '/home/op'}), '/home/op/.config/kasm-tui');
});

test('with no settings file the defaults apply (2 pulls at once, hourly re-check), and reading creates nothing', async () => {
	const {settings, warning} = await readSettings({folder});
	assert.deepEqual(settings, defaultSettings);
	assert.equal(settings.maxPulls, 2);
	assert.equal(settings.recheckIntervalSeconds, 3600);
	assert.equal(warning, undefined);
	assert.equal(fs.existsSync(folder), false, 'no folder, no file');
});

test('a file with some settings keeps the defaults for the others, and is not rewritten by reading it', async () => {
	write('{"maxPulls": 4, "daemonLog": "/srv/dockerd.log"}');
	const before = fs.readFileSync(path.join(folder, 'config.json'), 'utf8');
	assert.deepEqual((await readSettings({folder})).settings, {...defaultSettings, maxPulls: 4, daemonLog: '/srv/dockerd.log'});
	assert.equal(await setting('maxPulls', {folder}), 4);
	assert.equal(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'), before);
});

test('a settings file that is not JSON gives the defaults and one line saying which file, without quoting it', async () => {
	write('{"maxPulls": 4, oops secret-looking-text');
	const {settings, warning} = await readSettings({folder});
	assert.deepEqual(settings, defaultSettings);
	assert.ok(warning);
	assert.equal(warning.split('\n').length, 1);
	assert.ok(warning.includes(path.join(folder, 'config.json')));
	assert.match(warning, /not valid JSON/);
	assert.ok(!warning.includes('secret-looking-text'));
});

test('a value outside the schema gives the defaults and a warning naming the setting', async () => {
	write('{"maxPulls": 0}');
	const {settings, warning} = await readSettings({folder});
	assert.deepEqual(settings, defaultSettings);
	assert.match(warning ?? '', /maxPulls must be >= 1/);

	forgetSettings();
	folder = path.join(root, String(count++));
	write('{"rolloutSettleSeconds": "soon", "updateCheckTtlSeconds": "soon"}');
	const second = await readSettings({folder});
	assert.match(second.warning ?? '', /rolloutSettleSeconds must be integer/);
	assert.match(second.warning ?? '', /updateCheckTtlSeconds must be integer/);
});

test('saving checks the schema: a good value is stored and read back, a bad one is refused and nothing is written', async () => {
	assert.deepEqual(await saveSettings({maxPulls: 5}, {folder}), {...defaultSettings, maxPulls: 5});
	assert.equal(await setting('maxPulls', {folder}), 5);
	forgetSettings();
	assert.equal(await setting('maxPulls', {folder}), 5, 'it is on disk');

	await assert.rejects(saveSettings({maxPulls: 65}, {folder}), (error: unknown) => error instanceof BadInput && /maxPulls must be <= 64/.test(error.message));
	forgetSettings();
	assert.equal(await setting('maxPulls', {folder}), 5);
});

test('the folder comes from KASM_TUI_CONFIG_DIR when none is given', async () => {
	const previous = process.env.KASM_TUI_CONFIG_DIR;
	process.env.KASM_TUI_CONFIG_DIR = folder;
	try {
		write('{"recheckIntervalSeconds": 600}');
		assert.equal(await setting('recheckIntervalSeconds'), 600);
	} finally {
		if (previous === undefined) {
			delete process.env.KASM_TUI_CONFIG_DIR;
		} else {
			process.env.KASM_TUI_CONFIG_DIR = previous;
		}
	}
});

test('the fleet\'s hosts come from the settings with their groups; a host without an address, or a name that is not one, is a warning naming it', async () => {
	write('{"hosts": [{"name": "agent-1", "address": "ssh://kasm-agent-1", "group": "east"}, {"name": "agent-2", "address": "tcp://10.0.0.2:2376"}], "rolloutSettleSeconds": 2}');
	const {settings, warning} = await readSettings({folder});
	assert.equal(warning, undefined);
	assert.deepEqual(settings.hosts, [
		{name: 'agent-1', address: 'ssh://kasm-agent-1', group: 'east'},
		{name: 'agent-2', address: 'tcp://10.0.0.2:2376'},
	]);
	assert.equal(settings.rolloutSettleSeconds, 2);

	for (const hosts of ['[{"name": "agent-1"}]', '[{"name": "two words", "address": "ssh://x"}]', '[{"name": "a", "address": "ssh://x", "role": "db"}]']) {
		forgetSettings();
		folder = path.join(root, String(count++));
		write(`{"hosts": ${hosts}}`);
		const loaded = await readSettings({folder});
		assert.deepEqual(loaded.settings.hosts, [], hosts);
		assert.match(loaded.warning ?? '', /hosts/, hosts);
	}
});

test('refreshSeconds and theme are no longer settings: a file that still has them is used for the rest, with one line saying to remove them', async () => {
	assert.ok(!('refreshSeconds' in defaultSettings) && !('theme' in defaultSettings));
	write('{"maxPulls": 3, "refreshSeconds": 30, "theme": "dark"}');
	const {settings, warning} = await readSettings({folder});
	assert.deepEqual(settings, {...defaultSettings, maxPulls: 3});
	assert.equal(warning?.split('\n').length, 1);
	assert.match(warning ?? '', /refreshSeconds and theme in .*config\.json are not used: the screen follows the daemon's events .*; colours follow the terminal's own \(NO_COLOR turns them off\): remove them/);

	forgetSettings();
	folder = path.join(root, String(count++));
	write('{"theme": "neon", "maxPulls": 0}');
	assert.match((await readSettings({folder})).warning ?? '', /maxPulls must be >= 1/, 'a value the settings cannot take is still what is said');
});
