import assert from 'node:assert/strict';
import {test} from 'node:test';
import {redactedJson, registerSecret} from '../../source/secrets.js';
import {printable, printableLines} from '../../source/text.js';

/**
 * What a command prints is cleaned line by line (printable): printableLines gives the same text,
 * only without looking at each line where the whole has nothing to clean. In its own file: the
 * first test needs a process that knows no secret yet.
 */
const lineByLine = (text: string) => text.split('\n').map(line => printable(line)).join('\n');

const texts = [
	'{\n  "repository": "bench/fleet-old-01",\n  "tag": "1.0.1",\n  "updateError": "not from a registry"\n}',
	'plain line\nanother · with ✓ unicode\n',
	'title \u001B]0;owned\u0007 here\nnext line',
	'a tab\there and a CR\r\nthen \u2028 a separator',
	'curl -H "Authorization: Bearer eyJhbGciOi.J9abcdefgh" and more\nnext',
	'{\n  "password": "hunter2",\n  "auth": "b3BzOmt"\n}',
	'Basic authentication is a word here\nno credential',
	'',
];

test('with no secret known, each text prints as line-by-line cleaning prints it; clean text is returned as it is', () => {
	for (const text of texts) {
		assert.equal(printableLines(text), lineByLine(text), JSON.stringify(text));
	}

	assert.equal(printableLines(texts[0]!), texts[0], 'nothing to clean: the same text');
	assert.match(printableLines(texts[2]!), /^title  here\nnext line$/);
	assert.match(printableLines(texts[4]!), /Bearer \*\*\*/);
	assert.match(printableLines(texts[5]!), /"password": "\*\*\*"/);
});

test('once a secret is known, every line holding it is masked, and --json text is redacted as it is written', () => {
	const secret = 'Xy"9-long-Secret\\value';
	registerSecret(secret, 'ops');
	for (const text of [...texts, `line one\nthe secret ${secret} here\nlast`]) {
		assert.equal(printableLines(text), lineByLine(text), JSON.stringify(text));
	}

	assert.doesNotMatch(printableLines(`a\n${secret}\nb`), /long-Secret/);
	const json = redactedJson({auth: 'not-even-a-secret', note: `it was ${secret}`, list: [secret, 7, null], nested: {token: 'abc', kept: 'plain'}, when: new Date(0)}, 2);
	assert.doesNotMatch(json, /long-Secret/, 'a secret holding " and \\ is found before JSON escapes it');
	assert.deepEqual(JSON.parse(json), {auth: '***', note: 'it was ***', list: ['***', 7, null], nested: {token: '***', kept: 'plain'}, when: '1970-01-01T00:00:00.000Z'});
});
