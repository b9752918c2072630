/**
 * Turns what a terminal shows (tmux capture-pane -e: text with SGR colour sequences) into an SVG
 * picture, so the readme's screenshots come from a real run, not from a drawing.
 */
interface Style {
	fg?: string;
	bg?: string;
	bold: boolean;
	dim: boolean;
	inverse: boolean;
}

interface Span extends Style {
	column: number;
	text: string;
}

// A dark palette close to common terminal defaults.
const palette = ['#1d1f21', '#cc6666', '#b5bd68', '#f0c674', '#81a2be', '#b294bb', '#8abeb7', '#c5c8c6'];
const bright = ['#666666', '#ff7b7b', '#d7e07a', '#ffd86b', '#9cc3ff', '#d1a8e0', '#9fe0d8', '#ffffff'];
const background = '#1d1f21';
const foreground = '#c5c8c6';

function apply(style: Style, codes: number[]): Style {
	const next = {...style};
	for (let index = 0; index < codes.length; index++) {
		const code = codes[index]!;
		if (code === 0) {
			Object.assign(next, {fg: undefined, bg: undefined, bold: false, dim: false, inverse: false});
		} else if (code === 1) {
			next.bold = true;
		} else if (code === 2) {
			next.dim = true;
		} else if (code === 7) {
			next.inverse = true;
		} else if (code === 22) {
			next.bold = false;
			next.dim = false;
		} else if (code === 27) {
			next.inverse = false;
		} else if (code >= 30 && code <= 37) {
			next.fg = palette[code - 30];
		} else if (code >= 90 && code <= 97) {
			next.fg = bright[code - 90];
		} else if (code === 39) {
			next.fg = undefined;
		} else if (code >= 40 && code <= 47) {
			next.bg = palette[code - 40];
		} else if (code === 49) {
			next.bg = undefined;
		} else if ((code === 38 || code === 48) && codes[index + 1] === 2) {
			const hex = `#${codes
				.slice(index + 2, index + 5)
				.map(value => value.toString(16).padStart(2, '0'))
				.join('')}`;
			if (code === 38) {
				next.fg = hex;
			} else {
				next.bg = hex;
			}

			index += 4;
		} else if ((code === 38 || code === 48) && codes[index + 1] === 5) {
			const colour = codes[index + 2] ?? 7;
			const hex = colour < 8 ? palette[colour] : colour < 16 ? bright[colour - 8] : foreground;
			if (code === 38) {
				next.fg = hex;
			} else {
				next.bg = hex;
			}

			index += 2;
		}
	}

	return next;
}

function parseRow(row: string): Span[] {
	const spans: Span[] = [];
	let style: Style = {bold: false, dim: false, inverse: false};
	let column = 0;
	const pattern = /\u001B\[([\d;]*)m/g;
	let last = 0;
	const push = (text: string) => {
		if (text) {
			spans.push({...style, column, text});
			column += [...text].length;
		}
	};

	for (let match = pattern.exec(row); match; match = pattern.exec(row)) {
		push(row.slice(last, match.index));
		style = apply(style, match[1] === '' ? [0] : match[1]!.split(';').map(Number));
		last = pattern.lastIndex;
	}

	push(row.slice(last));
	return spans;
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function ansiToSvg(capture: string, {columns, rows, title}: {columns: number; rows: number; title: string}): string {
	const cell = {width: 8.4, height: 17};
	const padding = 12;
	const width = Math.ceil(columns * cell.width + padding * 2);
	const height = Math.ceil(rows * cell.height + padding * 2 + 24);
	const parts: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
		`<title>${escapeXml(title)}</title>`,
		`<rect width="100%" height="100%" rx="8" fill="${background}"/>`,
		'<circle cx="18" cy="14" r="5" fill="#ff5f56"/><circle cx="34" cy="14" r="5" fill="#ffbd2e"/><circle cx="50" cy="14" r="5" fill="#27c93f"/>',
		`<g font-family="'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace" font-size="14" xml:space="preserve">`,
	];
	for (const [index, row] of capture.split('\n').slice(0, rows).entries()) {
		const y = padding + 24 + index * cell.height;
		for (const span of parseRow(row)) {
			const fg = span.inverse ? (span.bg ?? background) : (span.fg ?? foreground);
			const bg = span.inverse ? (span.fg ?? foreground) : span.bg;
			const x = padding + span.column * cell.width;
			const length = [...span.text].length;
			if (bg) {
				parts.push(`<rect x="${x.toFixed(1)}" y="${(y - 13).toFixed(1)}" width="${(length * cell.width).toFixed(1)}" height="${cell.height}" fill="${bg}"/>`);
			}

			if (span.text.trim() !== '') {
				parts.push(
					`<text x="${x.toFixed(1)}" y="${y}" fill="${fg}"${span.bold ? ' font-weight="bold"' : ''}${span.dim ? ' opacity="0.6"' : ''} textLength="${(length * cell.width).toFixed(1)}" lengthAdjust="spacingAndGlyphs">${escapeXml(span.text)}</text>`,
				);
			}
		}
	}

	parts.push('</g>', '</svg>', '');
	return parts.join('\n');
}
