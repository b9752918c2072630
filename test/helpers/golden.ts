import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Compares a frame with the golden one stored in `file`. Only a run that asks (UPDATE_GOLDEN=1)
 * writes goldens: a missing one fails, or the frame would be compared with itself.
 */
export function matchGolden(file: string, frame: string, {update = process.env.UPDATE_GOLDEN === '1'}: {update?: boolean} = {}): void {
	if (update) {
		fs.mkdirSync(path.dirname(file), {recursive: true});
		fs.writeFileSync(file, frame + '\n');
	}

	if (!fs.existsSync(file)) {
		assert.fail(`no golden frame ${file}: run the test with UPDATE_GOLDEN=1 to write it, then read the frame before committing it`);
	}

	assert.equal(frame + '\n', fs.readFileSync(file, 'utf8'));
}
