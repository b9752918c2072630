import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {parseHost} from '../../source/hosts/resolve.js';
import {Dialog} from '../../source/app/components/dialog.js';
import {Header} from '../../source/app/components/header.js';
import {Lines} from '../../source/app/components/lines.js';
import {line} from '../../source/app/content/line.js';
import {ListPane} from '../../source/app/components/list-pane.js';
import {registerSecret} from '../../source/secrets.js';

/**
 * Whatever a view is handed, what reaches the terminal has no escape sequence of its text and no
 * secret: the drawing primitives clean it, so a view that forgets to is still safe.
 */
afterEach(() => cleanup());

const hostile = 'ok\u001B]0;owned\u0007 \u001B[2Jtext\u009B31m with hunter2-drawn-8812 and \u202Eevil';
registerSecret('hunter2-drawn-8812');

function assertClean(frame: string) {
	// Ink's own styling is the only escape allowed: none of the text's.
	const text = frame.replaceAll(/\u001B\[[\d;]*m/g, '');
	assert.ok(!/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202E]/.test(text), `no control character of the text is drawn: ${JSON.stringify(text)}`);
	assert.ok(!text.includes('owned'), 'an OSC payload is dropped with its sequence');
	assert.ok(!text.includes('hunter2-drawn-8812'), 'the secret is not drawn');
	assert.match(text, /\*\*\*/);
}

test('a line of the detail or a dialog is drawn without escapes or secrets', () => {
	const ui = render(<Lines lines={[line(hostile, {text: hostile, color: 'red'})]} width={200} />);
	assertClean(ui.lastFrame() ?? '');
	const dialog = render(<Dialog title={hostile} lines={[line(hostile)]} hint={hostile} width={200} height={8} />);
	assertClean(dialog.lastFrame() ?? '');
});

test('a list row, its mark and the pane title are drawn without escapes or secrets', () => {
	const ui = render(<ListPane title={hostile} filter={hostile} rows={[{key: 'a', text: hostile, mark: hostile}]} selected={0} focused width={200} height={3} />);
	assertClean(ui.lastFrame() ?? '');
});

test('the header draws the host address without escapes or secrets', () => {
	const target = {...parseHost('unix:///var/run/docker.sock', 'default'), address: hostile};
	const ui = render(<Header target={target} readOnly={false} width={200} />);
	assertClean(ui.lastFrame() ?? '');
});
