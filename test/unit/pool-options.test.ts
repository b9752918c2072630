import assert from 'node:assert/strict';
import {test} from 'node:test';
import {commandHelpText} from '../../source/cli/help.js';
import {commandName, commandTable} from '../../source/cli/table.js';
import {defaultStepTimeoutMs} from '../../source/docker/transport.js';
import {HostPool, defaultParallel} from '../../source/hosts/pool.js';

const command = (name: string) => commandTable.find(candidate => commandName(candidate) === name)!;
/** The help's row of an option: its label, then its description (wrapped rows joined). */
const optionRow = (help: string, label: string) => {
	const rows = help.split('\n');
	const start = rows.findIndex(row => row.trimStart().startsWith(label));
	assert.ok(start >= 0, `${label} is in the help:\n${help}`);
	const rest = rows.slice(start + 1);
	const next = rest.findIndex(row => !/^ {6,}\S/.test(row));
	return [rows[start]!, ...rest.slice(0, next < 0 ? rest.length : next)].map(row => row.trim()).join(' ');
};

test('every fleet command that connects to hosts takes --parallel N, its help giving the default the host pool uses', () => {
	assert.equal(new HostPool().parallel, defaultParallel);
	for (const name of ['fleet', 'fleet plugins', 'fleet upgrade', 'fleet rollback', 'fleet reinstall', 'fleet auto-update']) {
		assert.match(optionRow(commandHelpText(command(name)), '--parallel N'), new RegExp(`hosts connecting at once.*\\(default ${defaultParallel}\\)`), name);
	}
});

test('every rollout, and the screen that starts them, takes --step-timeout SECONDS, its help giving the default a change step gets', () => {
	assert.equal(new HostPool().stepTimeoutMs, defaultStepTimeoutMs);
	for (const name of ['fleet', 'fleet upgrade', 'fleet rollback', 'fleet reinstall', 'fleet auto-update']) {
		const row = optionRow(commandHelpText(command(name)), '--step-timeout SECONDS');
		assert.match(row, new RegExp(`\\(default ${defaultStepTimeoutMs / 1000}\\)`), name);
		assert.match(row, /progress is alive/, name);
	}

	assert.doesNotMatch(commandHelpText(command('fleet plugins')), /--step-timeout/, 'a read changes nothing: it has no change step');
});
