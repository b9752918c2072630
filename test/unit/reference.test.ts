import assert from 'node:assert/strict';
import {test} from 'node:test';
import {BadInput} from '../../source/errors.js';
import {familiarReference, normaliseReference, parseReference} from '../../source/docker/reference.js';

test('a bare name is a Docker Hub official image at latest', () => {
	assert.deepEqual(parseReference('alpine'), {registry: 'docker.io', repository: 'library/alpine', tag: 'latest', digest: undefined});
});

test('a registry is recognised by a dot, a port or localhost', () => {
	assert.equal(parseReference('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2-rolling').registry, '127.0.0.1:5000');
	assert.equal(parseReference('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2-rolling').tag, 'amd64-1.2-rolling');
	assert.equal(parseReference('localhost/a/b').registry, 'localhost');
	assert.equal(parseReference('gcr.io/proj/img').registry, 'gcr.io');
	assert.deepEqual(parseReference('kasmweb/sidecar:amd64-1.2'), {
		registry: 'docker.io',
		repository: 'kasmweb/sidecar',
		tag: 'amd64-1.2',
		digest: undefined,
	});
});

test('a port is not mistaken for a tag', () => {
	const reference = parseReference('registry.example.com:5000/team/plugin');
	assert.equal(reference.registry, 'registry.example.com:5000');
	assert.equal(reference.tag, 'latest');
});

test('a digest reference keeps its digest and gets no default tag', () => {
	const digest = 'sha256:' + 'a'.repeat(64);
	const reference = parseReference(`kasmweb/sidecar@${digest}`);
	assert.equal(reference.digest, digest);
	assert.equal(reference.tag, undefined);
});

test('two spellings of one image normalise to the same reference', () => {
	assert.equal(normaliseReference('alpine'), normaliseReference('docker.io/library/alpine:latest'));
	assert.equal(normaliseReference('index.docker.io/kasmweb/chrome:1.16.0'), 'docker.io/kasmweb/chrome:1.16.0');
	assert.equal(familiarReference(parseReference('docker.io/library/alpine:3')), 'alpine:3');
});

for (const bad of ['', 'UPPER/case', 'a//b', 'repo:tag with space', 'repo:' + 'x'.repeat(129), 'repo@sha256:zz', ':tag', 'a/b:', '\u001B]0;x\u0007img']) {
	test(`the malformed reference ${JSON.stringify(bad).slice(0, 40)} is refused with one clear line`, () => {
		assert.throws(
			() => parseReference(bad),
			(error: unknown) => error instanceof BadInput && error.exitCode === 2 && !error.message.includes('\n') && !error.message.includes('\u001B'),
		);
	});
}
