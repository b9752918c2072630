import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {checkPluginHealth, driverCallsFor, pluginSocketPath, type HealthSubject} from '../../source/machine/plugin-socket.js';
import {inspectPlugin} from '../../source/docker/plugin-ops.js';
import {installPlugin, pluginSocketRoot} from '../sandbox/fixtures.js';
import {processesInCgroups, signal} from '../sandbox/processes.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const engine = await Engine.open(parseHost(sandbox.host, 'flag'));

const installed: string[] = [];
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-health-'));
after(async () => {
	for (const name of installed) {
		await sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {});
	}

	fs.rmSync(folder, {recursive: true, force: true});
});

async function install(stem: string, options: {disabled?: boolean} = {}) {
	const alias = uniqueName(stem);
	installed.push(`${alias}:latest`);
	await installPlugin(sandbox, kasm.ref('amd64-1.2.0'), {alias, ...options});
	return inspectPlugin(engine, `${alias}:latest`);
}

const fixtureCalls = ['Plugin.Activate', 'VolumeDriver.Capabilities', 'NetworkDriver.GetCapabilities', 'IpamDriver.GetCapabilities'];

test('an enabled plugin answers Plugin.Activate and each of its drivers\' capabilities calls, with how long each took', async () => {
	const plugin = await install('kt-health-ok');
	assert.deepEqual(plugin.types, ['docker.volumedriver/1.0', 'docker.networkdriver/1.0', 'docker.ipamdriver/1.0']);
	const callsBefore = engine.calls;
	const health = await checkPluginHealth(engine, plugin);
	assert.equal(health.state, 'healthy', health.detail);
	assert.deepEqual(health.implements, ['VolumeDriver', 'NetworkDriver', 'IpamDriver']);
	assert.deepEqual(
		health.calls.map(call => [call.call, call.ok]),
		fixtureCalls.map(call => [call, true]),
	);
	assert.ok(health.activateMs !== undefined && health.activateMs >= 0 && health.activateMs < 2000);
	assert.equal(health.callMs, Math.max(...health.calls.slice(1).map(call => call.ms)));
	assert.match(health.detail, /^answers: Plugin\.Activate [\d.]+ ms, VolumeDriver\.Capabilities [\d.]+ ms, NetworkDriver\.GetCapabilities [\d.]+ ms, IpamDriver\.GetCapabilities [\d.]+ ms$/);
	assert.equal(engine.calls, callsBefore, 'the check talks to the plugin, not to the daemon');
});

test('a disabled plugin is reported disabled without a call to it', async () => {
	const plugin = await install('kt-health-disabled', {disabled: true});
	assert.equal(plugin.enabled, false);
	// A listener where its socket would be, to prove nothing knocks.
	const fake = await fakePlugin({...plugin, id: 'd'.repeat(64)}, () => ({status: 200, body: '{}'}));
	try {
		const health = await checkPluginHealth(engine, {...plugin, id: 'd'.repeat(64)}, {socketRoot: fake.root});
		assert.deepEqual(health, {state: 'disabled', implements: [], calls: [], detail: 'disabled: not called'});
		assert.equal(fake.requests.length, 0);
	} finally {
		await fake.close();
	}
});

test('a frozen plugin is unresponsive within the timeout, and healthy again once it runs', async () => {
	const plugin = await install('kt-health-frozen');
	const pids = processesInCgroups([plugin.id]).filter(pid => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'plugin');
	assert.equal(pids.length, 1, `one plugin process in the cgroup ${plugin.id}`);
	const [pid] = pids as [number];
	signal(pid, 'SIGSTOP');
	try {
		const began = Date.now();
		const health = await checkPluginHealth(engine, plugin, {timeoutMs: 500});
		const took = Date.now() - began;
		assert.equal(health.state, 'unresponsive', health.detail);
		assert.equal(health.detail, 'did not answer Plugin.Activate within 500 ms');
		assert.ok(took >= 450 && took < 1500, `gave up after ${took} ms`);
		assert.deepEqual(
			health.calls.map(call => [call.call, call.ok]),
			[['Plugin.Activate', false]],
		);
	} finally {
		signal(pid, 'SIGCONT');
	}

	assert.equal((await checkPluginHealth(engine, plugin)).state, 'healthy');
});

test('a daemon reached over tcp is another host\'s: not-local, and the plugin is not called', async () => {
	const remote = await Engine.open(parseHost('tcp://203.0.113.7:2375', 'flag'));
	const plugin: HealthSubject = {id: 'a'.repeat(64), socket: 'kasm.sock', types: ['docker.volumedriver/1.0'], enabled: true};
	const health = await checkPluginHealth(remote, plugin);
	assert.equal(health.state, 'not-local');
	assert.deepEqual(health.calls, []);
	assert.match(health.detail, /^not on this host: the daemon is at tcp:\/\/203\.0\.113\.7:2375/);
	const overSsh = await checkPluginHealth(await Engine.open(parseHost('ssh://ops@203.0.113.7', 'flag')), plugin);
	assert.equal(overSsh.state, 'not-local');
});

test('the socket is /run/docker/plugins/<id>/<socket>, and a socket name that would leave that folder is refused uncalled', async () => {
	const plugin = await install('kt-health-path');
	assert.equal(pluginSocketPath(plugin), path.join(pluginSocketRoot, plugin.id, 'kasm.sock'));
	assert.ok(fs.existsSync(pluginSocketPath(plugin)!));
	for (const socket of ['../../../var/run/docker.sock', '/var/run/docker.sock', '', './x']) {
		assert.equal(pluginSocketPath({id: plugin.id, socket}), undefined, socket);
		const health = await checkPluginHealth(engine, {...plugin, socket});
		assert.equal(health.state, 'error');
		assert.deepEqual(health.calls, []);
	}

	assert.equal(pluginSocketPath({id: '../etc', socket: 'kasm.sock'}), undefined);
});

test('the calls follow the interface types: the three drivers\' capabilities calls, nothing for others', () => {
	assert.deepEqual(driverCallsFor(['docker.volumedriver/1.0', 'docker.networkdriver/1.0', 'docker.ipamdriver/1.0']), fixtureCalls.slice(1));
	assert.deepEqual(driverCallsFor(['docker.authz/1.0', 'docker.logdriver/1.0', 'docker.metricscollector/1.0', 'nonsense']), []);
	assert.deepEqual(driverCallsFor(['docker.VolumeDriver/1.0', 'docker.volumedriver/1.0']), ['VolumeDriver.Capabilities']);
});

// Plugins that misbehave on purpose, served from a socket folder of the test's own.

interface FakePlugin {
	root: string;
	requests: Array<{path: string; accept?: string; body: string}>;
	close(): Promise<void>;
}

type Reply = {status: number; body: string} | 'hang';

async function fakePlugin(plugin: Pick<HealthSubject, 'id' | 'socket'>, reply: (call: string) => Reply): Promise<FakePlugin> {
	const root = fs.mkdtempSync(path.join(folder, 'r-'));
	fs.mkdirSync(path.join(root, plugin.id));
	const requests: FakePlugin['requests'] = [];
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', chunk => {
			body += chunk;
		});
		request.on('end', () => {
			const call = (request.url ?? '').replace(/^\//, '');
			requests.push({path: call, accept: request.headers.accept, body});
			const answer = reply(call);
			if (answer !== 'hang') {
				response.writeHead(answer.status, {'Content-Type': 'application/vnd.docker.plugins.v1.2+json'});
				response.end(answer.body);
			}
		});
	});
	await new Promise<void>(resolve => server.listen(path.join(root, plugin.id, plugin.socket), resolve));
	return {
		root,
		requests,
		close: async () => {
			server.closeAllConnections();
			await new Promise(resolve => server.close(resolve));
		},
	};
}

const volumePlugin: HealthSubject = {id: 'f'.repeat(64), socket: 'fake.sock', types: ['docker.volumedriver/1.0'], enabled: true};

test('the plugin is asked with the plugin protocol\'s Accept header and an empty JSON body', async () => {
	const fake = await fakePlugin(volumePlugin, call =>
		call === 'Plugin.Activate' ? {status: 200, body: '{"Implements":["VolumeDriver"]}'} : {status: 200, body: '{"Capabilities":{"Scope":"global"}}'},
	);
	try {
		const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: fake.root});
		assert.equal(health.state, 'healthy', health.detail);
		assert.deepEqual(fake.requests, [
			{path: 'Plugin.Activate', accept: 'application/vnd.docker.plugins.v1.2+json', body: '{}'},
			{path: 'VolumeDriver.Capabilities', accept: 'application/vnd.docker.plugins.v1.2+json', body: '{}'},
		]);
	} finally {
		await fake.close();
	}
});

test('a plugin without Plugin.Activate (dockerd never calls it) is healthy when its driver answers', async () => {
	const fake = await fakePlugin(volumePlugin, call => (call === 'Plugin.Activate' ? {status: 404, body: '404 page not found'} : {status: 200, body: '{}'}));
	try {
		const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: fake.root});
		assert.equal(health.state, 'healthy');
		assert.deepEqual(health.implements, []);
		assert.match(health.detail, /does not implement Plugin\.Activate \(404\)/);
	} finally {
		await fake.close();
	}
});

test('a plugin whose driver call hangs is unresponsive, naming the call; the Activate latency is kept', async () => {
	const fake = await fakePlugin(volumePlugin, call => (call === 'Plugin.Activate' ? {status: 200, body: '{"Implements":["VolumeDriver"]}'} : 'hang'));
	try {
		const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: fake.root, timeoutMs: 300});
		assert.equal(health.state, 'unresponsive');
		assert.equal(health.detail, 'did not answer VolumeDriver.Capabilities within 300 ms');
		assert.ok(health.activateMs !== undefined && health.activateMs < 300);
		assert.ok(health.callMs !== undefined && health.callMs >= 290);
	} finally {
		await fake.close();
	}
});

test('an error answer is an error, its words made safe to print; so is an answer that is not JSON', async () => {
	const hostile = await fakePlugin(volumePlugin, () => ({status: 500, body: JSON.stringify({Err: 'disk \u001B]0;owned\u0007gone\u001B[2J\nnow'})}));
	try {
		const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: hostile.root});
		assert.equal(health.state, 'error');
		assert.equal(health.detail, 'answered Plugin.Activate with HTTP 500: disk gone now');
	} finally {
		await hostile.close();
	}

	const inBand = await fakePlugin(volumePlugin, call => (call === 'Plugin.Activate' ? {status: 200, body: '{}'} : {status: 200, body: '{"Err":"no capabilities today"}'}));
	try {
		const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: inBand.root});
		assert.equal(health.state, 'error');
		assert.equal(health.detail, 'answered VolumeDriver.Capabilities with an error: no capabilities today');
	} finally {
		await inBand.close();
	}

	const garbled = await fakePlugin(volumePlugin, () => ({status: 200, body: '<html>'}));
	try {
		const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: garbled.root});
		assert.equal(health.state, 'error');
		assert.equal(health.detail, 'answered Plugin.Activate with something that is not JSON');
	} finally {
		await garbled.close();
	}
});

test('an enabled plugin with no socket where dockerd keeps it is an error that says where it looked', async () => {
	const health = await checkPluginHealth(engine, volumePlugin, {socketRoot: folder});
	assert.equal(health.state, 'error');
	assert.equal(health.detail, `no socket at ${path.join(folder, volumePlugin.id, 'fake.sock')}: the plugin's process is gone, or this is not the daemon's host`);
});

test('a plugin of a type with no cheap driver call is asked Plugin.Activate only', async () => {
	const authz: HealthSubject = {...volumePlugin, types: ['docker.authz/1.0']};
	const fake = await fakePlugin(authz, () => ({status: 200, body: '{"Implements":["authz"]}'}));
	try {
		const health = await checkPluginHealth(engine, authz, {socketRoot: fake.root});
		assert.equal(health.state, 'healthy');
		assert.deepEqual(health.implements, ['authz']);
		assert.equal(health.callMs, undefined);
		assert.deepEqual(
			fake.requests.map(request => request.path),
			['Plugin.Activate'],
		);
	} finally {
		await fake.close();
	}
});
