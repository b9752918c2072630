import process from 'node:process';
import {render} from 'ink';
import {App} from './app.js';
import {FrameWriter} from './terminal/frame-writer.js';
import {IdleCollector} from './terminal/idle-collect.js';
import type {HostServices} from './services.js';
import {loadLayoutEngine} from './yoga.js';

export interface ScreenRun {
	services: HostServices & {busy: () => boolean};
	/** Aborted by SIGTERM or SIGHUP (the SSH session dropped): a change under way is undone first. */
	interrupted: AbortController;
	/** Hands the caller the way to close the screen once a change has been undone. */
	onQuit: (quit: () => void) => void;
}

/** Draws the screen until the operator quits. Everything React and Ink lives behind this import. */
export async function showScreen({services, interrupted, onQuit}: ScreenRun): Promise<void> {
	await loadLayoutEngine();
	const writer = new FrameWriter(process.stdout);
	const idle = new IdleCollector();
	writer.on('drawn', () => idle.activity());
	const instance = render(<App services={services} />, {
		stdout: writer as unknown as NodeJS.WriteStream,
		// Debug mode hands us each whole frame; FrameWriter sends only the rows that changed.
		debug: true,
		// ctrl-c is a key like any other here, so a flow under way is never cut in half.
		exitOnCtrlC: false,
		patchConsole: false,
	});
	const quit = () => instance.unmount();
	onQuit(quit);
	const onSignal = (name: NodeJS.Signals) => {
		interrupted.abort(name);
		if (!services.busy()) {
			quit();
		}
	};

	for (const name of ['SIGTERM', 'SIGHUP'] as const) {
		process.on(name, onSignal);
	}

	try {
		await instance.waitUntilExit();
	} finally {
		for (const name of ['SIGTERM', 'SIGHUP'] as const) {
			process.off(name, onSignal);
		}

		writer.detach();
		idle.stop();
	}
}
