import {setTimeout as delay} from 'node:timers/promises';
import type {ReactElement} from 'react';
import {render} from 'ink-testing-library';

/** Waits until the frame satisfies `ready` (ink draws asynchronously), or fails with the last frame. */
export async function waitForFrame(lastFrame: () => string | undefined, ready: (frame: string) => boolean, timeoutMs = 3000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = lastFrame() ?? '';
		if (ready(frame)) {
			return frame;
		}

		if (Date.now() > deadline) {
			throw new Error(`the screen never showed what was expected; last frame:\n${frame}`);
		}

		await delay(10);
	}
}

/** Sends one key and waits for the frame to change. */
export async function press(stdin: {write: (data: string) => void}, lastFrame: () => string | undefined, key: string): Promise<string> {
	const before = lastFrame();
	stdin.write(key);
	return waitForFrame(lastFrame, frame => frame !== before);
}

export const keys = {up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', enter: '\r', escape: '\u001B', tab: '\t', shiftTab: '\u001B[Z'};

/**
 * Answers a confirmation, but only after asserting what it says: a destructive step can never
 * be accepted blindly (as lazygit's tests do). Fails when the prompt is not on screen.
 */
export async function answerPrompt(
	ui: {lastFrame: () => string | undefined; stdin: {write: (data: string) => void}},
	expected: {title: RegExp; body: RegExp[]},
	answer: 'y' | 'n' | '\u001B',
): Promise<string> {
	const frame = await waitForFrame(ui.lastFrame, text => /y go ahead/.test(text));
	const [title = ''] = frame.split('\n').filter(row => expected.title.test(row));
	if (!expected.title.test(title)) {
		throw new Error(`the prompt's title does not match ${expected.title}:\n${frame}`);
	}

	// Long lines wrap at spaces in a prompt: read it as running text.
	const text = frame.replaceAll(/\s+/g, ' ');
	for (const pattern of expected.body) {
		if (!pattern.test(text)) {
			throw new Error(`the prompt does not say ${pattern}:\n${frame}`);
		}
	}

	return press(ui.stdin, ui.lastFrame, answer);
}

/**
 * ink-testing-library's render with its stdout as wide as the screen under test: its own says
 * 100 columns, and what a wider view draws past them does not line up.
 */
export function renderAt(tree: ReactElement, columns: number): ReturnType<typeof render> {
	const ui = render(tree);
	Object.defineProperty(ui.stdout, 'columns', {get: () => columns});
	ui.stdout.emit('resize');
	return ui;
}
