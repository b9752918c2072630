import type {EngineTarget} from '../../docker/target.js';
import {BadInput, type ExitCode} from '../../errors.js';
import {createHostServices} from '../services/host-services.js';

export interface ScreenOptions {
	target: EngineTarget;
	readOnly: boolean;
	ledgerDir?: string;
	/** `--daemon-log FILE`: where the logs key reads the daemon's log. */
	daemonLog?: string;
	/** `--kasm-dir DIR`: where K finds Kasm's scripts. */
	kasmDir?: string;
}

// The alternate screen keeps the operator's scrollback; the cursor is hidden while we draw.
const enterAlternateScreen = '\u001B[?1049h\u001B[?25l';
const leaveAlternateScreen = '\u001B[?25h\u001B[?1049l';

/**
 * Refuses to start a screen without a terminal (`ssh host kasm-tui` without -t), naming the
 * headless command that does the same; honours NO_COLOR before chalk, under ink, reads it.
 */
export function requireTerminal(headless: string): void {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		throw new BadInput(`the screen needs a terminal: connect with "ssh -t", or use ${headless} (see --help)`);
	}

	// chalk reads its colour level once at import: decide before importing it.
	if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') {
		process.env.FORCE_COLOR = '0';
	}
}

/** Runs `draw` in the alternate screen, which is left on every way out, an exit included. */
export async function inAlternateScreen(draw: () => Promise<void>): Promise<ExitCode> {
	const restore = () => process.stdout.write(leaveAlternateScreen);
	process.stdout.write(enterAlternateScreen);
	process.once('exit', restore);
	try {
		await draw();
	} finally {
		restore();
		process.removeListener('exit', restore);
	}

	return 0;
}

/** Opens the screen on a real terminal and returns the exit code once the operator quits. */
export async function openScreen(options: ScreenOptions): Promise<ExitCode> {
	requireTerminal('a headless command such as "kasm-tui plugins"');
	// Ask the daemon first, then load the screen's code (Ink, React, yoga's WebAssembly): the
	// answers arrive while it loads instead of after.
	const interrupted = new AbortController();
	let quit = () => {};
	const services = createHostServices(options.target, {
		readOnly: options.readOnly,
		ledgerDir: options.ledgerDir,
		daemonLog: options.daemonLog,
		kasmDir: options.kasmDir,
		signal: interrupted.signal,
		onIdle: () => interrupted.signal.aborted && quit(),
	});
	services.prefetch();
	const {showScreen} = await import('./drawn.js');
	return inAlternateScreen(async () => showScreen({services, interrupted, onQuit: stop => (quit = stop)}));
}
