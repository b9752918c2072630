import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {plainForStringWidth7, plainForStringWidth8, withFastPath, type StringWidthRelease} from '../../source/app/terminal/text-width.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A string-width release as the build wires it: the module and the helpers beside it. */
async function release(folder: string): Promise<StringWidthRelease> {
	const entry = path.join(root, 'node_modules', folder, 'index.js');
	const beside = createRequire(entry);
	const [{default: stringWidth}, {eastAsianWidth}, {default: stripAnsi}] = await Promise.all([
		import(entry) as Promise<{default: StringWidthRelease['stringWidth']}>,
		import(beside.resolve('get-east-asian-width')) as Promise<{eastAsianWidth: StringWidthRelease['eastAsianWidth']}>,
		import(beside.resolve('strip-ansi')) as Promise<{default: StringWidthRelease['stripAnsi']}>,
	]);
	return {stringWidth, eastAsianWidth, stripAnsi};
}

const releases = [
	{name: 'string-width 8 (Ink, our Output)', folder: 'string-width', plain: plainForStringWidth8},
	{name: "string-width 7 (wrap-ansi's)", folder: 'wrap-ansi/node_modules/string-width', plain: plainForStringWidth7},
];

/** Every BMP character the fast path takes, alone. */
function plainCharacters(plain: RegExp): string[] {
	const found: string[] = [];
	for (let code = 0; code <= 0xFFFF; code++) {
		const character = String.fromCharCode(code);
		if (code !== 0 && plain.test(character)) {
			found.push(character);
		}
	}

	return found;
}

/** A small deterministic generator, so a failure names a string that can be run again. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

const styles = ['\u001B[1m', '\u001B[22m', '\u001B[31m', '\u001B[39m', '\u001B[7m', '\u001B[0m', '\u001B[38;5;208m', '\u001B]8;;https://example.com\u0007'];

for (const {name, folder, plain} of releases) {
	test(`${name}: every character the fast path takes is as wide as string-width says, alone and ambiguous either way`, async () => {
		const original = await release(folder);
		const measured = withFastPath(original, plain);
		const characters = plainCharacters(plain);
		assert.ok(characters.length > 1000, `the fast path takes ${characters.length} characters`);
		for (const character of characters) {
			for (const options of [{}, {ambiguousIsNarrow: false}]) {
				assert.equal(measured(character, options), original.stringWidth(character, options), `U+${character.charCodeAt(0).toString(16)} ${JSON.stringify(options)}`);
			}
		}
	});

	test(`${name}: lines of those characters with colours and links measure as string-width measures them`, async () => {
		const original = await release(folder);
		const measured = withFastPath(original, plain);
		const characters = plainCharacters(plain);
		const next = random(14);
		for (let run = 0; run < 3000; run++) {
			let line = '';
			for (let length = Math.floor(next() * 60); length > 0; length--) {
				line += next() < 0.1 ? styles[Math.floor(next() * styles.length)]! : characters[Math.floor(next() * characters.length)]!;
			}

			assert.equal(measured(line), original.stringWidth(line), JSON.stringify(line));
		}
	});

	test(`${name}: text the fast path does not take (emoji, CJK, marks, joiners, controls) gets string-width's own answer`, async () => {
		const original = await release(folder);
		const measured = withFastPath(original, plain);
		for (const text of ['👍🏽 ok', '▶️ play', 'e\u0301', '古い版', '👨‍👩‍👧', '🇩🇪', 'a\u200Db', 'x\u00ADy', 'tab\there', '\u001B[31m漢字\u001B[39m', '\u2028', '']) {
			assert.equal(measured(text), original.stringWidth(text), JSON.stringify(text));
		}

		assert.equal(measured('\u001B[31mred\u001B[39m', {countAnsiEscapeCodes: true}), original.stringWidth('\u001B[31mred\u001B[39m', {countAnsiEscapeCodes: true}));
	});
}

test("the two releases disagree on text-presentation emoji, so each has its own set: ▶ is 1 column to 8 and 2 to 7", async () => {
	const [eight, seven] = await Promise.all(releases.map(async ({folder}) => release(folder)));
	assert.equal(eight!.stringWidth('▶'), 1);
	assert.equal(seven!.stringWidth('▶'), 2);
	assert.ok(plainForStringWidth8.test('▶') && !plainForStringWidth7.test('▶'));
});
