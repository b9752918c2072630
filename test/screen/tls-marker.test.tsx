import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {FleetHeader} from '../../source/app/components/fleet-header.js';
import {Header} from '../../source/app/components/header.js';
import {parseHost} from '../../source/hosts/resolve.js';

afterEach(() => cleanup());

const environment = {DOCKER_CERT_PATH: '/nonexistent'};

test('the header says TLS unverified while the screen talks to a daemon whose certificate is not checked', () => {
	const unchecked = parseHost('https://10.0.0.5:2376', 'flag', environment, {tlsInsecure: true});
	assert.match(render(<Header target={unchecked} readOnly={false} width={100} />).lastFrame() ?? '', /TLS unverified/);
	assert.match(render(<Header target={unchecked} readOnly width={60} />).lastFrame() ?? '', /READ-ONLY · TLS unverified\s*$/, 'kept when the address gives way');

	const checked = parseHost('tcp://10.0.0.5:2376', 'flag', {...environment, DOCKER_TLS_VERIFY: '1'});
	assert.doesNotMatch(render(<Header target={checked} readOnly={false} width={100} />).lastFrame() ?? '', /TLS/);
	assert.doesNotMatch(render(<Header target={parseHost('unix:///var/run/docker.sock', 'default')} readOnly={false} width={100} />).lastFrame() ?? '', /TLS/);
});

test('the fleet header counts the hosts whose certificate is not checked', () => {
	const frame = (tlsUnverified: number) =>
		render(<FleetHeader hosts={4} plugins={3} drifting={0} canaries={[]} readOnly={false} tlsUnverified={tlsUnverified} width={100} />).lastFrame() ?? '';
	assert.match(frame(1), /TLS unverified \(1 host\)\s*$/);
	assert.match(frame(2), /TLS unverified \(2 hosts\)\s*$/);
	assert.doesNotMatch(frame(0), /TLS/);
});
