import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {cleanup} from 'ink-testing-library';
import {answerPrompt, keys, press, waitForFrame} from '../helpers/frames.js';
import {flat, onRolling, openApp, ready} from './open-app.js';

afterEach(() => cleanup());

test('a rollback refused for want of a previous build is titled as one would say it, and offers the picker on the screen, not commands', async () => {
	const {ui, recorded} = openApp({refuse: 'rollback'});
	await onRolling(ui);
	let frame = await press(ui.stdin, ui.lastFrame, 'r');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('Rollback refused'));
	assert.match(frame.split('\n')[1]!, /^ Rollback refused: kasmweb\/sidecar:amd64-1\.2-rolling/);
	assert.match(flat(frame), /the previous version of kasmweb\/sidecar:amd64-1\.2-rolling cannot be determined: its history holds no earlier build/);
	assert.match(frame, /nothing was changed/);
	assert.match(frame, /press i to pick a version to reinstall/);
	assert.ok(frame.split('\n').some(row => /^i pick a version to reinstall {3}enter or esc back$/.test(row)), 'the key is in the dialog');
	assert.doesNotMatch(frame, /kasm-tui (tags|reinstall)|--version/, 'no shell commands on the screen');
	assert.equal(recorded.runs.length, 0);

	frame = await press(ui.stdin, ui.lastFrame, 'i');
	assert.match(frame, /Reinstall kasmweb\/sidecar:amd64-1\.2-rolling: which version\?/);
	assert.match(frame, /amd64-1\.2\.9 +previous · history 2026-10-02/);
	await press(ui.stdin, ui.lastFrame, keys.escape);
});

test('another refusal says why with nothing to pick, and enter goes back', async () => {
	const {ui} = openApp({refuse: 'upgrade'});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'u');
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('Upgrade refused'));
	assert.match(frame, /Upgrade refused: kasmweb\/kasm-network-plugin:amd64-1\.2\.9/);
	assert.ok(frame.split('\n').some(row => /^enter or esc back$/.test(row)), 'nothing to offer but going back');
	assert.match(await press(ui.stdin, ui.lastFrame, keys.enter), /Plugins \(3\)/);
});

test('the history shows one row per entry, a long error cut with an ellipsis; enter on the entry shows it whole', async () => {
	const {ui} = openApp({}, {columns: 160, rows: 30});
	let frame = await onRolling(ui);
	const row = frame.split('\n').find(text => text.includes('auto-update amd64'))!;
	assert.match(row, /auto-update amd64-1\.2-rolling \(amd64-1\.2\.9\) restored {2}enable of kasmweb\/sidecar.*…$/, 'one row, cut where the pane ends');
	assert.doesNotMatch(frame, /no such file or directory: unknown/);
	assert.equal(frame.split('\n').filter(text => text.includes('OCI runtime')).length, 0, 'nothing of it wraps onto a row of its own');

	// enter opens the detail; the cursor goes down to the entry's row.
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	const rows = frame.split('\n');
	const target = rows.findIndex(text => text.includes('auto-update amd64'));
	const start = rows.findIndex(text => text.includes('›kasmweb/sidecar:amd64-1.2-rolling'));
	assert.ok(start > 0 && target > start, `the cursor starts on the detail's first row:\n${frame}`);
	for (let step = start; step < target; step++) {
		frame = await press(ui.stdin, ui.lastFrame, 'j');
	}

	assert.match(frame, /› 2026-11-10 08:00 auto-update/, 'the cursor is on the entry, marked without colour');
	assert.match(frame.split('\n').at(-1)!, /enter open entry/);
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	assert.match(frame, /kasmweb\/sidecar:amd64-1\.2-rolling: auto-update of 2026-11-10 08:00/);
	const whole = flat(frame);
	assert.match(whole, /error enable of kasmweb\/sidecar:amd64-1\.2-rolling failed: OCI runtime create failed: .* no such file or directory: unknown/, 'the error whole');
	assert.match(whole, /tag amd64-1\.2-rolling = amd64-1\.2\.9, the release that holds this build/);
	assert.match(whole, /outcome restored/);
	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /› 2026-11-10 08:00 auto-update/, 'back where it was');
});

test('enter on a row that is no history entry opens nothing', async () => {
	const {ui} = openApp();
	await onRolling(ui);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	ui.stdin.write('\r');
	await delay(100);
	assert.match(ui.lastFrame()!, /›kasmweb\/sidecar:amd64-1\.2-rolling/);
	assert.doesNotMatch(ui.lastFrame()!, /enter or esc back/);
});

test("an auto-update's result names each plugin's builds by release tag", async () => {
	const {ui} = openApp();
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'a');
	await answerPrompt(ui, {title: /Auto-update every rolling plugin/, body: [/upgrade kasmweb\/sidecar:amd64-1\.2-rolling/]}, 'y');
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('Auto-update done'));
	assert.match(frame, /upgraded +kasmweb\/sidecar:amd64-1\.2-rolling {2}amd64-1\.2\.9 → amd64-1\.2\.10/);
});
