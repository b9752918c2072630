import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {IdleCollector} from '../../source/app/terminal/idle-collect.js';

test('memory is handed back once after a burst of frames, and never while nothing is drawn', async () => {
	let collections = 0;
	const idle = new IdleCollector(60, () => collections++);
	try {
		await delay(150);
		assert.equal(collections, 0, 'a screen that draws nothing collects nothing');

		// Frames every 20 ms for 200 ms: each one puts the collection off.
		for (let frame = 0; frame < 10; frame++) {
			idle.activity();
			await delay(20);
		}

		assert.equal(collections, 0, 'no collection while frames keep coming');
		await delay(200);
		assert.equal(collections, 1, 'one collection after the burst');
		await delay(150);
		assert.equal(collections, 1, 'and none after that until something is drawn again');
	} finally {
		idle.stop();
	}
});

test('the real collection shrinks the heap, and stopping leaves nothing pending', async () => {
	const idle = new IdleCollector(10);
	// Garbage with a young generation grown to hold it.
	let keep = 0;
	for (let round = 0; round < 200; round++) {
		keep += Array.from({length: 5000}, (_, index) => ({index})).length;
	}

	const before = process.memoryUsage().heapTotal;
	idle.activity();
	await delay(300);
	const after = process.memoryUsage().heapTotal;
	idle.stop();
	assert.ok(keep > 0);
	assert.ok(after < before, `heap total went from ${before} to ${after} bytes`);
});
