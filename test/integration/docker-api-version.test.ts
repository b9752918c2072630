import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {compareApiVersions} from '../../source/docker/generation.js';
import {listPlugins} from '../../source/docker/plugins.js';
import {runCli} from '../helpers/cli.js';
import {answer, startProxy} from '../helpers/hardening.js';
import {apiVersionOf} from '../sandbox/engines.js';
import {useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-api-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

/** What each kind's daemon speaks at most (sandbox.test.ts checks the daemons say so). */
const daemonApi = apiVersionOf[sandbox.state.kind];
const newestKindApi = Object.values(apiVersionOf).sort(compareApiVersions).at(-1)!;

async function proxyToDaemon(name: string) {
	const proxy = await startProxy({socketPath: sandbox.state.socket}, {socketPath: path.join(folder, `${name}.sock`)});
	after(async () => proxy.close());
	return proxy;
}

test('every request names the API version the daemon speaks, learned from one ping: the screen\'s listings and the commands alike', async () => {
	const proxy = await proxyToDaemon('versions');
	const listed = await runCli(['--host', `unix://${proxy.address}`, 'plugins', '--json']);
	assert.equal(listed.code, 0, listed.stderr);
	const images = await runCli(['--host', `unix://${proxy.address}`, 'images', '--json']);
	assert.equal(images.code, 0, images.stderr);
	const engine = await Engine.open(parseHost(`unix://${proxy.address}`, 'flag'));
	await listPlugins(engine);
	assert.equal(await engine.apiVersion(), daemonApi);

	const paths = proxy.seen.map(request => request.split(' ')[1] ?? '');
	assert.equal(paths.filter(item => item === '/_ping').length, 3, 'one ping per process');
	const unversioned = paths.filter(item => item !== '/_ping' && !item.startsWith(`/v${daemonApi}/`));
	assert.deepEqual(unversioned, [], `every other request is sent in ${daemonApi}`);
});

test('a daemon newer than any tested is spoken to in the newest tested, which it still takes', async () => {
	const proxy = await proxyToDaemon('newer');
	proxy.rule = request => (request.url === '/_ping' ? answer(200, 'OK', {'Content-Type': 'text/plain', 'Api-Version': '1.52'}) : undefined);
	const engine = await Engine.open(parseHost(`unix://${proxy.address}`, 'flag'));
	assert.equal(await engine.apiVersion(), newestKindApi, 'the newest an engine kind of these tests speaks');
});

test('a daemon that turns the agreed version down (replaced by an older one) is asked again, and the request goes through', async () => {
	const proxy = await proxyToDaemon('downgraded');
	const engine = await Engine.open(parseHost(`unix://${proxy.address}`, 'flag'));
	assert.equal(await engine.apiVersion(), daemonApi);
	let refused = 0;
	proxy.rule = request => {
		if (request.url?.includes('/plugins') && refused === 0) {
			refused++;
			return answer(400, JSON.stringify({message: `client version ${daemonApi} is too new. Maximum supported API version is 1.40`}));
		}

		return undefined;
	};
	const plugins = await listPlugins(engine);
	assert.ok(Array.isArray(plugins));
	assert.equal(refused, 1);
	const paths = proxy.seen.map(request => request.split(' ')[1] ?? '');
	assert.deepEqual(
		paths.map(item => (item === '/_ping' ? 'ping' : 'plugins')),
		['ping', 'plugins', 'ping', 'plugins'],
		'refused, pinged again, sent again',
	);
});
