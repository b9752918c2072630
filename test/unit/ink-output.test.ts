import assert from 'node:assert/strict';
import {test} from 'node:test';
import stringWidth from 'string-width';
import Output, {widestLine} from '../../source/app/terminal/ink-output.js';

// The Output the build swaps out, and the measure it replaces, straight from the installed ink:
// what the screen draws must not change by a single byte.
type InkOutputClass = typeof Output;
const inkBuild = new URL('.', import.meta.resolve('ink'));
const {default: InkOutput} = (await import(new URL('output.js', inkBuild).href)) as {default: InkOutputClass};
// widest-line 6, which the build replaces inside Ink: the widest of the lines by string-width.
const inkWidestLine = (text: string) => Math.max(...text.split('\n').map(line => stringWidth(line)));

/** A small seeded generator, so a failure names a frame that can be made again. */
function random(seed: number) {
	let state = seed >>> 0 || 1;
	const next = () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};

	const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
	const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
	return {next, int, pick};
}

type Random = ReturnType<typeof random>;

// What frames hold: words, wide and combining characters, emoji sequences, and the escape codes chalk,
// Ink's colours and hyperlinks write, closed, nested, left open, or reset.
const words = ['plugin', 'kasmweb/sidecar', 'amd64-1.2.10', '● in use', '↑', '✗ unhealthy', '─', '│', ' ', '  ', 'x', '', '漢字', '🙂', 'é', '👨‍👩‍👧', '▶', '\t'];
const styles = [
	['\u001B[1m', '\u001B[22m'],
	['\u001B[2m', '\u001B[22m'],
	['\u001B[7m', '\u001B[27m'],
	['\u001B[4m', '\u001B[24m'],
	['\u001B[31m', '\u001B[39m'],
	['\u001B[32m', '\u001B[39m'],
	['\u001B[41m', '\u001B[49m'],
	['\u001B[38;5;208m', '\u001B[39m'],
	['\u001B[38;2;10;20;30m', '\u001B[39m'],
	['\u001B]8;;https://example.test\u0007', '\u001B]8;;\u0007'],
	['\u001B[1m', ''],
	['', '\u001B[0m'],
] as const;

function styledText(r: Random, depth = 0): string {
	let text = '';
	for (let index = r.int(0, 4); index > 0; index--) {
		if (depth < 2 && r.next() < 0.35) {
			const [open, close] = r.pick(styles);
			text += open + styledText(r, depth + 1) + close;
		} else {
			text += r.pick(words);
		}
	}

	return text;
}

const transformers: Array<(line: string, index: number) => string> = [
	line => `\u001B[1m${line}\u001B[22m`,
	line => `\u001B[7m${line}\u001B[27m`,
	line => line.toUpperCase(),
	(line, index) => `${index}${line}`,
	line => line.slice(1),
];

type Step = {type: 'write'; x: number; y: number; text: string; transformers: Array<(line: string, index: number) => string>} | {type: 'clip'; clip: {x1?: number; x2?: number; y1?: number; y2?: number}} | {type: 'unclip'};

function frame(r: Random, width: number, height: number): Step[] {
	const steps: Step[] = [];
	for (let count = r.int(1, 14); count > 0; count--) {
		const roll = r.next();
		if (roll < 0.12) {
			const horizontal = r.next() < 0.7;
			const vertical = r.next() < 0.7;
			steps.push({
				type: 'clip',
				clip: {
					...(horizontal ? {x1: r.int(-2, width), x2: r.int(0, width + 2)} : {}),
					...(vertical ? {y1: r.int(-2, height), y2: r.int(0, height + 2)} : {}),
				},
			});
		} else if (roll < 0.2) {
			steps.push({type: 'unclip'});
		} else {
			const lines = Array.from({length: r.int(1, 3)}, () => styledText(r));
			steps.push({
				type: 'write',
				// Mostly on the grid; sometimes off its edges or between cells, as layouts can put text.
				x: r.next() < 0.08 ? r.int(0, width) + 0.5 : r.int(-4, width + 3),
				y: r.next() < 0.05 ? 1.5 : r.int(-2, height + 1),
				text: lines.join('\n'),
				transformers: Array.from({length: r.int(0, 2)}, () => r.pick(transformers)),
			});
		}
	}

	return steps;
}

function draw(OutputClass: InkOutputClass, width: number, height: number, steps: Step[]) {
	const output = new OutputClass({width, height});
	for (const step of steps) {
		if (step.type === 'write') {
			output.write(step.x, step.y, step.text, {transformers: step.transformers});
		} else if (step.type === 'clip') {
			output.clip(step.clip);
		} else {
			output.unclip();
		}
	}

	return output.get();
}

test('every frame is drawn byte for byte as Ink draws it, also when rows repeat from the frame before', () => {
	for (let seed = 1; seed <= 400; seed++) {
		const r = random(seed);
		const width = r.int(1, 50);
		const height = r.int(1, 10);
		const first = frame(r, width, height);
		// The same frame again, one write changed, a new frame, then the first again: rows come from memory.
		const changed = first.map(step => (step.type === 'write' && r.next() < 0.3 ? {...step, text: styledText(r)} : step));
		const sequence = [first, first, changed, frame(r, width, height), first];
		for (const [index, steps] of sequence.entries()) {
			assert.deepEqual(draw(Output, width, height, steps), draw(InkOutput, width, height, steps), `seed ${seed}, frame ${index}`);
		}
	}
});

test('a row written with the same texts at other places is not taken from memory', () => {
	const steps = (x: number): Step[] => [{type: 'write', x, y: 0, text: '\u001B[7mab\u001B[27m', transformers: []}];
	for (const x of [0, 3, 0, 1]) {
		assert.deepEqual(draw(Output, 10, 1, steps(x)), draw(InkOutput, 10, 1, steps(x)));
	}

	// And the same writes on a wider frame: the row's blank cells differ.
	const far: Step[] = [{type: 'write', x: 12, y: 0, text: 'z', transformers: []}];
	assert.deepEqual(draw(Output, 10, 1, far), draw(InkOutput, 10, 1, far));
	assert.deepEqual(draw(Output, 14, 1, far), draw(InkOutput, 14, 1, far));
});

test('text widths are measured as Ink measures them', () => {
	for (const text of ['', 'a', 'abc\nde', '漢字\nab', '🙂 x', '\u001B[1mbold\u001B[22m\nxx', 'e\u0301', 'a\n\n\nlonger line']) {
		assert.equal(widestLine(text), inkWidestLine(text), JSON.stringify(text));
		assert.equal(widestLine(text), inkWidestLine(text), `${JSON.stringify(text)}, remembered`);
	}
});
