import process from 'node:process';
import {render} from 'ink';
import type {ReactElement} from 'react';
import {App} from '../components/app.js';
import {ErrorBoundary, type ScreenFailed} from '../components/error-boundary.js';
import {debug} from '../../debug.js';
import {FrameWriter} from '../terminal/frame-writer.js';
import {IdleCollector} from '../terminal/idle-collect.js';
import type {HostServices} from '../services/host-services.js';
import {loadLayoutEngine} from '../terminal/yoga.js';

/** What drawing a screen needs besides its tree: whether work is under way, and how to stop. */
export interface ScreenControl {
	/** A change (or a rollout) is under way: a signal lets it finish or undo before the screen closes. */
	busy: () => boolean;
	/** Aborted by SIGTERM or SIGHUP (the SSH session dropped): a change under way is undone first. */
	interrupted: AbortController;
	/** Hands the caller the way to close the screen once a change has been undone. */
	onQuit: (quit: () => void) => void;
}

export interface ScreenRun extends Omit<ScreenControl, 'busy'> {
	services: HostServices & {busy: () => boolean};
}

/** Draws the single-host screen until the operator quits. Everything React and Ink lives behind this import. */
export async function showScreen({services, interrupted, onQuit}: ScreenRun): Promise<void> {
	await drawUntilQuit(<App services={services} />, {busy: services.busy, interrupted, onQuit});
}

/**
 * Draws a screen's tree on the terminal until it unmounts: frames through the FrameWriter (only
 * the rows that changed), garbage collected while idle, SIGTERM and SIGHUP as a stop.
 */
export async function drawUntilQuit(tree: ReactElement, {busy, interrupted, onQuit}: ScreenControl): Promise<void> {
	await loadLayoutEngine();
	const writer = new FrameWriter(process.stdout);
	const idle = new IdleCollector();
	writer.on('drawn', () => idle.activity());
	let failure: ScreenFailed | undefined;
	let waitingToQuit: NodeJS.Timeout | undefined;
	// A view that cannot draw: the change under way (if any) finishes or is undone first, then the screen closes.
	const onRenderError = (failed: ScreenFailed) => {
		failure = failed;
		debug('screen', 'a view failed to draw', {error: failed.cause});
		const closeWhenIdle = () => {
			if (busy()) {
				waitingToQuit = setTimeout(closeWhenIdle, 200);
			} else {
				quit();
			}
		};

		// Not now: a first frame that fails does so inside render(), before `quit` exists.
		waitingToQuit = setTimeout(closeWhenIdle, 0);
	};

	const instance = render(<ErrorBoundary onError={onRenderError}>{tree}</ErrorBoundary>, {
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
		if (!busy()) {
			quit();
		}
	};

	for (const name of ['SIGTERM', 'SIGHUP'] as const) {
		process.on(name, onSignal);
	}

	try {
		await instance.waitUntilExit();
	} finally {
		clearTimeout(waitingToQuit);
		for (const name of ['SIGTERM', 'SIGHUP'] as const) {
			process.off(name, onSignal);
		}

		writer.detach();
		idle.stop();
	}

	if (failure) {
		throw failure;
	}
}
