import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/components/app.js';
import {keymap} from '../../source/app/keys/keymap.js';
import {FlowFailed} from '../../source/flows/run.js';
import {answerPrompt, keys, press, waitForFrame} from '../helpers/frames.js';
import {entry, fixtureServices, plugins} from './fixture-services.js';

afterEach(() => cleanup());

const sizes = [
	{columns: 80, rows: 24},
	{columns: 120, rows: 40},
	{columns: 200, rows: 50},
];

function open(options: Parameters<typeof fixtureServices>[0] = {}, size = {columns: 120, rows: 40}) {
	const fixture = fixtureServices(options);
	const ui = render(<App services={fixture.services} size={size} />);
	return {...fixture, ui};
}

const ready = (frame: string) => frame.includes('Plugins (3)') && frame.includes('History');

for (const size of sizes) {
	test(`at ${size.columns}×${size.rows} everything fits: header, both panes, the detail and the footer`, async () => {
		const {ui} = open({}, size);
		const frame = await waitForFrame(ui.lastFrame, ready);
		const lines = frame.split('\n');
		assert.ok(lines.length <= size.rows, `${lines.length} lines fit in ${size.rows} rows`);
		assert.ok(lines.every(row => [...row].length <= size.columns), 'no line is wider than the terminal');
		assert.match(lines[0]!, /unix:\/\/\/var\/run\/docker\.sock/);
		assert.match(lines[0]!, /docker 20\.10\.24/);
		assert.match(lines[0]!, /3 plugins · 60 images/);
		assert.match(frame, /▶Plugins \(3\)/, 'the plugins pane has focus at start');
		assert.match(frame, / Images \(60\)/);
		assert.match(frame, /enabled · pinned/);
		assert.match(frame, /used\s+1 network \(kasm-egress\)/);
		assert.match(frame, /kasm-profiles/, 'a long line wraps instead of losing what uses the plugin');
		assert.match(frame, /kasm-session-ops/);
		assert.match(lines.at(-1)!, /u upgrade/);
		assert.match(lines.at(-1)!, /\? help {2}q quit$/, 'help and quit are always in the footer');
	});
}

test('the rolling plugin shows the release its build is, its history with the current entry, and marked tags', async () => {
	const {ui} = open({}, {columns: 160, rows: 45});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'j');
	const frame = await press(ui.stdin, ui.lastFrame, 'j');
	const detail = await waitForFrame(ui.lastFrame, text => text.includes('amd64-1.2.10  (installed build, latest patch') || text !== frame);
	assert.match(detail, /enabled · rolling \(auto-updates\)/);
	assert.match(detail, /build\s+= amd64-1\.2\.10/);
	assert.match(detail, /! capabilities: CAP_NET_ADMIN/, 'a capability is marked, not only coloured');
	assert.match(detail, /▸ 2026-11-20 08:00 upgrade\s+amd64-1\.2-rolling \(amd64-1\.2\.10\) ok {2}\(current\)/, 'a rolling entry names the release its build was');
	assert.match(detail, /auto-update\s+amd64-1\.2-rolling \(amd64-1\.2\.9\) restored/);
	assert.match(detail, /amd64-1\.2\.10 {2}\(installed build, latest patch, history 2026-11-20\)/);
	assert.match(detail, /amd64-1\.2\.9 {2}\(previous, history 2026-10-02\)/);
	assert.match(detail, /amd64-1\.2-rolling {2}\(installed, rolling\)/);
	assert.match(detail, /arm64-1\.2\.10 {2}\(another architecture \(arm64\)\)/);
});

test('keys that arrive together, as when j is held down over SSH, each count', async () => {
	const {ui} = open({}, {columns: 100, rows: 30});
	await waitForFrame(ui.lastFrame, ready);
	let frame = await press(ui.stdin, ui.lastFrame, 'jj');
	assert.match(frame, /▸ kasmweb\/sidecar:amd64-1\.2-rolling/);
	frame = await press(ui.stdin, ui.lastFrame, '\tj');
	assert.match(frame, /▶Images/, 'a tab in the chunk moves focus');
	assert.match(frame, /▸ kasmweb\/workspace-01/, 'and the key after it acts in the new pane');
});

test('a plugin whose reference names a newer build is marked in the list, found in the background', async () => {
	const {ui} = open({}, {columns: 120, rows: 40});
	const frame = await waitForFrame(ui.lastFrame, text => /kasmweb\/sidecar:amd64-1\.2-rolling\s+↑/.test(text));
	assert.doesNotMatch(frame, /kasm-network-plugin:amd64-1\.2\.9\s+↑/);
});

test('h checks the plugin on its socket and says how it answered; an unresponsive one is marked in the list; on a disabled one h is greyed and says why', async () => {
	const {ui} = open({}, {columns: 200, rows: 40});
	await waitForFrame(ui.lastFrame, ready);
	let frame = await press(ui.stdin, ui.lastFrame, 'h');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('healthy (answers in 2 ms)'));
	frame = await press(ui.stdin, ui.lastFrame, 'j');
	assert.match(frame.split('\n').at(-1)!, /\(h health\)/, 'greyed in the footer: nothing answers a disabled plugin');
	frame = await press(ui.stdin, ui.lastFrame, 'h');
	assert.match(frame, /h health check: it is disabled: nothing answers on its socket/);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'h');
	frame = await waitForFrame(ui.lastFrame, text => /sidecar:amd64-1\.2-rolling.* ✗ unhealthy/.test(text));
	assert.match(frame, /unresponsive: no answer/);
});

test('images: a newer build behind a tag is marked, p pulls it with progress after asking, and x removes only unused ones', async () => {
	const {ui, recorded} = open({}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, ready);
	let frame = await press(ui.stdin, ui.lastFrame, keys.tab);
	frame = await waitForFrame(ui.lastFrame, text => /workspace-01:1\.16\.0\s+↑/.test(text));
	assert.match(frame, /update\s+up to date with its registry/, 'the first image is up to date');

	// x on an image a container uses: refused, naming the container, with nothing asked.
	frame = await press(ui.stdin, ui.lastFrame, 'x');
	assert.match(frame, /kasmweb\/workspace-00:1\.16\.0 is used by kasm-session-ops/);
	assert.deepEqual(recorded.removedImages, []);

	frame = await press(ui.stdin, ui.lastFrame, 'j');
	assert.match(frame, /update\s+↑ a newer build is behind this tag/);
	await press(ui.stdin, ui.lastFrame, 'p');
	await answerPrompt(ui, {title: /Pull kasmweb\/workspace-01:1\.16\.0\?/, body: [/\$ docker pull kasmweb\/workspace-01:1\.16\.0/]}, 'y');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('Pull done: kasmweb/workspace-01:1.16.0'));
	assert.match(frame, /is pulled/);
	assert.deepEqual(recorded.pulls, ['kasmweb/workspace-01:1.16.0']);
	await press(ui.stdin, ui.lastFrame, keys.enter);

	frame = await press(ui.stdin, ui.lastFrame, 'j');
	assert.match(frame, /unknown: not from a registry/);
	await press(ui.stdin, ui.lastFrame, 'x');
	await answerPrompt(ui, {title: /Remove the image kasmweb\/workspace-02:1\.16\.0\?/, body: [/\$ docker image rm kasmweb\/workspace-02:1\.16\.0/]}, 'y');
	await waitForFrame(ui.lastFrame, text => text.includes('Remove done: the image kasmweb/workspace-02:1.16.0'));
	assert.deepEqual(recorded.removedImages, ['kasmweb/workspace-02:1.16.0']);
});

test('tab moves focus through plugins, images and the detail; enter opens the detail and esc goes back', async () => {
	const {ui} = open({}, {columns: 80, rows: 24});
	await waitForFrame(ui.lastFrame, ready);
	let frame = await press(ui.stdin, ui.lastFrame, keys.tab);
	assert.match(frame, /▶Images \(60\)/);
	assert.match(frame.split('\n').at(-1)!, /p pull/, 'the footer shows the keys of the focused pane');
	assert.doesNotMatch(frame.split('\n').at(-1)!, /u upgrade/);
	for (let index = 0; index < 40; index++) {
		frame = await press(ui.stdin, ui.lastFrame, 'j');
	}

	assert.match(frame, /▸ kasmweb\/workspace-40:1\.16\.0/);
	assert.doesNotMatch(frame, /workspace-00/, 'rows scrolled out of the window are not drawn');
	assert.match(frame, /kasmweb\/workspace-40:1\.16\.0\n.*id/s, 'the detail shows the selected image');
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	assert.doesNotMatch(frame, /▶Images/);
	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /▶Images/);
});

test('/ filters the focused list as you type; enter keeps the filter and esc clears it', async () => {
	const {ui} = open();
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, '/');
	for (const letter of 'ed') {
		await press(ui.stdin, ui.lastFrame, letter);
	}

	// The rest arrives in one chunk, as a paste or fast typing over SSH does, Enter included.
	let frame = await press(ui.stdin, ui.lastFrame, 'ge\r');
	assert.match(frame, /Plugins \(1\) {2}\/edge(?!█)/, 'enter keeps the filter');
	assert.doesNotMatch(frame, /kasm-network-plugin/);
	assert.match(frame, /disabled · pinned/, 'the detail follows the filtered selection');
	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /Plugins \(3\)/, 'esc clears it');
});

test('? lists every key of the keymap, and esc closes the help', async () => {
	const {ui} = open({}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, ready);
	const frame = await press(ui.stdin, ui.lastFrame, '?');
	for (const binding of keymap) {
		assert.ok(frame.includes(binding.label) && frame.includes(binding.description), `help shows ${binding.label} ${binding.description}`);
	}

	assert.match(await press(ui.stdin, ui.lastFrame, keys.escape), /Plugins \(3\)/);
});

test('u shows the upgrade plan (steps, docker commands, privileges, users, warnings); n changes nothing', async () => {
	const {ui, recorded} = open({}, {columns: 100, rows: 30});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'u');
	const frame = await answerPrompt(
		ui,
		{
			title: /Upgrade kasmweb\/kasm-network-plugin:amd64-1\.2\.9\?/,
			body: [
				/\$ docker plugin disable kasmweb\/kasm-network-plugin:amd64-1\.2\.9/,
				/\$ docker plugin upgrade --grant-all-permissions kasmweb\/kasm-network-plugin:amd64-1\.2\.9 kasmweb\/sidecar:amd64-1\.2\.9/,
				/\$ docker plugin enable/,
				/! network: host/,
				/used by\s+1 network \(kasm-egress\)/,
				/! a warning the operator must see/,
			],
		},
		'n',
	);
	assert.match(frame, /cancelled: nothing was changed/);
	assert.equal(recorded.runs.length, 0);
});

test('u then y runs the upgrade with progress and says what it did', async () => {
	const {ui, recorded} = open({}, {columns: 100, rows: 30});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(ui, {title: /Upgrade kasmweb\/kasm-network-plugin/, body: [/docker plugin upgrade/]}, 'y');
	const frame = await waitForFrame(ui.lastFrame, text => /Upgrade done: /.test(text));
	assert.match(frame, /Upgrade done: kasmweb\/kasm-network-plugin:amd64-1\.2\.9/, 'the title says what was done, and to what');
	assert.match(frame, /done: kasmweb\/kasm-network-plugin:amd64-1\.2\.9 is enabled, amd64-1\.2\.9 → amd64-1\.2\.10/, 'the result names the build it left and the one it runs now');
	assert.equal(recorded.runs.length, 1);
	assert.equal(recorded.runs[0]!.action, 'upgrade');
});

test('a refused rollback says why and that nothing was changed', async () => {
	const {ui, recorded} = open({refuse: 'rollback'});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'r');
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('refused'));
	assert.match(frame, /cannot be determined/);
	assert.match(frame, /nothing was changed/);
	assert.equal(recorded.runs.length, 0);
});

test('i picks a version from the tags and history, asks for an alias, and confirms the reinstall with both', async () => {
	const {ui, recorded} = open({}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'j');
	await waitForFrame(ui.lastFrame, text => text.includes('(installed build, latest patch'));
	let frame = await press(ui.stdin, ui.lastFrame, 'i');
	assert.match(frame, /which version\?/);
	assert.match(frame, /amd64-1\.2\.9 +previous/);
	// ink-select-input starts listening once it has mounted: give it that moment, as a person would.
	// It also reads its own state from the render before: one key per render, as a person types.
	for (const key of [keys.down, keys.down, keys.enter]) {
		await delay(50);
		frame = await press(ui.stdin, ui.lastFrame, key);
	}

	assert.match(frame, /at amd64-1\.2\.10: under which name\?/);
	for (const letter of 'pinned:1') {
		await press(ui.stdin, ui.lastFrame, letter);
	}

	await press(ui.stdin, ui.lastFrame, keys.enter);
	await answerPrompt(ui, {title: /Reinstall kasmweb\/sidecar:amd64-1\.2-rolling\?/, body: [/to\s+kasmweb\/sidecar:amd64-1\.2\.10 as pinned:1/]}, 'y');
	await waitForFrame(ui.lastFrame, text => /Reinstall done: /.test(text));
	assert.deepEqual(recorded.plans.at(-1), {kind: 'reinstall', plugin: plugins[2], version: 'amd64-1.2.10', alias: 'pinned:1'});
	assert.equal(recorded.runs.length, 1);
});

test('i offers a build a moving tag named in the history by its digest, since the tag names another build now', async () => {
	const digest = `sha256:${'7'.repeat(64)}`;
	const observed = {...entry('2026-09-01T08:00:00.000Z', 'observed', 'amd64-1.2-rolling', '7'), identity: {diffIds: [`sha256:${'7'.repeat(64)}`], digest}};
	const {ui, recorded} = open({earlierHistory: [observed]}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'j');
	await waitForFrame(ui.lastFrame, text => text.includes('(installed build, latest patch'));
	let frame = await press(ui.stdin, ui.lastFrame, 'i');
	assert.match(frame, /amd64-1\.2-rolling @ 777777777777 +history build 2026-09-01/);
	// Down to the history build (ink-select-input marks the highlighted choice with ❯), then pick it.
	const highlighted = (text: string) => text.split('\n').find(row => row.includes('❯')) ?? '';
	for (let presses = 0; !highlighted(frame).includes('history build') && presses < 12; presses++) {
		await delay(50);
		frame = await press(ui.stdin, ui.lastFrame, keys.down);
	}

	await delay(50);
	frame = await press(ui.stdin, ui.lastFrame, keys.enter);
	assert.match(frame, /under which name\?/);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await waitForFrame(ui.lastFrame, text => /Reinstall/.test(text));
	assert.equal(recorded.plans.at(-1)?.kind, 'reinstall');
	assert.equal((recorded.plans.at(-1) as {version: string}).version, digest, 'the build is asked for by its digest, not by the tag that moved');
});

test('a lists what auto-update will upgrade and skip, and runs only on y', async () => {
	const {ui, recorded} = open({}, {columns: 120, rows: 40});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'a');
	await answerPrompt(
		ui,
		{
			title: /Auto-update every rolling plugin/,
			body: [/upgrade kasmweb\/sidecar:amd64-1\.2-rolling/, /skip kasmweb\/sidecar-edge:amd64-1\.2\.1 pinned/],
		},
		'y',
	);
	await waitForFrame(ui.lastFrame, text => /Auto-update done/.test(text));
	assert.equal(recorded.autoUpdates, 1);
});

test('d and e ask before disabling or enabling, showing the docker command, and run the plan they showed', async () => {
	const {ui, recorded} = open();
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'd');
	await waitForFrame(ui.lastFrame, text => text.includes('already disabled'));
	await press(ui.stdin, ui.lastFrame, keys.escape);
	await press(ui.stdin, ui.lastFrame, 'e');
	await answerPrompt(ui, {title: /Enable kasmweb\/sidecar-edge:amd64-1\.2\.1\?/, body: [/\$ docker plugin enable kasmweb\/sidecar-edge:amd64-1\.2\.1/]}, 'y');
	await waitForFrame(ui.lastFrame, text => /Enable done: /.test(text));
	assert.deepEqual(
		recorded.runs.map(plan => [plan.action, plan.origin.name, plan.steps.map(step => step.kind).join(',')]),
		[['enable', 'kasmweb/sidecar-edge:amd64-1.2.1', 'enable']],
	);
});

test('yy at a confirmation, as a paste or fast typing sends it, starts the change once; a change key while it runs is refused with the reason', async () => {
	const {ui, recorded, release} = open({holdRuns: true});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'u');
	await waitForFrame(ui.lastFrame, text => /y go ahead/.test(text));
	ui.stdin.write('yy');
	let frame = await waitForFrame(ui.lastFrame, text => /one change at a time/.test(text));
	assert.match(frame, /Upgrade kasmweb\/kasm-network-plugin:amd64-1\.2\.9…/, 'the first change runs');
	assert.equal(recorded.runs.length, 1, 'the second y did not start it again');
	ui.stdin.write('d');
	frame = await waitForFrame(ui.lastFrame, text => /one change at a time: "d" was not taken while Upgrade/.test(text.replaceAll(/\s+/g, ' ')));
	assert.equal(recorded.plans.length, 1, 'd planned nothing while the upgrade ran');
	release();
	frame = await waitForFrame(ui.lastFrame, text => /Upgrade done: /.test(text));
	assert.equal(recorded.runs.length, 1);
});

test('esc while a change is planned lets go of it: back to the panes, nothing asked or run when the plan arrives; ctrl-c does the same and does not quit', async () => {
	const {ui, recorded, release} = open({holdPlans: true});
	await waitForFrame(ui.lastFrame, ready);
	let frame = await press(ui.stdin, ui.lastFrame, 'u');
	assert.match(frame, /Preparing the upgrade of kasmweb\/kasm-network-plugin:amd64-1\.2\.9…/);
	assert.match(frame, /esc cancel \(nothing has changed\)/);
	frame = await press(ui.stdin, ui.lastFrame, keys.escape);
	assert.match(frame, /Plugins \(3\)/, 'back to the panes at once');
	assert.match(frame, /cancelled: preparing the upgrade of kasmweb\/kasm-network-plugin:amd64-1\.2\.9 was let go of; nothing was changed/);
	release();
	await delay(50);
	assert.doesNotMatch(ui.lastFrame()!, /y go ahead/, 'the plan that came late asks nothing');

	await press(ui.stdin, ui.lastFrame, 'u');
	frame = await press(ui.stdin, ui.lastFrame, '\u0003');
	assert.match(frame, /Plugins \(3\)/, 'ctrl-c while planning lets go of the plan, and the screen stays');
	release();
	await delay(50);
	assert.equal(recorded.runs.length, 0);
	assert.doesNotMatch(ui.lastFrame()!, /y go ahead/);
	frame = await press(ui.stdin, ui.lastFrame, 'j');
	assert.match(frame, /Plugins \(3\)/, 'still taking keys');
});

test('a change whose undo failed says it was not put back, what state the plugin is in, and how to recover it', async () => {
	const failure = new FlowFailed(
		'upgrade of kasmweb/kasm-network-plugin:amd64-1.2.9 failed: interrupted (SIGTERM) before step 3 of 3; could not put it back (no tag holds its build)',
		'failed',
		'kasmweb/kasm-network-plugin:amd64-1.2.9',
		'kasmweb/kasm-network-plugin:amd64-1.2.9 is disabled, at amd64-1.2.9 (not the build it had)',
	);
	const {ui} = open({failRun: failure});
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(ui, {title: /Upgrade kasmweb\/kasm-network-plugin/, body: [/docker plugin upgrade/]}, 'y');
	const frame = (await waitForFrame(ui.lastFrame, text => /Upgrade failed/.test(text))).replaceAll(/\s+/g, ' ');
	assert.match(frame, /Upgrade failed, not put back: kasmweb\/kasm-network-plugin:amd64-1\.2\.9/);
	assert.match(frame, /now kasmweb\/kasm-network-plugin:amd64-1\.2\.9 is disabled, at amd64-1\.2\.9 \(not the build it had\)/);
	assert.match(frame, /run kasm-tui recover kasmweb\/kasm-network-plugin:amd64-1\.2\.9/);
});

test('read-only refuses every change with the reason, and asks the services to change nothing of any kind', async () => {
	const {ui, recorded} = open({readOnly: true});
	const first = await waitForFrame(ui.lastFrame, ready);
	assert.match(first.split('\n')[0]!, /READ-ONLY/);
	assert.match(first.split('\n').at(-1)!, /\(u upgrade\) {2}\(r rollback\)/, 'the footer shows every change greyed');
	for (const key of ['u', 'r', 'i', 'I', 's', 'a', 'e', 'd', 'x', keys.tab, 'p', 'x']) {
		if (key === keys.tab) {
			await press(ui.stdin, ui.lastFrame, key);
			continue;
		}

		ui.stdin.write(key);
		await waitForFrame(ui.lastFrame, text => /read-only \(--read-only\)/.test(text));
		// The next key clears the message first.
		await press(ui.stdin, ui.lastFrame, 'k');
	}

	const {loads: _loads, ...changes} = recorded;
	assert.deepEqual(changes, {pulls: [], removedImages: [], plans: [], runs: [], autoUpdates: 0});
});

test('when the daemon goes away a banner says so over the last state, and it goes when the daemon is back', async () => {
	const {ui, emit, recorded} = open();
	await waitForFrame(ui.lastFrame, ready);
	emit('lost');
	let frame = await waitForFrame(ui.lastFrame, text => text.includes('daemon lost'));
	assert.match(frame, /Plugins \(3\)/, 'the last state stays on screen');
	const loads = recorded.loads;
	emit('live');
	frame = await waitForFrame(ui.lastFrame, text => !text.includes('daemon lost'));
	assert.ok(recorded.loads > loads, 'everything is read again');
});

test('a daemon that cannot be read is said on the screen instead of the panes', async () => {
	const {ui} = open({failLoad: 'cannot reach the Docker daemon at unix:///nowhere.sock (no such socket)'});
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('cannot reach'));
	assert.match(frame, /nowhere\.sock/);
	assert.doesNotMatch(frame, /Plugins \(/);
});
