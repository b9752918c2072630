import assert from 'node:assert/strict';
import path from 'node:path';
import {afterEach, mock, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/components/app.js';
import {press, waitForFrame} from '../helpers/frames.js';
import {matchGolden} from '../helpers/golden.js';
import {fixtureClock, fixtureServices} from './fixture-services.js';

/**
 * Golden frames, as dry and oxker keep them: each view drawn from a fixed state at three sizes
 * and compared with the frame stored beside this file. A change to the layout shows up as a
 * diff to read, not as a surprise on an operator's screen. UPDATE_GOLDEN=1 writes them anew;
 * a missing one fails. The screen is drawn at the fixture's own time, whatever the date.
 */
const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
afterEach(() => cleanup());

/** Keys to press, one a frame; a pattern among them waits until the frame shows it. */
const views: Array<{name: string; keys: Array<string | RegExp>; ready: RegExp; columns?: number[]}> = [
	{name: 'plugins', keys: [], ready: /no history yet/},
	{name: 'rolling', keys: ['j', 'j'], ready: /\(installed build, latest patch/},
	{name: 'images', keys: ['\t'], ready: /update\s+up to date/},
	{name: 'upgrade-prompt', keys: ['u'], ready: /y go ahead/},
	{name: 'help', keys: ['?'], ready: /every key/},
	{name: 'versions', keys: ['j', 'j', /\(installed build, latest patch/, 'i'], ready: /which version\?/},
	{name: 'logs', keys: ['l'], ready: /following/},
	// A disabled plugin: what cannot act on it is greyed in the footer, and ? says why.
	{name: 'disabled', keys: ['j'], ready: /disabled · pinned/},
	{name: 'disabled-help', keys: ['j', /disabled · pinned/, '?'], ready: /Not now/, columns: [120, 200]},
	// At 80×24 the keys fill the help: why is a page down.
	{name: 'disabled-help', keys: ['j', /disabled · pinned/, '?', '\u001B[6~'], ready: /Not now/, columns: [80]},
];

for (const size of [
	{columns: 80, rows: 24},
	{columns: 120, rows: 40},
	{columns: 200, rows: 50},
]) {
	for (const view of views.filter(candidate => !candidate.columns || candidate.columns.includes(size.columns))) {
		test(`the ${view.name} view at ${size.columns}×${size.rows} matches its golden frame`, async () => {
			const draw = async () => {
				const {services} = fixtureServices();
				const ui = render(<App services={services} size={size} now={fixtureClock} />);
				// Every background answer is in before the picture is taken: details, plugin and image updates.
				await waitForFrame(ui.lastFrame, text => text.includes('no history yet') && /sidecar:amd64-1\.2.*↑/.test(text) && /workspace-01.*↑/.test(text));
				for (const key of view.keys) {
					await (typeof key === 'string' ? press(ui.stdin, ui.lastFrame, key) : waitForFrame(ui.lastFrame, text => key.test(text)));
				}

				const frame = await waitForFrame(ui.lastFrame, text => view.ready.test(text));
				ui.unmount();
				return frame;
			};

			const frame = await draw();
			assert.equal(await draw(), frame, 'the same state draws the same frame');
			matchGolden(path.join(folder, `${view.name}-${size.columns}x${size.rows}.txt`), frame);
		});
	}
}

test('the images view draws the same golden frame years from now: the age of an image is told by the clock it is given', async () => {
	// Only the date moves: Ink's timers stay real.
	mock.timers.enable({apis: ['Date'], now: Date.parse('2035-06-01T00:00:00Z')});
	try {
		const {services} = fixtureServices();
		const ui = render(<App services={services} size={{columns: 80, rows: 24}} now={fixtureClock} />);
		await waitForFrame(ui.lastFrame, text => text.includes('no history yet') && /workspace-01.*↑/.test(text));
		const frame = await press(ui.stdin, ui.lastFrame, '\t');
		await waitForFrame(ui.lastFrame, text => /update\s+up to date/.test(text));
		assert.match(ui.lastFrame() ?? frame, /created 3y ago/);
		matchGolden(path.join(folder, 'images-80x24.txt'), ui.lastFrame() ?? '');
	} finally {
		mock.timers.reset();
	}
});
