import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {isRolling, rollingIdentifier} from '../../source/rolling.js';

const source = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'source');

function sourceFiles(folder: string): string[] {
	return fs.readdirSync(folder, {withFileTypes: true}).flatMap(entry => {
		const full = path.join(folder, entry.name);
		return entry.isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(entry.name) ? [full] : [];
	});
}

test("Kasm's rolling rule is written once: no other file of the source has its own /-rolling…/ pattern", () => {
	const own = sourceFiles(source).filter(file => !file.endsWith(`${path.sep}rolling.ts`) && /\/-rolling\.\*\$\//.test(fs.readFileSync(file, 'utf8')));
	assert.deepEqual(
		own.map(file => path.relative(source, file)),
		[],
	);
});

test("Kasm's rule: a name or tag ending in -rolling… is rolling, wherever the rest of it is", () => {
	assert.equal(rollingIdentifier.source, '-rolling.*$');
	for (const name of ['kasmweb/sidecar:amd64-1.2-rolling', 'kasmweb/sidecar:amd64-1.2-rolling-daily', 'amd64-rolling', 'r/sidecar-rolling:1.0']) {
		assert.equal(isRolling(name), true, name);
	}

	for (const name of ['kasmweb/sidecar:amd64-1.2.10', 'kasmweb/rolling:1.0', 'kasmweb/sidecar:amd64-1.2rolling']) {
		assert.equal(isRolling(name), false, name);
	}
});
