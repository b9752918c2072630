import process from 'node:process';
import {render} from 'ink';
import type {EngineTarget} from '../docker/connection.js';
import {App} from './app.js';
import {FrameWriter} from './frame-writer.js';
import {createHostServices} from './services.js';

/** Draws the screen until the operator quits. Everything React and Ink lives behind this import. */
export async function showScreen(options: {target: EngineTarget; readOnly: boolean; ledgerDir?: string}): Promise<void> {
	const writer = new FrameWriter(process.stdout);
	// SIGTERM, or SIGHUP when the SSH session drops: a change under way is undone first, then we go.
	const interrupted = new AbortController();
	let quit = () => {};
	const services = createHostServices(options.target, {
		readOnly: options.readOnly,
		ledgerDir: options.ledgerDir,
		signal: interrupted.signal,
		onIdle: () => interrupted.signal.aborted && quit(),
	});
	const onSignal = (name: NodeJS.Signals) => {
		interrupted.abort(name);
		if (!services.busy()) {
			quit();
		}
	};

	for (const name of ['SIGTERM', 'SIGHUP'] as const) {
		process.on(name, onSignal);
	}

	const instance = render(<App services={services} />, {
		stdout: writer as unknown as NodeJS.WriteStream,
		// Debug mode hands us each whole frame; FrameWriter sends only the rows that changed.
		debug: true,
		// ctrl-c is a key like any other here, so a flow under way is never cut in half.
		exitOnCtrlC: false,
		patchConsole: false,
	});
	quit = () => instance.unmount();
	try {
		await instance.waitUntilExit();
	} finally {
		for (const name of ['SIGTERM', 'SIGHUP'] as const) {
			process.off(name, onSignal);
		}

		writer.detach();
	}
}
