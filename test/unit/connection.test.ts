import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseHost, resolveTarget} from '../../source/hosts/resolve.js';
import {BadInput} from '../../source/errors.js';

test('--host wins over DOCKER_HOST, which wins over the default socket', () => {
	const env = {DOCKER_HOST: 'unix:///env.sock'};
	assert.equal(resolveTarget({host: 'unix:///flag.sock', env}).address, 'unix:///flag.sock');
	assert.equal(resolveTarget({host: 'unix:///flag.sock', env}).source, 'flag');
	assert.equal(resolveTarget({env}).address, 'unix:///env.sock');
	assert.equal(resolveTarget({env: {}}).address, 'unix:///var/run/docker.sock');
	assert.equal(resolveTarget({env: {}}).source, 'default');
});

test('unix, tcp and ssh addresses become the transport dockerode needs', () => {
	assert.deepEqual(parseHost('unix:///run/docker.sock', 'flag').transport, {kind: 'unix', socketPath: '/run/docker.sock'});
	assert.deepEqual(parseHost('/run/docker.sock', 'flag').transport, {kind: 'unix', socketPath: '/run/docker.sock'});
	assert.deepEqual(parseHost('tcp://10.0.0.5:2375', 'flag', {}).transport, {kind: 'tcp', host: '10.0.0.5', port: 2375, tls: undefined});
	assert.deepEqual(parseHost('ssh://ops@kasm-1:2222', 'flag').transport, {kind: 'ssh', host: 'kasm-1', port: 2222, username: 'ops'});
});

test('DOCKER_TLS_VERIFY turns tcp into verified TLS', () => {
	const target = parseHost('tcp://10.0.0.5:2376', 'env', {DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent'});
	assert.equal(target.transport.kind, 'tcp');
	assert.equal(target.transport.kind === 'tcp' && target.transport.tls?.verify, true);
});

for (const bad of ['', 'foo://x', 'npipe:////./pipe/docker_engine', 'unix://relative.sock', 'tcp://', 'docker.sock']) {
	test(`the host ${JSON.stringify(bad)} is refused with a hint of what to write`, () => {
		assert.throws(
			() => parseHost(bad, 'flag'),
			(error: unknown) => error instanceof BadInput && /unix:\/\/\/path/.test(error.message) && !error.message.includes('\n'),
		);
	});
}
