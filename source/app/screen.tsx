import process from 'node:process';
import {render} from 'ink';
import type {EngineTarget} from '../docker/connection.js';
import {App} from './app.js';
import {FrameWriter} from './frame-writer.js';
import {loadSnapshot} from './snapshot.js';

/** Draws the screen until the operator quits. Everything React and Ink lives behind this import. */
export async function showScreen(options: {target: EngineTarget; readOnly: boolean}): Promise<void> {
	const writer = new FrameWriter(process.stdout);
	const instance = render(<App target={options.target} readOnly={options.readOnly} load={loadSnapshot} />, {
		stdout: writer as unknown as NodeJS.WriteStream,
		// Debug mode hands us each whole frame; FrameWriter sends only the rows that changed.
		debug: true,
		exitOnCtrlC: true,
		patchConsole: false,
	});
	try {
		await instance.waitUntilExit();
	} finally {
		writer.detach();
	}
}
