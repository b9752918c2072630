import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {Text} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import {ErrorBoundary, type ScreenFailed} from '../../source/app/components/error-boundary.js';
import {waitForFrame} from '../helpers/frames.js';

afterEach(() => cleanup());

function Broken({plugin}: {plugin?: {name: string}}) {
	// A view that reads what is not there, as a bug would.
	return <Text>{plugin!.name}</Text>;
}

test('a view that throws while drawing leaves one line naming what failed, never a stack, and hands the failure on for a clean exit 1', async () => {
	const failures: ScreenFailed[] = [];
	const ui = render(
		<ErrorBoundary onError={failure => failures.push(failure)}>
			<Broken />
		</ErrorBoundary>,
	);
	const frame = await waitForFrame(ui.lastFrame, text => text.includes('failed to draw'));
	assert.equal(frame.trim().split('\n').length, 1, `one line:\n${frame}`);
	assert.match(frame, /^kasm-tui: the screen failed to draw \(Cannot read properties of undefined/);
	assert.doesNotMatch(frame, /\bat \S+ \(|\.tsx?:\d+/, 'no stack, no source');
	assert.equal(failures.length, 1);
	assert.equal(failures[0]!.exitCode, 1);
	// What the exit prints, through the one error path: one line that says what to do.
	assert.match(failures[0]!.message, /^the screen failed to draw \(Cannot read properties of undefined \(reading 'name'\)\); run it again with --debug FILE for the details, and report it$/);
	assert.match(failures[0]!.cause.stack ?? '', /Broken/, 'the stack is kept for --debug');
});

test('a view that draws is drawn as it is', async () => {
	const ui = render(
		<ErrorBoundary onError={() => assert.fail('no failure')}>
			<Broken plugin={{name: 'kasmweb/sidecar:amd64-1.2-rolling'}} />
		</ErrorBoundary>,
	);
	assert.equal(await waitForFrame(ui.lastFrame, text => text.length > 0), 'kasmweb/sidecar:amd64-1.2-rolling');
});
