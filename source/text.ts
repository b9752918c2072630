import {mayHoldSecret, redact} from './secrets.js';

/**
 * Text that comes from a daemon or a registry is data, never terminal commands: a plugin
 * description could set the window title, clear the screen or hide what follows.
 * Whole escape sequences go first (so an OSC title's payload goes with it), then any other
 * control character.
 */

// ESC-introduced strings (OSC, DCS, SOS, PM, APC) run to BEL or ST; 8-bit forms too.
const controlStrings = /(?:\u001B[\]PX^_]|[\u0090\u0098\u009D\u009E\u009F])[\s\S]*?(?:\u0007|\u001B\\|\u009C|$)/g;
// CSI: ESC [ or 0x9B, parameters, intermediates, one final byte.
const csiSequences = /(?:\u001B\[|\u009B)[\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]?/g;
// Any other ESC sequence: ESC, intermediates, one final byte.
const escSequences = /\u001B[\u0020-\u002F]*[\u0030-\u007E]?/g;
// What is left of C0, DEL and C1.
const controlCharacters = /[\u0000-\u001F\u007F-\u009F]/g;
// Characters that reorder or hide text around them.
const bidiAndInvisible = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
// What safeText removes, found in one pass: most text has none of it and is left as it is. Newlines
// apart, for printableLines, which keeps the lines it is given.
const removedButNewlines = String.raw`\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2028\u2029\u2060-\u2069\uFEFF`;
const anythingToRemove = new RegExp(`[\n${removedButNewlines}]`);
const anythingToRemoveButNewlines = new RegExp(`[${removedButNewlines}]`);

/** One line of untrusted text, safe to draw or print: no escapes, no controls, no newlines. */
export function safeText(value: unknown): string {
	if (value === undefined || value === null) {
		return '';
	}

	const text = String(value);
	// Most text has nothing to remove: one test instead of six replaces (a fleet's images are tens of thousands of strings).
	if (!anythingToRemove.test(text)) {
		return text;
	}

	return text
		.replace(controlStrings, '')
		.replace(csiSequences, '')
		.replace(escSequences, '')
		// Unicode's line and paragraph separators break lines too, in editors, logs and JSON readers.
		.replace(/[\t\n\r\u2028\u2029]+/g, ' ')
		.replace(controlCharacters, '')
		.replace(bidiAndInvisible, '');
}

/** Cut to a width for a column, marking the cut. */
export function truncate(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	const chars = [...text];
	return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/**
 * Lines of text as they may leave kasm-tui, each as printable makes it. Text with nothing to clean
 * (no secret known, nothing shaped like a credential, no control character) is left as it is in
 * one look, not line by line: a fleet's --json is ~80,000 lines.
 */
export function printableLines(text: string): string {
	if (!anythingToRemoveButNewlines.test(text) && !mayHoldSecret(text)) {
		return text;
	}

	return text
		.split('\n')
		.map(line => printable(line))
		.join('\n');
}

/**
 * Text as it may leave kasm-tui, drawn or printed: no escapes or control characters and no
 * secret, whoever made it and whatever was cleaned where it came in.
 */
export function printable(value: unknown): string {
	const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
	return redact(safeText(text));
}

/**
 * Printable ASCII in the order of Unicode's root collation (CLDR), which `localeCompare` uses
 * in the C and English locales: space, punctuation, symbols, digits, then letters, a letter's
 * upper case beside its lower case.
 */
const rootOrder = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";
const primaryWeight = new Uint8Array(128);
for (const [index, character] of [...rootOrder].entries()) {
	primaryWeight[character.charCodeAt(0)] = index + 1;
	primaryWeight[character.toUpperCase().charCodeAt(0)] = index + 1;
}

const isPlainAscii = /^[\u0020-\u007E]*$/;

/**
 * Names (plugins, images, containers, tags) in the order `a.localeCompare(b)` gives them in the
 * C and English locales, without its cost: the first localeCompare of a process makes an ICU
 * collator, 10–30 ms of a command's start. Plain ASCII is compared here, the root collation's
 * way (punctuation before digits before letters; case only where nothing else differs, lower
 * first); anything else is left to localeCompare. Unlike localeCompare, the order does not
 * change with the locale (Danish `aa`, Lithuanian `y`): names are not prose.
 */
export function compareNames(a: string, b: string): number {
	if (a === b) {
		return 0;
	}

	if (!isPlainAscii.test(a) || !isPlainAscii.test(b)) {
		return a.localeCompare(b);
	}

	let byCase = 0;
	const length = Math.min(a.length, b.length);
	for (let index = 0; index < length; index++) {
		const x = a.charCodeAt(index);
		const y = b.charCodeAt(index);
		if (x !== y) {
			const difference = primaryWeight[x]! - primaryWeight[y]!;
			if (difference !== 0) {
				return difference < 0 ? -1 : 1;
			}

			// The same letter in another case: upper case sorts after, if nothing else tells them apart.
			byCase ||= x < y ? 1 : -1;
		}
	}

	return a.length === b.length ? byCase : a.length < b.length ? -1 : 1;
}

/** Decimal units with three significant digits, as the docker CLI prints sizes: `1.06MB`, `355kB`. */
export function humanSize(bytes: number): string {
	const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}

	return `${Number(value.toPrecision(3))}${units[unit]}`;
}

/** A word as a shell would need it to read it back as one. */
export function shellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
