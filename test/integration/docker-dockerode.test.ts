import assert from 'node:assert/strict';
import path from 'node:path';
import {after, test} from 'node:test';
import Modem from 'docker-modem';
import {Engine} from '../../source/docker/engine.js';
import {watchEvents} from '../../source/docker/events.js';
import {pullImage} from '../../source/docker/image-pull.js';
import {removeImage} from '../../source/docker/image-remove.js';
import {listImagesWithUsage} from '../../source/docker/images.js';
import {disablePlugin, enablePlugin, inspectPlugin, pluginPrivileges, pullPlugin, removePlugin, setPluginSettings, upgradePlugin} from '../../source/docker/plugin-ops.js';
import {probeNetworkDriver, probeVolumeDriver} from '../../source/docker/probes.js';
import {listPluginsWithUsage} from '../../source/docker/usage.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {ApiProxy, endpointOf} from '../bench/api-proxy.js';
import {importImage, pushPluginBuild} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const proxy = await ApiProxy.start(path.join(sandbox.state.dir, `dockerode-${process.pid}.sock`), sandbox.state.socket);
after(async () => proxy.close());

/** Every request docker-modem was asked to send, as the proxy names endpoints; counted by wrapping Modem.prototype.dial. */
const dialed: string[] = [];
const dial = Modem.prototype.dial;
Modem.prototype.dial = function (this: Modem, options, callback) {
	dial.call(this, options, callback);
	// dial has put the API version before the path by now; the query goes on the wire only.
	dialed.push(endpointOf(options.method ?? 'GET', options.path));
};
after(() => {
	Modem.prototype.dial = dial;
});

test('every request the daemon receives, of every kind kasm-tui makes, was sent by dockerode (docker-modem\'s dial)', async () => {
	const engine = await Engine.open(parseHost(proxy.host, 'flag'));
	const plugin = `${uniqueName('kt-dockerode')}:latest`;
	const image = `${sandbox.registry}/${uniqueName('kt-dockerode/image')}:1`;
	after(async () => {
		await sandbox.docker(['plugin', 'rm', '--force', plugin]).catch(() => {});
		await sandbox.docker(['image', 'rm', '--force', image]).catch(() => {});
	});
	await importImage(sandbox, image);
	await sandbox.docker(['push', image]);
	await sandbox.docker(['image', 'rm', image]);
	// Two builds of a plugin with a setting.
	const repository = `${sandbox.registry}/${uniqueName('kt-dockerode/plugin')}`;
	for (const version of ['1.0.0', '1.0.1']) {
		await pushPluginBuild(sandbox, `${repository}:${version}`, {version: `dockerode-${version}`, env: [{name: 'KASM_GREETING', value: 'hello'}]});
	}

	proxy.reset();

	// Reads: the listings (plugins with their usage, images with theirs), info and version.
	await listPluginsWithUsage(engine);
	await listImagesWithUsage(engine);
	await engine.identity();
	await engine.version();
	// A plugin's life: privileges, install (a stream), settings, enable, inspect, disable, upgrade (a stream), remove.
	const remote = `${repository}:1.0.0`;
	await pullPlugin(engine, {remote, name: plugin, privileges: await pluginPrivileges(engine, remote)});
	await setPluginSettings(engine, plugin, ['KASM_GREETING=dockerode']);
	await enablePlugin(engine, plugin);
	assert.equal((await inspectPlugin(engine, plugin)).enabled, true);
	// The health gate's probes, through the daemon: volume and network made and removed.
	assert.equal((await probeVolumeDriver(engine, plugin)).ok, true);
	assert.equal((await probeNetworkDriver(engine, plugin)).ok, true);
	await disablePlugin(engine, plugin);
	const next = `${repository}:1.0.1`;
	await upgradePlugin(engine, plugin, {remote: next, privileges: await pluginPrivileges(engine, next)});
	await removePlugin(engine, plugin);
	// An image pulled (a stream) and removed.
	await pullImage(engine, image);
	await removeImage(engine, image);
	// The event stream, and the pings on a connection of its own that tell a quiet stream is alive.
	const pingsBefore = proxy.requests.filter(request => request.endpoint === 'GET /_ping').length;
	await new Promise<void>((resolve, reject) => {
		const watch = watchEvents(engine, {
			livenessMs: 50,
			onEvent: () => {},
			onState: state => {
				if (state === 'lost') {
					watch.close();
					reject(new Error('the stream was lost'));
				}
			},
		});
		const waited = setInterval(() => {
			if (proxy.requests.filter(request => request.endpoint === 'GET /_ping').length >= pingsBefore + 2) {
				clearInterval(waited);
				watch.close();
				resolve();
			}
		}, 20);
	});
	engine.close();

	const received = proxy.requests.map(request => request.endpoint);
	for (const kind of ['GET /plugins', 'POST /plugins/pull', 'POST /plugins/:id/upgrade', 'POST /volumes/create', 'POST /networks/create', 'POST /images/create', 'DELETE /images/:id', 'GET /events', 'GET /_ping']) {
		assert.ok(received.includes(kind), `the daemon was asked ${kind}: ${[...new Set(received)].join(', ')}`);
	}

	// Each request the daemon received was one docker-modem sent. (A ping the closing stream aborted
	// may have been dialed and never sent, so the other way round need not hold.)
	const unsent = [...dialed];
	const notFromDockerode = received.filter(endpoint => {
		const index = unsent.indexOf(endpoint);
		if (index === -1) {
			return true;
		}

		unsent.splice(index, 1);
		return false;
	});
	assert.deepEqual(notFromDockerode, [], `all ${received.length} requests came through docker-modem`);
	assert.ok(unsent.every(endpoint => endpoint === 'GET /_ping'), `only an aborted ping may be dialed and not received: ${unsent.join(', ')}`);
});
