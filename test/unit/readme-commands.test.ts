import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {readmeCommandTable} from '../../source/cli/help.js';
import {commandRuns} from '../../source/cli/run.js';
import {commandName, commandTable} from '../../source/cli/table.js';

const readmeFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'readme.md');

/** The readme's command table: from its header row to the first line that is no table row. */
function tableIn(readme: string): {start: number; end: number} {
	const start = readme.indexOf('| command | does |');
	assert.ok(start >= 0, 'the readme has a command table');
	let end = start;
	while (end < readme.length && readme[end] === '|') {
		const next = readme.indexOf('\n', end);
		end = next === -1 ? readme.length : next + 1;
	}

	return {start, end};
}

test('the readme\'s command table is the one the command table makes (UPDATE_README=1 rewrites it)', () => {
	const readme = fs.readFileSync(readmeFile, 'utf8');
	const {start, end} = tableIn(readme);
	const expected = readmeCommandTable() + '\n';
	if (process.env.UPDATE_README === '1') {
		fs.writeFileSync(readmeFile, readme.slice(0, start) + expected + readme.slice(end));
		return;
	}

	assert.equal(readme.slice(start, end), expected);
});

test('every row of the command table runs something, and nothing runs outside the table', () => {
	assert.deepEqual(commandTable.map(command => commandName(command)).sort(), Object.keys(commandRuns).sort());
});

test('a command takes each option once, and no two of its options share a letter', () => {
	for (const command of commandTable) {
		const names = command.options.map(option => option.name);
		assert.deepEqual(names, [...new Set(names)], `${commandName(command) || 'the screen'}: ${names.join(' ')}`);
		const letters = command.options.flatMap(option => (option.short ? [option.short] : []));
		assert.deepEqual(letters, [...new Set([...letters, 'h'])].filter(letter => letters.includes(letter)), `${commandName(command)}: ${letters.join(' ')}`);
		assert.ok(!letters.includes('h'), '-h is help');
	}
});
