import assert from 'node:assert/strict';
import {test} from 'node:test';
import {safeText, truncate} from '../../source/text.js';

test('an OSC title sequence is removed with its payload', () => {
	assert.equal(safeText('plugin\u001B]0;owned by you\u0007 name'), 'plugin name');
	assert.equal(safeText('plugin\u001B]8;;http://x\u001B\\link\u001B]8;;\u001B\\'), 'pluginlink');
});

test('colours, cursor moves and screen clears are removed', () => {
	assert.equal(safeText('\u001B[31mred\u001B[0m \u001B[2J\u001B[Hcleared'), 'red cleared');
	assert.equal(safeText('8-bit \u009B31mcsi'), '8-bit csi');
});

test('other control characters are removed and line breaks become spaces', () => {
	assert.equal(safeText('a\u0000b\u0008c\u007Fd'), 'abcd');
	assert.equal(safeText('line one\r\nline two\ttab'), 'line one line two tab');
	assert.equal(safeText('right\u202Eto-left'), 'rightto-left');
});

test('Unicode line and paragraph separators become spaces: a name stays on one line', () => {
	assert.equal(safeText('a\u2028b\u2029c'), 'a b c');
});

test('ordinary text, accents and wide characters are kept', () => {
	assert.equal(safeText('kasmweb/sidecar:amd64-1.2 — café 日本'), 'kasmweb/sidecar:amd64-1.2 — café 日本');
	assert.equal(safeText(undefined), '');
});

test('a cut column ends in an ellipsis and keeps its width', () => {
	assert.equal(truncate('kasmweb/sidecar', 8), 'kasmweb…');
	assert.equal(truncate('short', 8), 'short');
});
