import {ansiCodesToString, diffAnsiCodes, styledCharsFromTokens, tokenize, type AnsiCode, type StyledChar} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';

/**
 * Ink's Output (ink/build/output.js of ink 6.8), the stage that turns a laid-out tree into the
 * frame's text, with the same results byte for byte and a memory of the last frame. Ink's own
 * builds a grid of one object per cell on every render (4,800 at 120×40), tokenizes every line
 * into one object per character with its own copy of the styles, and joins each row back with a
 * set per character: about 9 MiB of garbage per key press over 500 images, which V8 held as
 * 70 MiB more RSS. Here each row is described by what was written on it (position and text after
 * the transformers); a row described as in the last frame reuses that frame's text, and only
 * rows that changed are built, with Ink's algorithm, cell by cell. Text widths are remembered
 * the same way (Ink measures every text of the tree on every render: `widestLine` below takes
 * the place of the widest-line package inside Ink).
 *
 * The build puts this class in place of Ink's (see source/build/plugins.ts); test/unit/ink-output.test.ts
 * holds it to Ink's own on generated frames.
 */

interface Clip {
	x1?: number;
	x2?: number;
	y1?: number;
	y2?: number;
}

type Transformer = (line: string, index: number) => string;

type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

/** A cache that keeps what the last two frames used and forgets the rest, so it cannot grow. */
class FrameCache<T> {
	private current = new Map<string, T>();
	private previous = new Map<string, T>();

	get(key: string, make: (key: string) => T): T {
		let value = this.current.get(key);
		if (value === undefined) {
			value = this.previous.get(key) ?? make(key);
			this.current.set(key, value);
		}

		return value;
	}

	/** Called once a frame is done: what it did not use is dropped at the end of the next one. */
	endFrame(): void {
		this.previous = this.current;
		this.current = new Map();
	}
}

const widths = new FrameCache<number>();
const blockWidths = new FrameCache<number>();
const styledChars = new FrameCache<StyledChar[]>();
const rowTexts = new FrameCache<string>();

function widthOf(text: string): number {
	return widths.get(text, stringWidth);
}

/** widest-line, remembered across frames: Ink measures every text on every render with it. */
export function widestLine(text: string): number {
	return blockWidths.get(text, measureWidest);
}

function measureWidest(text: string): number {
	let widest = 0;
	for (const line of text.split('\n')) {
		widest = Math.max(widest, widthOf(line));
	}

	return widest;
}

/**
 * A line's characters as ansi-tokenize makes them, except that a character styled as the one
 * before it shares that one's list of styles, so joining them can tell "no change" at a glance.
 */
function charactersOf(line: string): StyledChar[] {
	const characters = styledCharsFromTokens(tokenize(line));
	for (let index = 1; index < characters.length; index++) {
		const previous = characters[index - 1]!.styles;
		const character = characters[index]!;
		if (character.styles !== previous && sameStyles(character.styles, previous)) {
			characters[index] = {...character, styles: previous};
		}
	}

	return characters;
}

function sameStyles(a: AnsiCode[], b: AnsiCode[]): boolean {
	return a.length === b.length && a.every((code, index) => code.code === b[index]!.code && code.endCode === b[index]!.endCode);
}

/**
 * ansi-tokenize's styledCharsToString, without its work between two characters of the same
 * styles: diffAnsiCodes of equal styles is empty (it builds three sets to say so).
 */
function charactersToString(characters: StyledChar[]): string {
	let text = '';
	for (let index = 0; index < characters.length; index++) {
		const character = characters[index]!;
		if (index === 0) {
			text += ansiCodesToString(character.styles);
		} else {
			const previous = characters[index - 1]!.styles;
			if (previous !== character.styles && (previous.length > 0 || character.styles.length > 0)) {
				text += ansiCodesToString(diffAnsiCodes(previous, character.styles));
			}
		}

		text += character.value;
		if (index === characters.length - 1 && character.styles.length > 0) {
			text += ansiCodesToString(diffAnsiCodes(character.styles, []));
		}
	}

	return text;
}

/** Blank cells are only ever read, so one object serves them all (Ink makes one per cell). */
const blank: StyledChar = Object.freeze({type: 'char', value: ' ', fullWidth: false, styles: []}) as StyledChar;

/** One row, as Ink's Output builds it: the writes in order, cell by cell, then joined and trimmed. */
function buildRow(width: number, writes: ReadonlyArray<{x: number; line: string}>): string {
	const row: StyledChar[] = Array.from({length: width}, () => blank);
	for (const {x, line} of writes) {
		let offsetX = x;
		for (const character of styledChars.get(line, charactersOf)) {
			row[offsetX] = character;
			const characterWidth = Math.max(1, widthOf(character.value));
			for (let index = 1; index < characterWidth; index++) {
				row[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
			}

			offsetX += characterWidth;
		}
	}

	// Writes past the end or at fractional places leave holes or stray properties; Ink drops both.
	return charactersToString(row.filter(item => item !== undefined)).trimEnd();
}

export default class Output {
	readonly width: number;
	readonly height: number;
	private readonly operations: Operation[] = [];

	constructor({width, height}: {width: number; height: number}) {
		this.width = width;
		this.height = height;
	}

	write(x: number, y: number, text: string, {transformers}: {transformers: Transformer[]}): void {
		if (!text) {
			return;
		}

		this.operations.push({type: 'write', x, y, text, transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		const writes: Array<Array<{x: number; line: string}> | undefined> = Array.from({length: this.height});
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') {
				clips.push(operation.clip);
				continue;
			}

			if (operation.type === 'unclip') {
				clips.pop();
				continue;
			}

			// From here to the loop's end: Ink's clipping, line for line.
			const {text, transformers} = operation;
			let {x, y} = operation;
			let lines = text.split('\n');
			const clip = clips.at(-1);
			if (clip) {
				const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
				const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
				if (clipHorizontally) {
					const width = widestLine(text);
					if (x + width < clip.x1! || x > clip.x2!) {
						continue;
					}
				}

				if (clipVertically) {
					const height = lines.length;
					if (y + height < clip.y1! || y > clip.y2!) {
						continue;
					}
				}

				if (clipHorizontally) {
					lines = lines.map(line => {
						const from = x < clip.x1! ? clip.x1! - x : 0;
						const width = widthOf(line);
						const to = x + width > clip.x2! ? clip.x2! - x : width;
						return sliceAnsi(line, from, to);
					});
					if (x < clip.x1!) {
						x = clip.x1!;
					}
				}

				if (clipVertically) {
					const from = y < clip.y1! ? clip.y1! - y : 0;
					const height = lines.length;
					const to = y + height > clip.y2! ? clip.y2! - y : height;
					lines = lines.slice(from, to);
					if (y < clip.y1!) {
						y = clip.y1!;
					}
				}
			}

			let offsetY = 0;
			for (let [index, line] of lines.entries()) {
				// Ink indexes its array of rows: a row outside it (or at a fractional place) is skipped,
				// and the next line then tries the same row.
				const row = y + offsetY;
				if (!Number.isInteger(row) || row < 0 || row >= this.height) {
					continue;
				}

				for (const transformer of transformers) {
					line = transformer(line, index);
				}

				(writes[row] ??= []).push({x, line});
				offsetY++;
			}
		}

		const rows = writes.map(rowWrites => {
			if (!rowWrites) {
				return '';
			}

			// What was written, unambiguously: positions and lengths, then the texts.
			let key = '';
			for (const {x, line} of rowWrites) {
				key += `${x}:${line.length}:${line}`;
			}

			return rowTexts.get(`${this.width}|${key}`, () => buildRow(this.width, rowWrites));
		});
		widths.endFrame();
		blockWidths.endFrame();
		styledChars.endFrame();
		rowTexts.endFrame();
		return {output: rows.join('\n'), height: this.height};
	}
}
