import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ledgerDirectory, ledgerFileName, pluginNameOfFile} from '../../source/ledger/location.js';

test('--ledger-dir wins over KASM_TUI_LEDGER_DIR', () => {
	assert.equal(ledgerDirectory('/tmp/a', {KASM_TUI_LEDGER_DIR: '/tmp/b'}), '/tmp/a');
	assert.equal(ledgerDirectory(undefined, {KASM_TUI_LEDGER_DIR: '/tmp/b'}), '/tmp/b');
});

test('any plugin name maps to one safe file name and back', () => {
	for (const name of ['kasmweb/sidecar:amd64-1.2-rolling', '127.0.0.1:5000/a/b:latest', '../../etc/passwd', '.hidden', 'caf\u00E9/\u65E5']) {
		const file = ledgerFileName(name);
		assert.match(file, /^[A-Za-z\d._%-]+\.jsonl$/);
		assert.ok(!file.startsWith('.'));
		assert.equal(pluginNameOfFile(file), name);
	}

	assert.notEqual(ledgerFileName('a/b'), ledgerFileName('a_b'));
});
