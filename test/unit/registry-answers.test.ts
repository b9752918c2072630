import assert from 'node:assert/strict';
import {test} from 'node:test';
import {apiHost, isInsecure, registryOrigin} from '../../source/registry/address.js';
import {formatWait, looksLikeHtml, rateLimited, registryErrorText, retryAfterSeconds} from '../../source/registry/answers.js';
import {RegistryRateLimited} from '../../source/registry/errors.js';

test('Docker Hub is reached at its API host, over HTTPS', () => {
	assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
	assert.equal(registryOrigin('docker.io'), 'https://registry-1.docker.io');
	assert.equal(registryOrigin('ghcr.io'), 'https://ghcr.io');
});

test('plain HTTP is used only on loopback or for registries marked insecure', () => {
	for (const local of ['127.0.0.1:5000', '127.1.2.3', 'localhost:5000', '[::1]:5000']) {
		assert.equal(registryOrigin(local).startsWith('http://'), true, local);
	}

	assert.equal(registryOrigin('registry.lan:5000'), 'https://registry.lan:5000');
	assert.equal(registryOrigin('registry.lan:5000', ['registry.lan:5000']), 'http://registry.lan:5000');
	assert.equal(isInsecure('registry.lan:5000', ['registry.lan']), true, 'a host without port covers every port');
	assert.equal(isInsecure('registry.lan:5000', ['registry.lan:6000']), false);
	assert.equal(isInsecure('10.1.2.3:5000', ['10.0.0.0/8']), true);
	assert.equal(isInsecure('11.1.2.3:5000', ['10.0.0.0/8']), false);
	assert.equal(isInsecure('127.evil.example:5000'), false, 'a name that starts like loopback is not loopback');
});

test('a 429 says when to try again, from Retry-After in seconds or as a date', () => {
	assert.equal(retryAfterSeconds(new Headers({'retry-after': '120'})), 120);
	const now = Date.parse('2026-01-01T00:00:00Z');
	assert.equal(retryAfterSeconds(new Headers({'retry-after': 'Thu, 01 Jan 2026 00:05:00 GMT'}), now), 300);
	const error = rateLimited('127.0.0.1:5000', new Headers({'retry-after': '120'}), true);
	assert.ok(error instanceof RegistryRateLimited);
	assert.equal(error.exitCode, 1);
	assert.match(error.message, /rate-limiting.*try again in 2 min$/);
});

test("Docker Hub's rate-limit headers give the window and suggest logging in when anonymous", () => {
	const headers = new Headers({'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600'});
	assert.equal(retryAfterSeconds(headers), 21_600);
	const error = rateLimited('docker.io', headers, false);
	assert.match(error.message, /registry docker\.io is rate-limiting us \(100 requests per 6 h\): try again in 6 h, or log in with "docker login" for a higher limit/);
	assert.equal(retryAfterSeconds(new Headers({'ratelimit-reset': '42'})), 42);
	const now = 1_700_000_000_000;
	assert.equal(retryAfterSeconds(new Headers({'x-ratelimit-reset': String(now / 1000 + 30)}), now), 30);
	assert.equal(retryAfterSeconds(new Headers()), undefined);
	assert.match(rateLimited('r.example', new Headers(), true).message, /try again later$/);
});

test('waits read as people say them', () => {
	assert.equal(formatWait(5), '5 s');
	assert.equal(formatWait(600), '10 min');
	assert.equal(formatWait(3700), '62 min');
	assert.equal(formatWait(7500), '2 h 5 min');
	assert.equal(formatWait(21_600), '6 h');
});

test('an HTML page is told apart from an API answer by its type or its first character', () => {
	assert.equal(looksLikeHtml('text/html; charset=utf-8', Buffer.from('{}')), true);
	assert.equal(looksLikeHtml(null, Buffer.from('  <!doctype html><html>')), true);
	assert.equal(looksLikeHtml('application/json', Buffer.from('{"tags":[]}')), false);
});

test("the registry's own error words are kept short and free of escapes", () => {
	const body = Buffer.from(JSON.stringify({errors: [{code: 'MANIFEST_UNKNOWN', message: 'manifest \u001B[31munknown\u001B[0m', detail: {}}]}));
	assert.deepEqual(registryErrorText(body), {code: 'MANIFEST_UNKNOWN', text: 'MANIFEST_UNKNOWN manifest unknown'});
	assert.deepEqual(registryErrorText(Buffer.from('not json')), {text: ''});
});
