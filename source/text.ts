import {redact} from './secrets.js';

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

/** One line of untrusted text, safe to draw or print: no escapes, no controls, no newlines. */
export function safeText(value: unknown): string {
	if (value === undefined || value === null) {
		return '';
	}

	return String(value)
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

// What safeText removes, found in one pass: most text has none of it and is left as it is.
const anythingToRemove = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2028\u2029\u2060-\u2069\uFEFF]/;

/**
 * Text as it may leave kasm-tui, drawn or printed: no escapes or control characters and no
 * secret, whoever made it and whatever was cleaned where it came in.
 */
export function printable(value: unknown): string {
	const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
	return redact(anythingToRemove.test(text) ? safeText(text) : text);
}
