import {createElement} from 'react';
import {render} from 'ink-testing-library';
import {press, waitForFrame} from '../helpers/frames.js';
import {App} from '../../source/app/components/app.js';
import {fixtureServices, type FixtureOptions} from './fixture-services.js';

/** The screen on the fixture's host, at a size of the test's choosing. */
export function openApp(options: FixtureOptions = {}, size = {columns: 120, rows: 40}) {
	const fixture = fixtureServices(options);
	const ui = render(createElement(App, {services: fixture.services, size}));
	return {...fixture, ui};
}

/** The screen once the daemon has been read and the first plugin's detail is in. */
export const ready = (frame: string) => frame.includes('Plugins (3)') && frame.includes('History');

/** A frame as running text, for what wraps. */
export const flat = (frame: string) => frame.replaceAll(/\s+/g, ' ');

/** Selects the rolling plugin and waits for its detail (tags, history) to be read. */
export async function onRolling(ui: ReturnType<typeof openApp>['ui']): Promise<string> {
	await waitForFrame(ui.lastFrame, ready);
	await press(ui.stdin, ui.lastFrame, 'j');
	await press(ui.stdin, ui.lastFrame, 'j');
	return waitForFrame(ui.lastFrame, text => text.includes('(installed build, latest patch'));
}
