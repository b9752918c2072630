import assert from 'node:assert/strict';
import {test} from 'node:test';
import {redact, registerSecret} from '../../source/secrets.js';
import {printable} from '../../source/text.js';

/**
 * A secret is masked wherever it can stand as the secret, and nowhere it is only part of an
 * ordinary word: a registry password `kasm` must not turn Kasm's own names into `***web`.
 */
const base64 = (text: string) => Buffer.from(text).toString('base64');

registerSecret('kasm', 'ops');

test('a short password `kasm` leaves kasmweb/…, kasm-tui and /opt/kasm paths as they are', () => {
	for (const text of [
		'kasmweb/sidecar:amd64-1.2-rolling enabled · rolling',
		'127.0.0.1:5000/kasmweb/kasm-network-plugin:amd64-1.2.10',
		'another kasm-tui (pid 4242) is changing it: run kasm-tui recover kasmweb/sidecar',
		'stopping kasm_proxy and kasm_api with /opt/kasm/bin/stop',
		'kasm.example.com:443 answered 401',
	]) {
		assert.equal(printable(text), text);
	}
});

test('the same password is masked wherever it stands as a value: alone, in a URL, in JSON, after = or :, at the end of a sentence', () => {
	assert.equal(printable('kasm'), '***');
	assert.equal(redact('https://ops:kasm@registry.example.com/v2/'), 'https://ops:***@registry.example.com/v2/');
	assert.equal(redact('{"username":"ops","secret_value":"kasm"}'), '{"username":"ops","secret_value":"***"}');
	assert.equal(redact('set DB_PASSWORD=kasm on kasmweb/sidecar'), 'set DB_PASSWORD=*** on kasmweb/sidecar');
	assert.equal(redact('login refused for ops:kasm.'), 'login refused for ops:***.');
	assert.equal(redact(`auth ${base64('ops:kasm')} refused`), 'auth *** refused');
});

test('the password inside base64 of auth JSON (X-Registry-Auth) is masked whatever its alignment', () => {
	for (const username of ['ops', 'op', 'o']) {
		const header = base64(JSON.stringify({username, password: 'kasm', serveraddress: 'registry.example.com'}));
		assert.equal(redact(`X-Registry-Auth: ${header}`), 'X-Registry-Auth: ***', username);
	}

	const other = base64(JSON.stringify({username: 'ops', password: 'kasmweb-other', serveraddress: 'kasmweb'}));
	assert.equal(redact(other), other, 'base64 that holds only kasmweb, not the password, is left alone');
});

test('a long secret is masked even run together with other text', () => {
	const long = 'Zq7/long+registry=token@4471';
	registerSecret(long);
	assert.equal(redact(`denied:x${long}y`), 'denied:x***y');
	assert.equal(redact(`https://ops:${encodeURIComponent(long)}@host`), 'https://ops:***@host', 'also as a URL carries it');
});
