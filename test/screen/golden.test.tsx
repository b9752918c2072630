import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/app.js';
import {press, waitForFrame} from '../helpers/frames.js';
import {fixtureServices} from './fixture-services.js';

/**
 * Golden frames, as dry and oxker keep them: each view drawn from a fixed state at three sizes
 * and compared with the frame stored beside this file. A change to the layout shows up as a
 * diff to read, not as a surprise on an operator's screen. UPDATE_GOLDEN=1 writes them anew.
 */
const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
afterEach(() => cleanup());

const views: Array<{name: string; keys: string[]; ready: RegExp}> = [
	{name: 'plugins', keys: [], ready: /no history yet/},
	{name: 'rolling', keys: ['j', 'j'], ready: /\(this build, latest patch\)/},
	{name: 'images', keys: ['\t'], ready: /update\s+up to date/},
	{name: 'upgrade-prompt', keys: ['u'], ready: /y go ahead/},
	{name: 'help', keys: ['?'], ready: /every key/},
];

for (const size of [
	{columns: 80, rows: 24},
	{columns: 120, rows: 40},
	{columns: 200, rows: 50},
]) {
	for (const view of views) {
		test(`the ${view.name} view at ${size.columns}×${size.rows} matches its golden frame`, async () => {
			const draw = async () => {
				const {services} = fixtureServices();
				const ui = render(<App services={services} size={size} />);
				// Every background answer is in before the picture is taken: details, plugin and image updates.
				await waitForFrame(ui.lastFrame, text => text.includes('no history yet') && /sidecar:amd64-1\.2.*↑/.test(text) && /workspace-01.*↑/.test(text));
				for (const key of view.keys) {
					await press(ui.stdin, ui.lastFrame, key);
				}

				const frame = await waitForFrame(ui.lastFrame, text => view.ready.test(text));
				ui.unmount();
				return frame;
			};

			const frame = await draw();
			assert.equal(await draw(), frame, 'the same state draws the same frame');
			const file = path.join(folder, `${view.name}-${size.columns}x${size.rows}.txt`);
			if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) {
				fs.mkdirSync(folder, {recursive: true});
				fs.writeFileSync(file, frame + '\n');
			}

			assert.equal(frame + '\n', fs.readFileSync(file, 'utf8'));
		});
	}
}
