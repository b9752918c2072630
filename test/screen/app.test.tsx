import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/app.js';
import {parseHost} from '../../source/docker/connection.js';
import {keys, press, waitForFrame} from '../helpers/frames.js';
import {snapshot} from './fixture-snapshot.js';

const target = parseHost('unix:///var/run/docker.sock', 'default');
const load = async () => snapshot;
afterEach(() => cleanup());

for (const size of [
	{columns: 80, rows: 24},
	{columns: 120, rows: 40},
]) {
	test(`at ${size.columns}×${size.rows} the screen fits and shows host, engine, counts, both panes and the detail`, async () => {
		const {lastFrame} = render(<App target={target} readOnly={false} load={load} size={size} />);
		const frame = await waitForFrame(lastFrame, text => text.includes('Plugins (3)'));
		const lines = frame.split('\n');
		assert.ok(lines.length <= size.rows, `${lines.length} lines fit in ${size.rows} rows`);
		assert.ok(lines.every(line => [...line].length <= size.columns), 'no line is wider than the terminal');
		assert.match(lines[0]!, /unix:\/\/\/var\/run\/docker\.sock/);
		assert.match(lines[0]!, /docker 20\.10\.24/);
		assert.match(lines[0]!, /3 plugins/);
		assert.match(lines[0]!, /60 images/);
		assert.match(frame, /Images \(60\)/);
		assert.match(frame, /state\s+enabled · pinned/);
		assert.match(frame, /tab next pane/);
		assert.match(frame, /q quit/);
	});
}

test('moving down the plugins pane shows the next plugin in the detail, marked disabled', async () => {
	const {lastFrame, stdin} = render(<App target={target} readOnly={false} load={load} size={{columns: 100, rows: 30}} />);
	await waitForFrame(lastFrame, text => text.includes('Plugins (3)'));
	let frame = await press(stdin, lastFrame, 'j');
	assert.match(frame, /▸ kasmweb\/sidecar-edge:amd64-1.* disabled/);
	assert.match(frame, /state\s+disabled · pinned/);
	frame = await press(stdin, lastFrame, keys.down);
	assert.match(frame, /state\s+enabled · rolling/);
	assert.match(frame, /capabilities: CAP_NET_ADMIN/);
	frame = await press(stdin, lastFrame, 'k');
	assert.match(frame, /state\s+disabled · pinned/);
});

test('tab moves focus to the images pane, and the list scrolls to keep the selection visible', async () => {
	const {lastFrame, stdin} = render(<App target={target} readOnly={false} load={load} size={{columns: 80, rows: 24}} />);
	await waitForFrame(lastFrame, text => text.includes('Images (60)'));
	await press(stdin, lastFrame, keys.tab);
	let frame = lastFrame() ?? '';
	for (let index = 0; index < 40; index++) {
		frame = await press(stdin, lastFrame, 'j');
	}

	assert.match(frame, /▸ kasmweb\/workspace-40:1\.16\.0/);
	assert.doesNotMatch(frame, /workspace-00/, 'rows scrolled out of the window are not drawn');
	assert.ok(frame.split('\n').length <= 24);
});

test('a daemon that cannot be read is said on the screen instead of the panes', async () => {
	const failing = async () => {
		throw new Error('cannot reach the Docker daemon at unix:///nowhere.sock (no such socket)');
	};

	const {lastFrame} = render(<App target={target} readOnly={false} load={failing} size={{columns: 100, rows: 30}} />);
	const frame = await waitForFrame(lastFrame, text => text.includes('cannot reach'));
	assert.match(frame, /nowhere\.sock/);
	assert.doesNotMatch(frame, /Plugins \(/);
});

test('read-only is marked in the header', async () => {
	const {lastFrame} = render(<App target={target} readOnly load={load} size={{columns: 100, rows: 30}} />);
	const frame = await waitForFrame(lastFrame, text => text.includes('Plugins (3)'));
	assert.match(frame.split('\n')[0]!, /READ-ONLY/);
});
