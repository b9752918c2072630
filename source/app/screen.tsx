import process from 'node:process';
import {render} from 'ink';
import type {EngineTarget} from '../docker/connection.js';
import {App} from './app.js';
import {FrameWriter} from './frame-writer.js';
import {createHostServices} from './services.js';

/** Draws the screen until the operator quits. Everything React and Ink lives behind this import. */
export async function showScreen(options: {target: EngineTarget; readOnly: boolean; ledgerDir?: string}): Promise<void> {
	const writer = new FrameWriter(process.stdout);
	const services = createHostServices(options.target, {readOnly: options.readOnly, ledgerDir: options.ledgerDir});
	const instance = render(<App services={services} />, {
		stdout: writer as unknown as NodeJS.WriteStream,
		// Debug mode hands us each whole frame; FrameWriter sends only the rows that changed.
		debug: true,
		// ctrl-c is a key like any other here, so a flow under way is never cut in half.
		exitOnCtrlC: false,
		patchConsole: false,
	});
	try {
		await instance.waitUntilExit();
	} finally {
		writer.detach();
	}
}
