/**
 * The grapheme segmenters of the packages that measure and cut the screen's text (string-width,
 * ansi-tokenize, slice-ansi), put in place by the build (dependencyPatches in
 * source/build/plugins.ts). Each made its Intl.Segmenter when it loaded, and the first one of a
 * process loads ICU's break rules: ~15–20 ms of CPU before the screen's first frame, which holds
 * no text that needs them. Here the segmenter is made at the first text that does: text made only
 * of characters that are each a grapheme whatever stands beside them is split into its characters.
 */

/**
 * Characters each of which is a grapheme on its own (text-width.ts's plain characters: printable
 * ASCII and Latin-1, general punctuation, arrows, box drawing, blocks, shapes, dingbats), and ESC,
 * a control, which Unicode always breaks around. Not CR and LF (one grapheme together), the soft
 * hyphen, combining marks, joiners, bidi controls, variation selectors or surrogates.
 */
const eachAGrapheme = /^[\u001B\u0020-\u007E\u00A0-\u00AC\u00AE-\u02FF\u2010-\u2027\u2030-\u205E\u2190-\u23FF\u2500-\u27BF]*$/;

/** What the packages use of Intl.Segmenter's segments: iterating them, and `containing`. */
export interface SegmentsLike extends Iterable<Intl.SegmentData> {
	containing(codeUnitIndex?: number): Intl.SegmentData | undefined;
}

/** Intl's Segments of text whose every character is a grapheme: one segment per character. */
class CharacterSegments implements SegmentsLike {
	constructor(private readonly input: string) {}

	containing(codeUnitIndex = 0): Intl.SegmentData | undefined {
		const index = Math.trunc(Number(codeUnitIndex)) || 0;
		return index >= 0 && index < this.input.length ? {segment: this.input[index]!, index, input: this.input} : undefined;
	}

	* [Symbol.iterator](): Iterator<Intl.SegmentData> {
		const {input} = this;
		for (let index = 0; index < input.length; index++) {
			yield {segment: input[index]!, index, input};
		}
	}
}

/** `new Intl.Segmenter(locales, options)` for graphemes, made at the first text that needs it. */
export function lazyGraphemeSegmenter(locales?: string | string[], options?: Intl.SegmenterOptions): {segment(input: string): SegmentsLike} {
	let segmenter: Intl.Segmenter | undefined;
	return {
		segment(input: string): SegmentsLike {
			if (typeof input === 'string' && eachAGrapheme.test(input)) {
				return new CharacterSegments(input);
			}

			segmenter ??= new Intl.Segmenter(locales, options);
			return segmenter.segment(input);
		},
	};
}

/** A RegExp made at its first use: string-width's `\p{RGI_Emoji}` pattern costs ~1–10 ms to make. */
export function lazyRegExp(source: string, flags: string): Pick<RegExp, 'test'> {
	let made: RegExp | undefined;
	return {
		test: (text: string) => (made ??= new RegExp(source, flags)).test(text),
	};
}
