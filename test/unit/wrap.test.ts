import assert from 'node:assert/strict';
import {test} from 'node:test';
import {wrapLine} from '../../source/app/content/wrap.js';

const text = (rows: Array<Array<{text: string}>>) => rows.map(row => row.map(segment => segment.text).join(''));

test('a line that fits is left alone', () => {
	assert.deepEqual(text(wrapLine([{text: 'short line'}], 20)), ['short line']);
});

test('a long command wraps at spaces with an indent, and nothing is lost', () => {
	const command = '$ docker plugin upgrade --grant-all-permissions kasmweb/sidecar:amd64-1.2-rolling 127.0.0.1:5000/kasmweb/sidecar:amd64-1.2-rolling';
	const rows = text(wrapLine([{text: command}], 40));
	assert.ok(rows.every(row => [...row].length <= 40), rows.join('\n'));
	assert.ok(rows.slice(1).every(row => row.startsWith('    ')));
	assert.equal(rows.join('').replaceAll(/\s+/g, ''), command.replaceAll(/\s+/g, ''));
	assert.ok(rows.includes('    --grant-all-permissions ') || rows.some(row => row.trim().startsWith('--grant-all-permissions')), 'breaks fall between words');
});

test('a word longer than a row is split where the row ends; styles stay with their text', () => {
	const rows = wrapLine([{text: 'used '}, {text: 'x'.repeat(30), color: 'red' as const}], 12);
	assert.ok(rows.every(row => row.reduce((sum, segment) => sum + segment.text.length, 0) <= 12));
	assert.equal(rows.flat().filter(segment => segment.color === 'red').map(segment => segment.text).join(''), 'x'.repeat(30));
});
