import {setTimeout as delay} from 'node:timers/promises';

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

export const keys = {up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', tab: '\t', shiftTab: '\u001B[Z'};
