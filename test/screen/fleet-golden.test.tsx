import assert from 'node:assert/strict';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {cleanup} from 'ink-testing-library';
import {FleetApp} from '../../source/app/components/fleet-app.js';
import {keys, press, renderAt, waitForFrame} from '../helpers/frames.js';
import {matchGolden} from '../helpers/golden.js';
import {fleetFixture} from './fleet-fixture.js';

/**
 * The fleet screen's golden frames, as the single-host screen's (golden.test.tsx): each view
 * from the fixed fleet at three sizes, drawn twice the same, compared with the stored frame.
 * UPDATE_GOLDEN=1 writes them anew.
 */
const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
afterEach(() => cleanup());

/** Keys to press, one a frame; a pattern among them waits until the frame shows it. */
const views: Array<{name: string; keys: Array<string | RegExp>; ready: RegExp; holdRuns?: boolean}> = [
	{name: 'fleet', keys: [], ready: /!1\.2\.10/},
	{name: 'fleet-drift', keys: ['j', 'l', keys.enter], ready: /drift\s+alpha runs/},
	{name: 'fleet-unreachable', keys: [keys.shiftTab, 'j', 'j', 'j', keys.enter], ready: /state\s+unreachable: no answer within 10 s/},
	{name: 'fleet-plan', keys: ['j', 'u'], ready: /y go ahead/},
	{name: 'fleet-rollout', keys: ['j', 'u', /y go ahead/, 'y'], ready: /alpha\s+under way/, holdRuns: true},
	{name: 'fleet-report', keys: ['j', 'u', /y go ahead/, 'y'], ready: /Fleet upgrade done/},
	{name: 'fleet-help', keys: ['?'], ready: /every key/},
	{name: 'fleet-images', keys: ['v'], ready: /Images × hosts \(3 × 4\)/},
	{name: 'fleet-images-pull', keys: ['v', 'p'], ready: /Pull kasmweb\/chrome:1\.16\.0-rolling to 2 hosts\?/},
	{name: 'fleet-images-pulled', keys: ['v', 'p', /y go ahead/, 'y'], ready: /Fleet pull failed/},
];

for (const size of [
	{columns: 80, rows: 24},
	{columns: 120, rows: 30},
	{columns: 200, rows: 50},
]) {
	for (const view of views) {
		test(`the ${view.name} view at ${size.columns}×${size.rows} matches its golden frame`, async () => {
			const draw = async () => {
				const fixture = fleetFixture({holdRuns: view.holdRuns});
				const ui = renderAt(<FleetApp services={fixture.services} size={size} />, size.columns);
				// Every host's answer is in, its builds named, and the selected cell's detail read (where it is drawn).
				const settled = (text: string) => text.includes('!1.2.10') && (size.columns < 120 || (text.includes('Tags') && !text.includes('reading…')));
				await waitForFrame(ui.lastFrame, settled);
				for (const key of view.keys) {
					await (typeof key === 'string' ? press(ui.stdin, ui.lastFrame, key) : waitForFrame(ui.lastFrame, text => key.test(text)));
				}

				const frame = await waitForFrame(ui.lastFrame, text => view.ready.test(text) && (!text.includes('Tags') || !text.includes('reading…')));
				fixture.release();
				ui.unmount();
				return frame;
			};

			const frame = await draw();
			assert.equal(await draw(), frame, 'the same state draws the same frame');
			const lines = frame.split('\n');
			assert.ok(lines.length <= size.rows, `${lines.length} lines fit in ${size.rows} rows`);
			assert.ok(lines.every(row => [...row].length <= size.columns), 'no line is wider than the terminal');
			matchGolden(path.join(folder, `${view.name}-${size.columns}x${size.rows}.txt`), frame);
		});
	}
}
