import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {matchGolden} from '../helpers/golden.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-golden-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

test('a golden frame that is missing fails the test, and is not written, unless the run asks to write goldens', () => {
	const file = path.join(folder, 'missing-80x24.txt');
	assert.throws(() => matchGolden(file, 'a frame', {update: false}), /no golden frame .*missing-80x24\.txt.*UPDATE_GOLDEN=1/);
	assert.equal(fs.existsSync(file), false, 'nothing was written to compare the frame with itself');
	matchGolden(file, 'a frame', {update: true});
	assert.equal(fs.readFileSync(file, 'utf8'), 'a frame\n');
	matchGolden(file, 'a frame', {update: false});
});

test('a frame that differs from its golden one fails', () => {
	const file = path.join(folder, 'stored-80x24.txt');
	fs.writeFileSync(file, 'the stored frame\n');
	assert.throws(() => matchGolden(file, 'another frame', {update: false}));
	assert.equal(fs.readFileSync(file, 'utf8'), 'the stored frame\n');
});
