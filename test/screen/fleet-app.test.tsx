import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {cleanup} from 'ink-testing-library';
import {FleetApp} from '../../source/app/components/fleet-app.js';
import {answerPrompt, keys, press, renderAt, waitForFrame} from '../helpers/frames.js';
import {fleetFixture, type FleetFixtureOptions} from './fleet-fixture.js';

afterEach(() => cleanup());

function open(options: FleetFixtureOptions = {}, size = {columns: 200, rows: 40}) {
	const fixture = fleetFixture(options);
	const ui = renderAt(<FleetApp services={fixture.services} size={size} />, size.columns);
	return {...fixture, ui};
}

/** Every host has answered and the builds are named by release tag. */
const named = (frame: string) => frame.includes('!1.2.10') && frame.includes('Hosts (4: 3 live, 1 unreachable)');
/** The matrix's row of host names, `▾` over the selected one. */
const columnsRow = (frame: string) => frame.split('\n').find(row => /^ {2}plugin /.test(row)) ?? '';
/** The matrix row of a plugin. */
const rowOf = (frame: string, plugin: string) => frame.split('\n').find(row => row.includes(plugin) && /[▸› ][~=] /.test(row.slice(0, 3))) ?? '';

test('the hosts that answer are drawn at once; a silent one shows connecting… until it is given up, then unreachable with why', async () => {
	const {ui, answer} = open({heldHosts: ['down']});
	let frame = await waitForFrame(ui.lastFrame, text => text.includes('alpha   live') && text.includes('charlie live'));
	assert.match(frame, /down\s+connecting…/);
	assert.match(frame, /Hosts \(4: 3 live\)/);
	assert.match(rowOf(frame, 'kasmweb/sidecar'), /1\.2-rolling.*…/, 'the silent host\'s cell waits; the others show what they run');
	answer('down');
	frame = await waitForFrame(ui.lastFrame, named);
	assert.match(frame, /down\s+unreachable no answer within 10 s/);
	assert.match(rowOf(frame, 'kasmweb/sidecar'), /!1\.2\.9 ●\s+✗ /, 'its cells say it did not answer');
	assert.match(frame, /✗ unreachable/, 'the legend reads the mark without colour');
});

test('a host that says nothing while it is read shows for how long in the hosts pane, until it answers or is given up', async () => {
	const {ui, answer} = open({heldHosts: ['down'], silentMs: 5000});
	let frame = await waitForFrame(ui.lastFrame, text => /down\s+connecting… no answer for 5 s/.test(text));
	assert.match(frame, /alpha\s+live/, 'the hosts that answered are drawn meanwhile');
	answer('down');
	frame = await waitForFrame(ui.lastFrame, named);
	assert.doesNotMatch(frame, /no answer for 5 s/, 'said only while it lasts');
});

test('during a rollout a host that has said nothing for a while says so on its line: for how long, and at which step', async () => {
	const {ui, release} = open({holdRuns: true, silentMs: 30_000}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(ui, {title: /Fleet upgrade .* on 2 hosts\?/, body: [/alpha unix:/, /bravo ssh:\/\/kasm-agent-1/]}, 'y');
	const frame = await waitForFrame(ui.lastFrame, text => /alpha\s+under way\s+no answer for 30 s \(step 2\/3, pull\)/.test(text));
	assert.match(frame, /bravo\s+waiting/);
	release();
	await waitForFrame(ui.lastFrame, text => /bravo\s+under way\s+no answer for 30 s/.test(text) && /alpha\s+done/.test(text));
	release();
	await waitForFrame(ui.lastFrame, text => text.includes('Fleet upgrade done'));
});

test('drift is marked in the cells, the hosts pane and the header, and a drifting cell says what the other hosts run', async () => {
	const {ui} = open();
	let frame = await waitForFrame(ui.lastFrame, named);
	assert.match(frame.split('\n')[0]!, /fleet of 4 hosts ─ 3 plugins ─ ! 1 drifting/);
	assert.match(rowOf(frame, 'kasmweb/sidecar'), /!1\.2\.9 +!1\.2\.10 +!1\.2\.9 ●/, 'every build of a drifting name is marked, the one in use too');
	assert.doesNotMatch(rowOf(frame, 'kasm-network-plugin'), /!/, 'the same build everywhere is no drift');
	assert.match(frame, /bravo\s+live\s+docker 26\.1\.5 \(API 1\.45\)\s+1 plugin · 3 live sessions · Kasm 1\.17\.0 · ! 1 drifting/);
	assert.match(rowOf(frame, 'vieux/sshfs'), /\?latest/, 'a build no release tag holds is marked ?');
	await press(ui.stdin, ui.lastFrame, 'j');
	frame = await press(ui.stdin, ui.lastFrame, 'l');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('drift   alpha runs'));
	assert.match(frame, /release amd64-1\.2\.10\n/, 'the release bravo runs');
	assert.match(frame, /drift {3}alpha runs amd64-1\.2\.9 · charlie runs amd64-1\.2\.9\n/);
});

test('arrows and h/l move across hosts, j/k over plugins, tab through the panes, enter opens the detail and esc goes back', async () => {
	const {ui} = open({}, {columns: 80, rows: 24});
	let frame = await waitForFrame(ui.lastFrame, named);
	assert.match(columnsRow(frame), /▾alpha/);
	assert.match(frame, /▶Plugins × hosts \(3 × 4\)/, 'the matrix has focus at start');
	frame = await press(ui.stdin, ui.lastFrame, keys.right);
	assert.match(columnsRow(frame), /▾bravo/);
	frame = await press(ui.stdin, ui.lastFrame, 'l');
	assert.match(columnsRow(frame), /▾charlie/);
	frame = await press(ui.stdin, ui.lastFrame, 'h');
	assert.match(columnsRow(frame), /▾bravo/);
	frame = await press(ui.stdin, ui.lastFrame, 'j');
	assert.match(rowOf(frame, 'kasmweb/sidecar'), /^▸~ /);
	assert.match(rowOf(frame, 'kasmweb/sidecar'), /▸!1\.2\.10/, 'the selected cell is marked without colour');

	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	assert.match(frame, /^bravo$/m, 'the detail takes the matrix\'s place at 80 columns');
	assert.match(frame, /address ssh:\/\/kasm-agent-1/);
	assert.match(frame, /release amd64-1\.2\.10/);
	assert.doesNotMatch(frame, /Plugins × hosts/);
	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /▶Plugins × hosts/);

	frame = await press(ui.stdin, ui.lastFrame, keys.shiftTab);
	assert.match(frame, /▶Hosts \(4/);
	assert.match(frame.split('\n').at(-1)!, /c canary/, 'the footer shows the keys of the pane in focus');
	frame = await press(ui.stdin, ui.lastFrame, 'j');
	assert.match(frame, /▸ charlie/, 'in the hosts pane j moves to the next host');
	assert.match(columnsRow(frame), /▾charlie/, 'the same host in both panes');
	frame = await press(ui.stdin, ui.lastFrame, keys.tab);
	assert.match(frame, /▶Plugins × hosts/);
	frame = await press(ui.stdin, ui.lastFrame, keys.tab);
	assert.doesNotMatch(frame, /▶/, 'then the detail');
	assert.match(frame, /^charlie {2}canary$|^charlie {2}group east$/m);
});

test('a host that reports another\'s engine ID is marked in the hosts pane, and its detail says both are kept apart', async () => {
	const {ui} = open({clonedCharlie: true});
	let frame = await waitForFrame(ui.lastFrame, named);
	assert.match(frame, /charlie\s+live\s+docker 26\.1\.5 \(API 1\.45\)\s+2 plugins · ! 1 drifting · ! alpha's engine ID/);
	assert.doesNotMatch(frame, /alpha\s+live.*engine ID/, 'the first of the two is not marked');
	await press(ui.stdin, ui.lastFrame, keys.shiftTab);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'j');
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	// Wrapped in the detail pane beside the others.
	assert.match(frame, /! charlie reports alpha's engine ID: a machine cloned from one image\? both\n/);
	assert.match(frame, / are kept apart by name and data root\n/);
});

test('/ narrows the matrix to the plugins whose name holds the text; esc clears it', async () => {
	const {ui} = open();
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, '/');
	for (const character of 'sshfs') {
		await press(ui.stdin, ui.lastFrame, character);
	}

	let frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	assert.match(frame, /Plugins × hosts \(1 × 4\).*\/sshfs/);
	assert.doesNotMatch(frame, /kasmweb\/sidecar/);
	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /Plugins × hosts \(3 × 4\)/);
});

test('a cell\'s detail is that host\'s plugin: its own history and tags, read from that host', async () => {
	const {ui} = open({}, {columns: 160, rows: 40});
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'j');
	let frame = await waitForFrame(ui.lastFrame, text => text.includes('(amd64-1.2.10) ok'));
	assert.match(frame, /address unix:\/\/\/var\/run\/docker\.sock/);
	assert.match(frame, /upgrade\s+amd64-1\.2-rolling \(amd64-1\.2\.10\) ok/, 'alpha\'s history');
	assert.match(frame, /arm64-1\.2\.10/, 'alpha\'s registry tags');
	await press(ui.stdin, ui.lastFrame, 'l');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('address ssh://kasm-agent-1') && text.includes('no history yet'));
	assert.doesNotMatch(frame, /auto-update\s+amd64-1\.2-rolling/, 'not alpha\'s history');
	assert.doesNotMatch(frame, /arm64-1\.2\.10/);
	await press(ui.stdin, ui.lastFrame, 'l');
	await press(ui.stdin, ui.lastFrame, 'l');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('address tcp://10.0.0.9:2376'));
	assert.match(frame, /state\s+unreachable: no answer within 10 s/);
	assert.match(frame, /not known: the host has not answered/);
});

test('u shows the plan for every host before anything changes: steps, privileges, and who is skipped and why; n changes nothing', async () => {
	const {ui, recorded} = open({}, {columns: 120, rows: 60});
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(
		ui,
		{
			title: /Fleet upgrade kasmweb\/sidecar:amd64-1\.2-rolling on 2 hosts\?/,
			body: [
				/order: alpha, then bravo; a health gate after each host; it stops at the first host that fails/,
				/\$ docker plugin upgrade --grant-all-permissions kasmweb\/sidecar:amd64-1\.2-rolling/,
				/! capabilities: CAP_NET_ADMIN/,
				/charlie tcp:\/\/10\.0\.0\.3:2376 skipped: the plugin .* is in use by 1 volume \(kasm-profiles\)/,
				/down tcp:\/\/10\.0\.0\.9:2376 skipped: unreachable: no answer within 10 s/,
			],
		},
		'n',
	);
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('cancelled: nothing was changed'));
	assert.match(frame, /▶Plugins × hosts/);
	assert.deepEqual(recorded.plans.map(plan => plan.request), [{action: 'upgrade', plugin: 'kasmweb/sidecar:amd64-1.2-rolling'}]);
	assert.equal(recorded.runs.length, 0);
	assert.equal(recorded.discarded, 1, 'the plan declined lets its hosts\' connections go');
});

test('a rollout from the screen: live per-host progress, then each host\'s outcome; the hosts are read again after', async () => {
	const {ui, recorded, release} = open({holdRuns: true}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, named);
	assert.equal(recorded.reads, 1);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(ui, {title: /Fleet upgrade .* on 2 hosts\?/, body: [/alpha unix:/, /bravo ssh:\/\/kasm-agent-1/]}, 'y');
	let frame = await waitForFrame(ui.lastFrame, text => /alpha\s+under way/.test(text));
	assert.match(frame, /batch 1\/2: alpha/);
	assert.match(frame, /alpha\s+under way\s+\[2\/3\] replace the build/);
	assert.match(frame, /bravo\s+waiting/);
	assert.match(frame, /charlie\s+skipped\s+the plugin .* is in use/);
	assert.match(frame, /ctrl-c lets the hosts under way finish or undo/);
	frame = await press(ui.stdin, ui.lastFrame, 'u');
	assert.match(frame, /one change at a time: "u" was not taken/);
	release();
	frame = await waitForFrame(ui.lastFrame, text => /bravo\s+under way/.test(text));
	assert.match(frame, /alpha\s+done\s+amd64-1\.2\.9 → amd64-1\.2\.10/);
	assert.match(frame, /alpha: health: volume probe ok/);
	release();
	frame = await waitForFrame(ui.lastFrame, text => text.includes('Fleet upgrade done: kasmweb/sidecar:amd64-1.2-rolling'));
	assert.match(frame, /alpha\s+done/);
	assert.match(frame, /bravo\s+done/);
	assert.match(frame, /down\s+skipped\s+unreachable/);
	assert.equal(recorded.runs.length, 1);
	await waitForFrame(ui.lastFrame, () => recorded.reads === 2);
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	assert.match(frame, /▶Plugins × hosts/);
});

test('c marks canaries: they go first, alone, in the order marked; again unmarks', async () => {
	const {ui, recorded} = open();
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'l');
	let frame = await press(ui.stdin, ui.lastFrame, 'c');
	assert.match(frame, /bravo is a canary: a rollout changes it first, alone, and stops if it fails/);
	assert.match(frame.split('\n')[0]!, /canary bravo\s*$/);
	assert.match(frame, /bravo\s+canary\s+live/);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'u');
	frame = await waitForFrame(ui.lastFrame, text => /y go ahead/.test(text));
	assert.match(frame, /order: bravo \(canary\), then alpha/);
	assert.deepEqual(recorded.plans[0]!.options.canaries, ['bravo']);
	await press(ui.stdin, ui.lastFrame, keys.escape);
	frame = await press(ui.stdin, ui.lastFrame, 'c');
	assert.match(frame, /bravo is no longer a canary/);
	assert.doesNotMatch(frame.split('\n')[0]!, /canary/);
});

test('ctrl-c during a rollout lets the host under way finish or undo and starts no other; the report says so', async () => {
	const {ui, recorded, release} = open({holdRuns: true});
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(ui, {title: /Fleet upgrade/, body: [/order: alpha, then bravo/]}, 'y');
	await waitForFrame(ui.lastFrame, text => /alpha\s+under way/.test(text));
	let frame = await press(ui.stdin, ui.lastFrame, '\u0003');
	assert.match(frame, /ctrl-c: the hosts under way finish or undo their change, and no other host starts/);
	release();
	frame = await waitForFrame(ui.lastFrame, text => text.includes('Fleet upgrade failed'));
	assert.match(frame, /alpha\s+failed, restored\s+interrupted \(ctrl-c\): put back as it was/);
	assert.match(frame, /bravo\s+not started/);
	assert.match(frame, /stopped: interrupted \(ctrl-c\)/);
	assert.deepEqual(recorded.aborted, [true]);
});

test('i picks from the selected host\'s tags, asks for a name, and plans a reinstall on every host; no other host\'s history build is offered', async () => {
	const {ui, recorded} = open({}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'j');
	await waitForFrame(ui.lastFrame, text => text.includes('(amd64-1.2.10) ok'));
	let frame = await press(ui.stdin, ui.lastFrame, 'i');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('which version?'));
	assert.match(frame, /amd64-1\.2\.10\s+installed build · latest patch/);
	assert.doesNotMatch(frame, /sha256:|history build/, 'builds by digest are one host\'s own');
	// The picker's cursor starts on the first tag, amd64-2.0.0: down twice to amd64-1.2.10. One key
	// per render, once ink-select-input listens, as in the single-host screen's test.
	for (const key of [keys.down, keys.down, keys.enter]) {
		await delay(50);
		frame = await press(ui.stdin, ui.lastFrame, key);
	}

	frame = await waitForFrame(ui.lastFrame, text => text.includes('under which name?'));
	for (const letter of 'pinned:1') {
		await press(ui.stdin, ui.lastFrame, letter);
	}

	assert.match(frame, /Reinstall kasmweb\/sidecar:amd64-1\.2-rolling at amd64-1\.2\.10/);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await waitForFrame(ui.lastFrame, text => /y go ahead/.test(text));
	assert.deepEqual(recorded.plans[0]!.request, {action: 'reinstall', plugin: 'kasmweb/sidecar:amd64-1.2-rolling', version: 'amd64-1.2.10', alias: 'pinned:1'});
	frame = await press(ui.stdin, ui.lastFrame, 'n');
	assert.equal(recorded.runs.length, 0);
});

test('i on a host that does not run the plugin says so and asks nothing', async () => {
	const {ui, recorded} = open();
	await waitForFrame(ui.lastFrame, named);
	await press(ui.stdin, ui.lastFrame, 'l');
	const frame = await press(ui.stdin, ui.lastFrame, 'i');
	assert.match(frame, /kasmweb\/kasm-network-plugin:amd64-1\.2\.9 is not installed on bravo: pick a host that runs it/);
	assert.equal(recorded.plans.length, 0);
});

test('read-only refuses every rollout key with the reason, and the footer shows them greyed', async () => {
	const {ui, recorded} = open({readOnly: true});
	let frame = await waitForFrame(ui.lastFrame, named);
	assert.match(frame.split('\n')[0]!, /READ-ONLY\s*$/);
	assert.match(frame.split('\n').at(-1)!, /\(u upgrade\) {2}\(r rollback\) {2}\(i reinstall\) {2}\(a auto-update\)/);
	for (const key of ['u', 'r', 'i', 'a']) {
		frame = await press(ui.stdin, ui.lastFrame, key);
		assert.match(frame, new RegExp(`${key} [a-z -]+: read-only \\(--read-only\\): it would change the hosts`), key);
	}

	await delay(50);
	assert.equal(recorded.plans.length, 0);
});

test('ctrl-r reads every host again; q quits', async () => {
	const {ui, recorded} = open();
	await waitForFrame(ui.lastFrame, named);
	ui.stdin.write('\u0012');
	await waitForFrame(ui.lastFrame, () => recorded.reads === 2);
	await waitForFrame(ui.lastFrame, named);
	ui.stdin.write('q');
	await delay(50);
	// An unmounted app leaves its last frame and takes no more keys.
	const last = ui.lastFrame();
	ui.stdin.write('j');
	await delay(50);
	assert.equal(ui.lastFrame(), last);
});

for (const size of [
	{columns: 80, rows: 24},
	{columns: 120, rows: 30},
	{columns: 200, rows: 50},
]) {
	test(`at ${size.columns}×${size.rows} without colour every mark still reads: focus, selection, drift, in use, disabled, unreachable`, async () => {
		const {ui} = open({}, size);
		const frame = await waitForFrame(ui.lastFrame, named);
		// ink-testing-library draws no colour: this is what a NO_COLOR terminal shows.
		assert.doesNotMatch(frame, /\u001B\[/);
		assert.match(frame, /▶Plugins × hosts/, 'focus');
		assert.match(frame, /▾alpha/, 'the selected host');
		assert.match(frame, /▸ 1\.2\.9 ○/, 'the selected cell, and disabled');
		assert.match(frame, /!1\.2\.9 ●/, 'drift and in use');
		assert.match(frame, /down\s+unreachable/);
		assert.match(frame, /! drift {2}● in use {2}○ disabled {2}~ rolling {2}= pinned {2}✗ unreachable/);
		const lines = frame.split('\n');
		assert.ok(lines.length <= size.rows);
		assert.ok(lines.every(row => [...row].length <= size.columns));
	});
}
