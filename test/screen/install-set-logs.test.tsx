import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {cleanup} from 'ink-testing-library';
import {answerPrompt, keys, press, waitForFrame} from '../helpers/frames.js';
import {plugins} from './fixture-services.js';
import {flat, onRolling, openApp, ready} from './open-app.js';

afterEach(() => cleanup());

/** ink-select-input listens once mounted and reads its state from the render before: one key per render. */
async function pick(ui: ReturnType<typeof openApp>['ui'], downs: number) {
	let frame = '';
	for (const key of [...Array.from({length: downs}, () => keys.down), keys.enter]) {
		await delay(50);
		frame = await press(ui.stdin, ui.lastFrame, key);
	}

	return frame;
}

test("I installs a tag of the selected plugin's repository: the plan lists the privileges as the daemon does, sensitive ones marked, and the result names the build", async () => {
	const {ui, recorded} = openApp();
	await onRolling(ui);
	let frame = await press(ui.stdin, ui.lastFrame, 'I');
	assert.match(frame, /Install a plugin: which one\?/);
	assert.match(frame, /tab +kasmweb\/sidecar, the repository of kasmweb\/sidecar:amd64-1\.2-rolling/);
	frame = await press(ui.stdin, ui.lastFrame, keys.tab);
	assert.match(frame, /reference: kasmweb\/sidecar█/, 'tab fills in the repository');
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	frame = await waitForFrame(ui.lastFrame, text => text.includes('which tag?'));
	assert.match(frame, /Install from kasmweb\/sidecar: which tag\?/);
	assert.match(frame, /amd64-1\.3\.0-rc\.1 +pre-release/);
	assert.match(frame, /arm64-1\.2\.10 +another architecture \(arm64\)/);
	frame = await pick(ui, 0);
	assert.match(frame, /Install kasmweb\/sidecar:amd64-1\.2\.10: under which name\?/);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	frame = await answerPrompt(
		ui,
		{
			title: /Install kasmweb\/sidecar:amd64-1\.2\.10\?/,
			body: [
				/from nothing: no plugin named kasmweb\/sidecar:amd64-1\.2\.10 is installed/,
				/grants ! network: host ! mount: \/var\/lib\/kasm ! capabilities: CAP_SYS_ADMIN, CAP_NET_ADMIN ! allow-all-devices: false ! reaches into the host; each is granted exactly as listed/,
				/\$ docker plugin install --disable --grant-all-permissions --alias kasmweb\/sidecar:amd64-1\.2\.10 kasmweb\/sidecar:amd64-1\.2\.10/,
				/\$ docker plugin enable kasmweb\/sidecar:amd64-1\.2\.10/,
			],
		},
		'y',
	);
	frame = await waitForFrame(ui.lastFrame, text => text.includes('Install done'));
	assert.match(frame, /Install done: kasmweb\/sidecar:amd64-1\.2\.10/);
	assert.match(frame, /is enabled, nothing → amd64-1\.2\.10/, 'the result names the build it installed');
	assert.deepEqual(recorded.plans.at(-1), {kind: 'install', reference: 'kasmweb/sidecar:amd64-1.2.10', alias: undefined});
	assert.equal(recorded.runs.length, 1);
});

test('the privileges are listed one a line in the order the daemon gave them, each marked as it reaches into the host', async () => {
	const {ui} = openApp({}, {columns: 100, rows: 30});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'I');
	for (const letter of 'kasmweb/sidecar:amd64-1.2.10') {
		await press(ui.stdin, ui.lastFrame, letter);
	}

	await press(ui.stdin, ui.lastFrame, keys.enter);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('y go ahead'));
	const rows = frame.split('\n');
	const first = rows.findIndex(row => row.startsWith('grants'));
	assert.deepEqual(
		rows.slice(first, first + 4).map(row => row.replace(/^grants/, '').trim()),
		['! network: host', '! mount: /var/lib/kasm', '! capabilities: CAP_SYS_ADMIN, CAP_NET_ADMIN', '! allow-all-devices: false'],
	);
	await press(ui.stdin, ui.lastFrame, 'n');
});

test('a name already installed is refused with nothing changed, and a key of the result asks for another name', async () => {
	const {ui, recorded} = openApp({taken: 'kasmweb/sidecar:amd64-1.2.10'});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'I');
	ui.stdin.write('kasmweb/sidecar:amd64-1.2.10\r');
	await waitForFrame(ui.lastFrame, text => text.includes('under which name?'));
	let frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	frame = await waitForFrame(ui.lastFrame, text => text.includes('Install refused'));
	assert.match(frame, /Install refused: kasmweb\/sidecar:amd64-1\.2\.10/);
	assert.match(flat(frame), /a plugin named kasmweb\/sidecar:amd64-1\.2\.10 is already installed \(enabled at amd64-1\.2\.10\)/);
	assert.match(frame, /press a to install it under another name/);
	assert.doesNotMatch(frame, /--alias/, 'the screen offers its own next step, not a command line');
	frame = await press(ui.stdin, ui.lastFrame, 'a');
	assert.match(frame, /Install kasmweb\/sidecar:amd64-1\.2\.10: under which name\?/);
	ui.stdin.write('kasmweb/sidecar-b:amd64-1.2.10\r');
	await answerPrompt(ui, {title: /Install kasmweb\/sidecar-b:amd64-1\.2\.10\?/, body: [/--alias kasmweb\/sidecar-b:amd64-1\.2\.10 kasmweb\/sidecar:amd64-1\.2\.10/]}, 'n');
	assert.equal(recorded.runs.length, 0);
});

test('what is not a reference is said over the prompt, which keeps what was typed', async () => {
	const {ui, recorded} = openApp();
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'I');
	ui.stdin.write('Kasm Sidecar\r');
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('is not an image or plugin reference'));
	assert.match(frame, /reference: Kasm Sidecar█/);
	assert.deepEqual(recorded.plans, []);
});

test('s changes a setting through the same confirmation as every change; a secret is typed unseen', async () => {
	const {ui, recorded} = openApp();
	await onRolling(ui);
	let frame = await press(ui.stdin, ui.lastFrame, 's');
	assert.match(frame, /Set on kasmweb\/sidecar:amd64-1\.2-rolling: which setting\?/);
	assert.match(frame, /DEBUG=0 +log every request/);
	assert.match(frame, /API_TOKEN=\*\*\*/);
	assert.doesNotMatch(frame, /data\.source/, 'a setting its config keeps fixed is not offered');
	assert.doesNotMatch(frame, /fixture-token-value/);
	frame = await pick(ui, 0);
	assert.match(frame, /DEBUG=0█/, 'the value it has now, to edit');
	await press(ui.stdin, ui.lastFrame, '\u007F');
	await press(ui.stdin, ui.lastFrame, '1');
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await answerPrompt(ui, {title: /Set kasmweb\/sidecar:amd64-1\.2-rolling\?/, body: [/\$ docker plugin disable/]}, 'y');
	await waitForFrame(ui.lastFrame, text => text.includes('Set done: kasmweb/sidecar:amd64-1.2-rolling'));
	assert.deepEqual(recorded.plans.at(-1), {kind: 'set', plugin: plugins[2], assignments: ['DEBUG=1']});
	await press(ui.stdin, ui.lastFrame, keys.enter);

	await press(ui.stdin, ui.lastFrame, 's');
	frame = await pick(ui, 1);
	assert.match(frame, /API_TOKEN=█/, "a secret's value is never drawn: it is typed anew");
	for (const letter of 'abcd') {
		frame = await press(ui.stdin, ui.lastFrame, letter);
	}

	assert.match(frame, /API_TOKEN=••••█/);
	assert.doesNotMatch(frame, /abcd/);
	await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.equal(recorded.plans.length, 1);
});

test('s on a plugin with nothing settable is greyed in the footer and says why when pressed', async () => {
	const {ui, recorded} = openApp();
	let frame = await waitForFrame(ui.lastFrame, ready);
	frame = await press(ui.stdin, ui.lastFrame, 's');
	assert.match(frame, /s change a setting: its config lets no setting be changed/);
	assert.deepEqual(recorded.plans, []);
});

test("l shows the plugin's log lines oldest first, escape sequences removed; it scrolls, and follows new lines while open", async () => {
	const {ui, log, logReaders} = openApp({}, {columns: 100, rows: 30});
	await waitForFrame(ui.lastFrame, ready);
	let frame = await press(ui.stdin, ui.lastFrame, 'l');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('listening failed') && text.includes('from /var/log/docker.log'));
	assert.match(frame, /Log of kasmweb\/kasm-network-plugin:amd64-1\.2\.9 {2}41 lines, following/);
	assert.match(frame, /2026-12-01 08:00:40 info {2}kasm-fixture: line 40 of/);
	assert.match(frame, /2026-12-01 08:01:00 error kasm-fixture: red listening failed/, 'the daemon text drawn without its escape sequence');
	assert.ok(frame.indexOf('line 40 of') < frame.indexOf('listening failed'), 'oldest first: the newest at the bottom');
	assert.doesNotMatch(frame, /line 1 of/, 'the newest page is shown first');

	frame = await press(ui.stdin, ui.lastFrame, 'g');
	assert.match(frame, /08:00:01 info {2}kasm-fixture: line 1 of/);
	assert.match(frame, /lines 1–24 of 41/);
	// What arrives while older lines are read does not move them.
	log('kasm-fixture: a new line');
	await delay(150);
	assert.match(ui.lastFrame()!, /lines 1–24 of 42/);
	assert.match(ui.lastFrame()!, /08:00:01 info {2}kasm-fixture: line 1 of/);
	frame = await press(ui.stdin, ui.lastFrame, 'G');
	assert.match(frame, /kasm-fixture: a new line/);
	assert.match(frame, /42 lines, following/);
	log('kasm-fixture: one more');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('one more'));
	assert.match(frame, /43 lines, following/);

	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /Plugins \(3\)/);
	assert.ok(logReaders[0]!.signal.aborted, 'closing the log stops reading it');
});

test('for a daemon on another machine, l shows the one line that says where its log is read', async () => {
	const {ui} = openApp({remoteLog: true});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'l');
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('runs on another machine'));
	assert.match(flat(frame), /on ops@kasm-agent-1 \(ssh ops@kasm-agent-1\), journalctl -u docker\.service/);
});
