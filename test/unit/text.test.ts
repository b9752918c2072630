import assert from 'node:assert/strict';
import {test} from 'node:test';
import {compareNames, safeText, truncate} from '../../source/text.js';

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

test('names sort as localeCompare sorts them in English, without making a collator', () => {
	const english = new Intl.Collator('en');
	const sign = (value: number) => Math.sign(value);
	const ascii = Array.from({length: 95}, (_, index) => String.fromCharCode(32 + index));
	for (const a of ascii) {
		for (const b of ascii) {
			assert.equal(sign(compareNames(a, b)), sign(english.compare(a, b)), `${JSON.stringify(a)} against ${JSON.stringify(b)}`);
		}
	}

	// Strings that differ late, in case only, in length, in punctuation: a seeded generator, so a failure repeats.
	let seed = 24;
	const random = (below: number) => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed % below;
	};

	const alphabet = 'aAbBzZ09_-.:/@ ~$';
	const word = () => Array.from({length: random(7)}, () => alphabet[random(alphabet.length)]).join('');
	for (let round = 0; round < 20_000; round++) {
		const stem = word();
		const a = stem + word();
		const b = random(3) === 0 ? a.toUpperCase() : stem + word();
		assert.equal(sign(compareNames(a, b)), sign(english.compare(a, b)), `${JSON.stringify(a)} against ${JSON.stringify(b)}`);
	}

	const names = ['kasmweb/sidecar:amd64-1.2-rolling', 'kasmweb/sidecar2:amd64-1.2.9', 'kasmweb/sidecar:amd64-1.2.10', 'Kasmweb/sidecar', 'kasmweb/side_car', 'café', 'cafe', 'Cafe'];
	assert.deepEqual([...names].sort(compareNames), [...names].sort((a, b) => english.compare(a, b)));
});
