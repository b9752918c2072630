import {BadInput} from '../errors.js';
import {safeText} from '../text.js';

/** `--kasm-dir DIR`: an absolute path of plain characters, as it goes into a remote shell's command line. */
export function checkedKasmDir(dir: string): string {
	const trimmed = dir.trim().replace(/(.)\/+$/, '$1');
	if (!/^\/[\w./+-]*$/.test(trimmed) || trimmed.split('/').includes('..')) {
		throw new BadInput(`--kasm-dir takes an absolute path of letters, digits and _ . / + - (Kasm's folder, e.g. /opt/kasm/current), not "${safeText(dir).slice(0, 80)}"`);
	}

	return trimmed;
}
