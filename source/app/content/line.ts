import {printable, truncate} from '../../text.js';

/** A piece of a line with its look. Colour is never the only mark: NO_COLOR users see the text. */
export interface Segment {
	text: string;
	color?: 'red' | 'green' | 'yellow' | 'cyan' | 'magenta' | 'blue' | 'gray';
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
}

export type Line = Segment[];

export const line = (...segments: Array<Segment | string | undefined | false>): Line =>
	segments.filter((segment): segment is Segment | string => Boolean(segment)).map(segment => (typeof segment === 'string' ? {text: segment} : segment));

/** Cuts a line to a width, segment by segment, marking the cut; the text made safe to draw. */
export function fitLine(segments: Line, width: number): Line {
	const fitted: Line = [];
	let room = width;
	for (const given of segments) {
		if (room <= 0) {
			break;
		}

		// Cleaned where it is drawn, whatever the view that made it cleaned: no escapes, no secrets.
		const text = printable(given.text);
		const segment = text === given.text ? given : {...given, text};
		const length = [...text].length;
		if (length <= room) {
			fitted.push(segment);
			room -= length;
		} else {
			fitted.push({...segment, text: truncate(text, room)});
			room = 0;
		}
	}

	return fitted;
}
