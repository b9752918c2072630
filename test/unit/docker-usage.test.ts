import assert from 'node:assert/strict';
import {test} from 'node:test';
import {PluginInUse} from '../../source/docker/errors.js';
import {buildUsageIndex, describeUsage, isInUse, pluginKey, type UsageListings} from '../../source/docker/usage.js';
import {Refused} from '../../source/errors.js';

const none: UsageListings = {networks: [], volumes: [], containers: []};

test('driver names match plugin names however they are spelled', () => {
	assert.equal(pluginKey('sshfs'), pluginKey('sshfs:latest'));
	assert.equal(pluginKey('vieux/sshfs'), pluginKey('docker.io/vieux/sshfs:latest'));
	assert.equal(pluginKey('sshfs'), pluginKey('docker.io/library/sshfs:latest'));
	assert.notEqual(pluginKey('vieux/sshfs:next'), pluginKey('vieux/sshfs:latest'));
	assert.notEqual(pluginKey('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2'), pluginKey('kasmweb/sidecar:amd64-1.2'));
});

test('a plugin nothing uses has empty lists, and every plugin asked about has an entry', () => {
	const index = buildUsageIndex(['idle:latest', 'other:latest'], none);
	assert.deepEqual(index.get('idle:latest'), {networks: [], volumes: [], containers: []});
	assert.equal(index.size, 2);
	assert.equal(isInUse(index.get('idle:latest')!), false);
});

test('a network uses a plugin through its driver or its IPAM driver', () => {
	const index = buildUsageIndex(['kasmweb/sidecar:amd64-1.2', 'ipam:latest'], {
		...none,
		networks: [
			{Name: 'egress-a', Id: 'n1', Driver: 'docker.io/kasmweb/sidecar:amd64-1.2', IPAM: {Driver: 'default'}},
			{Name: 'egress-b', Id: 'n2', Driver: 'bridge', IPAM: {Driver: 'ipam'}},
			{Name: 'plain', Id: 'n3', Driver: 'bridge', IPAM: {Driver: 'default'}},
		],
	});
	assert.deepEqual(index.get('kasmweb/sidecar:amd64-1.2')?.networks, ['egress-a']);
	assert.deepEqual(index.get('ipam:latest')?.networks, ['egress-b']);
});

test('a volume uses the plugin that is its driver', () => {
	const index = buildUsageIndex(['vieux/sshfs:latest'], {
		...none,
		volumes: [
			{Name: 'remote-data', Driver: 'vieux/sshfs'},
			{Name: 'local-data', Driver: 'local'},
		],
	});
	assert.deepEqual(index.get('vieux/sshfs:latest')?.volumes, ['remote-data']);
});

test('a container uses a plugin through a network (by name or id) or a volume it mounts', () => {
	const index = buildUsageIndex(['net:latest', 'vol:latest'], {
		networks: [{Name: 'egress', Id: 'abc123', Driver: 'net:latest'}],
		volumes: [{Name: 'data', Driver: 'vol:latest'}],
		containers: [
			{Names: ['/by-name'], NetworkSettings: {Networks: {egress: {NetworkID: ''}}}},
			{Names: ['/by-id'], NetworkSettings: {Networks: {renamed: {NetworkID: 'abc123'}}}},
			{Names: ['/by-mode'], HostConfig: {NetworkMode: 'egress'}},
			{Names: ['/by-volume'], Mounts: [{Type: 'volume', Name: 'data', Driver: 'vol:latest'}]},
			{Names: ['/bind-only'], Mounts: [{Type: 'bind'}], NetworkSettings: {Networks: {none: null}}},
		],
	});
	assert.deepEqual(index.get('net:latest')?.containers, ['by-id', 'by-mode', 'by-name']);
	assert.deepEqual(index.get('vol:latest')?.containers, ['by-volume']);
});

test('a mounted volume of the plugin counts even when the volume listing left it out', () => {
	const index = buildUsageIndex(['vol:latest'], {
		...none,
		containers: [{Names: ['/app'], Mounts: [{Type: 'volume', Name: 'unlisted', Driver: 'vol'}]}],
	});
	assert.deepEqual(index.get('vol:latest'), {networks: [], volumes: ['unlisted'], containers: ['app']});
});

test('names from the daemon are made safe before anyone prints them', () => {
	const index = buildUsageIndex(['vol:latest'], {
		...none,
		volumes: [{Name: 'evil\u001B]0;title\u0007name', Driver: 'vol'}],
		containers: [{Names: ['/c\u001B[2Jx'], Mounts: [{Type: 'volume', Name: 'evil\u001B]0;title\u0007name'}]}],
	});
	assert.deepEqual(index.get('vol:latest'), {networks: [], volumes: ['evilname'], containers: ['cx']});
});

test('the in-use refusal names what uses the plugin, in one line, exit 3', () => {
	const error = new PluginInUse('kasmweb/sidecar:amd64-1.2', {networks: ['a', 'b', 'c', 'd'], volumes: [], containers: ['web']});
	assert.ok(error instanceof Refused);
	assert.equal(error.exitCode, 3);
	assert.match(error.message, /kasmweb\/sidecar:amd64-1\.2 is in use by 4 networks \(a, b, c, …\), 1 container \(web\)/);
	assert.ok(!error.message.includes('\n'));
	assert.equal(describeUsage({networks: [], volumes: ['v'], containers: []}), '1 volume (v)');
});
