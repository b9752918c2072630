import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {test} from 'node:test';
import {FrameWriter, frameUpdate} from '../../source/app/terminal/frame-writer.js';

test('an unchanged frame sends nothing', () => {
	assert.equal(frameUpdate(['a', 'b'], ['a', 'b'], 24), '');
});

test('moving a highlight rewrites only the two rows that changed, at their absolute rows', () => {
	const update = frameUpdate(['header', '▸ one', '  two', 'footer'], ['header', '  one', '▸ two', 'footer'], 24);
	assert.equal(update, '\u001B[2;1H  one\u001B[K\u001B[3;1H▸ two\u001B[K');
});

test('rows the new frame no longer has are cleared; rows past the terminal are never written', () => {
	assert.equal(frameUpdate(['a', 'b', 'c'], ['a'], 24), '\u001B[2;1H\u001B[K\u001B[3;1H\u001B[K');
	assert.equal(frameUpdate([], ['a', 'b', 'c'], 2), '\u001B[1;1Ha\u001B[K\u001B[2;1Hb\u001B[K');
});

class FakeTerminal extends EventEmitter {
	written: string[] = [];
	columns = 80;
	rows = 24;
	write(data: string) {
		this.written.push(data);
	}
}

test('several frames in one tick are drawn once, inside a synchronized update', async () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal);
	writer.write('one');
	writer.write('two');
	await new Promise(resolve => setImmediate(resolve));
	assert.deepEqual(terminal.written, ['\u001B[?2026h\u001B[1;1Htwo\u001B[K\u001B[?2026l']);
	writer.detach();
});

test('a resize clears the screen and the next frame is drawn whole', async () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal);
	let resized = 0;
	writer.on('resize', () => resized++);
	writer.write('a\nb');
	await new Promise(resolve => setImmediate(resolve));
	terminal.rows = 30;
	terminal.emit('resize');
	assert.equal(resized, 1);
	assert.equal(writer.rows, 30);
	writer.write('a\nb');
	await new Promise(resolve => setImmediate(resolve));
	assert.equal(terminal.written.at(-2), '\u001B[2J');
	assert.match(terminal.written.at(-1)!, /\u001B\[1;1Ha.*\u001B\[2;1Hb/);
	writer.detach();
});
