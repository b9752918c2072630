import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseHost, resolveTarget, tlsUnverified} from '../../source/hosts/resolve.js';
import {selectHosts} from '../../source/hosts/selection.js';
import {BadInput} from '../../source/errors.js';

const noTlsEnvironment = {DOCKER_CERT_PATH: '/nonexistent'};

test('https:// or port 2376 without DOCKER_TLS_VERIFY is refused: nothing would check the certificate', () => {
	for (const address of ['https://10.0.0.5:2376', 'https://10.0.0.5', 'tcp://10.0.0.5:2376', 'tcp://kasm-agent-1:2376']) {
		assert.throws(
			() => parseHost(address, 'flag', noTlsEnvironment),
			(error: unknown) => error instanceof BadInput && /certificate/.test(error.message) && /DOCKER_TLS_VERIFY=1/.test(error.message) && /--tls-insecure/.test(error.message),
			address,
		);
	}

	assert.throws(() => resolveTarget({env: {...noTlsEnvironment, DOCKER_HOST: 'tcp://10.0.0.5:2376'}}), BadInput, 'DOCKER_HOST too');
	assert.throws(() => selectHosts({hosts: ['agent-1=https://10.0.0.5']}, {env: noTlsEnvironment}), BadInput, 'a fleet host too');
	assert.throws(() => selectHosts({}, {env: noTlsEnvironment, settingsHosts: [{name: 'agent-1', address: 'https://10.0.0.5'}]}), BadInput, 'a host of the settings too');
});

test('--tls-insecure asks for it, and the target says the certificate is not checked', () => {
	const target = parseHost('https://10.0.0.5:2376', 'flag', noTlsEnvironment, {tlsInsecure: true});
	assert.equal(tlsUnverified(target), true);
	assert.equal(tlsUnverified(resolveTarget({host: 'tcp://10.0.0.5:2376', env: noTlsEnvironment, tlsInsecure: true})), true);
	const [host] = selectHosts({hosts: ['agent-1=https://10.0.0.5'], tlsInsecure: true}, {env: noTlsEnvironment});
	assert.equal(tlsUnverified(host!.target), true);
});

test('what needs no asking: TLS that is checked, plain tcp, unix and ssh', () => {
	const checked = parseHost('tcp://10.0.0.5:2376', 'env', {...noTlsEnvironment, DOCKER_TLS_VERIFY: '1'});
	assert.equal(checked.transport.kind === 'tcp' && checked.transport.tls?.verify, true);
	assert.equal(tlsUnverified(checked), false);
	for (const address of ['tcp://10.0.0.5:2375', 'http://10.0.0.5:2376', 'unix:///var/run/docker.sock', 'ssh://ops@kasm-agent-1']) {
		assert.equal(tlsUnverified(parseHost(address, 'flag', noTlsEnvironment)), false, address);
	}
});
