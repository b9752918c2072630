import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {IdleCollector} from '../../source/app/terminal/idle-collect.js';

test('memory is handed back once after a burst of frames, and never while nothing is drawn', t => {
	// The clock is the test's: a loaded machine cannot make a frame late.
	t.mock.timers.enable({apis: ['setTimeout', 'Date']});
	let collections = 0;
	const idle = new IdleCollector(60, () => collections++);
	try {
		t.mock.timers.tick(150);
		assert.equal(collections, 0, 'a screen that draws nothing collects nothing');

		// Frames every 20 ms for 200 ms: each one puts the collection off.
		for (let frame = 0; frame < 10; frame++) {
			idle.activity();
			t.mock.timers.tick(20);
		}

		assert.equal(collections, 0, 'no collection while frames keep coming');
		t.mock.timers.tick(39);
		assert.equal(collections, 0, 'not before 60 ms after the last frame');
		t.mock.timers.tick(1);
		assert.equal(collections, 1, 'one collection 60 ms after the burst');
		t.mock.timers.tick(1000);
		assert.equal(collections, 1, 'and none after that until something is drawn again');
		idle.activity();
		t.mock.timers.tick(60);
		assert.equal(collections, 2, 'a frame later: one more');
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
