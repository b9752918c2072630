import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {fleetKeymap} from '../../source/app/keys/fleet-keymap.js';
import {keymap} from '../../source/app/keys/keymap.js';

const readme = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'readme.md'), 'utf8');

test('the readme names every key of the keymap, the source of truth for the footer and the help', () => {
	const missing = keymap.flatMap(binding => (binding.label.length > 1 ? binding.label.split('/') : [binding.label]).filter(key => !readme.includes(`\`${key}\``)).map(key => `${key} (${binding.description})`));
	assert.deepEqual(missing, []);
});

test('the readme names every key of the fleet screen\'s keymap too', () => {
	const from = readme.indexOf('**the fleet screen**');
	assert.ok(from > 0, 'the readme has a paragraph on the fleet screen');
	const fleet = readme.slice(from, readme.indexOf('\n\n', from));
	const missing = fleetKeymap.flatMap(binding => (binding.label.length > 1 ? binding.label.split('/') : [binding.label]).filter(key => !fleet.includes(`\`${key}\``)).map(key => `${key} (${binding.description})`));
	assert.deepEqual(missing, []);
});
