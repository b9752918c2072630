type StringWidth = (text: string, options?: {ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean}) => number;

/** A string-width release and the two helpers it measures with (the build imports them from beside it). */
export interface StringWidthRelease {
	stringWidth: StringWidth;
	eastAsianWidth: (codePoint: number, options: {ambiguousAsWide: boolean}) => number;
	stripAnsi: (text: string) => string;
}

/**
 * Characters each of which is a whole grapheme, drawn as wide as its East Asian Width says, by
 * string-width 8 (Ink, cli-truncate, our Output): printable ASCII and Latin-1, general
 * punctuation, arrows, box drawing, blocks, shapes, dingbats. Not the soft hyphen, controls,
 * combining marks, joiners, bidi controls or variation selectors.
 */
export const plainForStringWidth8 = /^[\u0020-\u007E\u00A0-\u00AC\u00AE-\u02FF\u2010-\u2027\u2030-\u205E\u2190-\u23FF\u2500-\u27BF]*$/;

/**
 * The same for string-width 7 (wrap-ansi's), which counts text-presentation emoji (©, ‼, ↔, ▶,
 * ☀, ✂ …) as two columns: the Latin-1, punctuation, arrows, box drawing and shapes without them.
 */
export const plainForStringWidth7 = /^[\u0020-\u007E\u00A0-\u00A8\u00AA-\u00AC\u00AF-\u02FF\u2010-\u2027\u2030-\u203B\u203D-\u2048\u204A-\u205E\u2190-\u2193\u219A-\u21A8\u21AB-\u21FF\u2500-\u25A9\u25AC-\u25B5\u25B7-\u25BF\u25C1-\u25FA\u25FF]*$/;

/**
 * `stringWidth` with a fast path for text made only of `plain` characters (once escape
 * sequences are removed, as it removes them): the sum of their East Asian widths, which is what
 * it returns for such text, without segmenting it or its Unicode property patterns (string-width
 * 8's RGI_Emoji set alone costs ~30 ms to compile at the first non-ASCII text). Anything else
 * gets its own answer.
 */
export function withFastPath({stringWidth, eastAsianWidth, stripAnsi}: StringWidthRelease, plain: RegExp): StringWidth {
	return (text, options = {}) => {
		if (typeof text !== 'string' || options.countAnsiEscapeCodes) {
			return stringWidth(text, options);
		}

		const visible = text.includes('\u001B') || text.includes('\u009B') ? stripAnsi(text) : text;
		if (!plain.test(visible)) {
			return stringWidth(text, options);
		}

		const ambiguousAsWide = options.ambiguousIsNarrow === false;
		let width = 0;
		for (let index = 0; index < visible.length; index++) {
			const code = visible.charCodeAt(index);
			width += code < 0x7F ? 1 : eastAsianWidth(code, {ambiguousAsWide});
		}

		return width;
	};
}
