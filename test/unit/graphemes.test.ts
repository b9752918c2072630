import assert from 'node:assert/strict';
import {test} from 'node:test';
import {lazyGraphemeSegmenter, lazyRegExp} from '../../source/app/terminal/graphemes.js';

/**
 * The segmenter the build puts in string-width, ansi-tokenize and slice-ansi: the same segments
 * as Intl.Segmenter's, whether it splits plain text itself or hands the text on.
 */

const intl = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const plain = (segments: Iterable<Intl.SegmentData>) => [...segments].map(({segment, index, input}) => ({segment, index, input}));

const texts = [
	'',
	'kasmweb/sidecar:amd64-1.2.10',
	'\u001B[1m\u001B[36mPlugins (20)\u001B[39m\u001B[22m · 500 images',
	'┌─ Images (500) ──────┐ │ ▸ bench/app-07:1.3.157 … ✓ ← → ■ ●',
	'café déjà vu ¿ñ? ©®±',
	// Handed on: combining marks, emoji and their sequences, CJK, CR LF, joiners, flags.
	'e\u0301 cafe\u0301',
	'👍🏽 👨‍👩‍👧 ❤️ 1️⃣ 🇩🇪',
	'日本語のテキスト',
	'line\r\nbreak',
	'zero\u200Bwidth\u200Djoiner',
	'\u1100\u1161\u11A8 한국어',
];

test('every text is split into the same graphemes as Intl.Segmenter splits it', () => {
	const lazy = lazyGraphemeSegmenter(undefined, {granularity: 'grapheme'});
	for (const text of texts) {
		assert.deepEqual(plain(lazy.segment(text)), plain(intl.segment(text)), JSON.stringify(text));
	}
});

test('containing answers as Intl.Segmenter does, inside the text and outside it', () => {
	const lazy = lazyGraphemeSegmenter();
	for (const text of texts) {
		for (const index of [-1, 0, 0.7, 1, 2, 5, text.length - 1, text.length, text.length + 3, Number.NaN, undefined]) {
			const ours = lazy.segment(text).containing(index);
			const theirs = intl.segment(text).containing(index);
			assert.deepEqual(ours && {...ours}, theirs && {segment: theirs.segment, index: theirs.index, input: theirs.input}, `${JSON.stringify(text)} at ${index}`);
		}
	}
});

test('a generated mix of plain characters and escapes splits as Intl.Segmenter splits it', () => {
	const lazy = lazyGraphemeSegmenter();
	const alphabet = ['a', 'Z', ' ', '~', '\u001B', '[', 'm', '·', '…', '─', '│', '▸', '✓', 'é', '¬', '\u00AE', '\u02FF', '\u2010', '\u205E', '\u23FF', '\u27BF'];
	let seed = 7;
	const random = (below: number) => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed % below;
	};

	for (let round = 0; round < 3000; round++) {
		const text = Array.from({length: random(24)}, () => alphabet[random(alphabet.length)]).join('');
		assert.deepEqual(plain(lazy.segment(text)), plain(intl.segment(text)), JSON.stringify(text));
	}
});

test('a pattern made at its first use matches as the pattern does', () => {
	const emoji = lazyRegExp('^\\p{RGI_Emoji}$', 'v');
	assert.equal(emoji.test('👍🏽'), true);
	assert.equal(emoji.test('a'), false);
	assert.equal(emoji.test('❤️'), true);
});
