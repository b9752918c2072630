import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {closeDebugLog, debug, openDebugLog} from '../../source/debug.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {registerSecret} from '../../source/secrets.js';
import {printable} from '../../source/text.js';

/**
 * What leaves kasm-tui is cleaned where it leaves, whatever was cleaned where it came in: a
 * secret never reaches a file, and an escape sequence never reaches a terminal that reads it.
 */
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-output-edge-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

// JSON writes a quote as \" and a backslash as \\: redacting the JSON text would miss this one.
const quoted = 'pa"ss\\word-73914';

test('a secret holding a quote and a backslash never reaches the debug log, however deep in a field it sits', () => {
	registerSecret(quoted, 'ops');
	const file = path.join(folder, 'debug.log');
	openDebugLog(file);
	try {
		debug('registry', `token request failed with ${quoted}`, {error: new Error(`denied: ${quoted}`), answer: {detail: [`echoed ${quoted}`]}});
	} finally {
		closeDebugLog();
	}

	const text = fs.readFileSync(file, 'utf8');
	assert.match(text, /token request failed with \*\*\*/);
	assert.ok(!text.includes('word-73914'), `no part of the secret is in the log:\n${text}`);
	assert.equal(JSON.parse(text).answer.detail[0], 'echoed ***');
});

test('an error stored in the ledger is redacted and has no escape sequences, on disk as well as when read', () => {
	registerSecret('hunter2-ledger-5521');
	const directory = path.join(folder, 'ledger');
	const ledger = new Ledger(directory);
	ledger.append({
		time: new Date().toISOString(),
		action: 'upgrade',
		name: 'kasmweb/sidecar:amd64-1.2-rolling',
		reference: 'kasmweb/sidecar:amd64-1.2-rolling',
		tag: 'amd64-1.2-rolling',
		identity: {diffIds: []},
		outcome: 'restored',
		error: 'registry said \u001B]0;owned\u0007unauthorized for hunter2-ledger-5521 with Bearer abcdefgh.ijklmnop',
		user: 'ops',
		version: '0.0.0',
	});
	const onDisk = fs.readFileSync(ledger.fileOf('kasmweb/sidecar:amd64-1.2-rolling'), 'utf8');
	for (const text of [onDisk, ledger.read('kasmweb/sidecar:amd64-1.2-rolling').entries[0]!.error!]) {
		assert.ok(!text.includes('hunter2-ledger-5521'), text);
		assert.ok(!text.includes('abcdefgh.ijklmnop'), text);
		assert.ok(!text.includes('owned') && !/\\u001b|\u001B/i.test(text), text);
	}

	assert.equal(ledger.read('kasmweb/sidecar:amd64-1.2-rolling').entries[0]!.error, 'registry said unauthorized for *** with Bearer ***');
});

test('an error in a ledger written by an older kasm-tui is redacted when read', () => {
	const directory = path.join(folder, 'old-ledger');
	const ledger = new Ledger(directory);
	ledger.append({
		time: new Date().toISOString(),
		action: 'upgrade',
		name: 'old/plugin:1.0',
		reference: 'old/plugin:1.0',
		tag: '1.0',
		identity: {diffIds: []},
		outcome: 'ok',
		user: 'ops',
		version: '0.0.0',
	});
	const file = ledger.fileOf('old/plugin:1.0');
	fs.appendFileSync(file, JSON.stringify({time: new Date().toISOString(), action: 'upgrade', name: 'old/plugin:1.0', reference: '', tag: '', identity: {diffIds: []}, outcome: 'failed', error: 'auth "password": "letmein-990" refused', user: 'ops', version: '0.0.0'}) + '\n');
	assert.equal(ledger.read('old/plugin:1.0').entries[1]!.error, 'auth "password": "***" refused');
});

test('words after "Basic" or "Bearer" in text that is drawn are not taken for credentials; credentials are', () => {
	assert.equal(printable('Basic Authentication for the volume driver'), 'Basic Authentication for the volume driver');
	assert.equal(printable('uses bearer authentication.'), 'uses bearer authentication.');
	assert.equal(printable('sent Basic dXNlcjpwYXNz and Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig'), 'sent Basic *** and Bearer ***');
});
