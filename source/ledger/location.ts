import os from 'node:os';
import path from 'node:path';

/** `--ledger-dir` > `KASM_TUI_LEDGER_DIR` > /var/lib/kasm-tui/ledger for root > the XDG state folder. */
export function ledgerDirectory(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
	if (flag) {
		return path.resolve(flag);
	}

	if (env.KASM_TUI_LEDGER_DIR) {
		return path.resolve(env.KASM_TUI_LEDGER_DIR);
	}

	if (process.getuid?.() === 0) {
		return '/var/lib/kasm-tui/ledger';
	}

	const state = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
	return path.join(state, 'kasm-tui', 'ledger');
}

/**
 * One file per plugin, named from the plugin's name so that any name maps to one safe file
 * name and back: everything but letters, digits, `.`, `_` and `-` is percent-encoded.
 */
export function ledgerFileName(pluginName: string): string {
	const encoded = [...Buffer.from(pluginName, 'utf8')]
		.map(byte => {
			const char = String.fromCodePoint(byte);
			return /[A-Za-z\d._-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
		})
		.join('');
	// A leading dot would hide the file; percent-encode it.
	return (encoded.startsWith('.') ? '%2E' + encoded.slice(1) : encoded) + '.jsonl';
}

export function pluginNameOfFile(fileName: string): string | undefined {
	if (!fileName.endsWith('.jsonl')) {
		return undefined;
	}

	try {
		return decodeURIComponent(fileName.slice(0, -'.jsonl'.length));
	} catch {
		return undefined;
	}
}
