import assert from 'node:assert/strict';
import fs from 'node:fs';
import {test} from 'node:test';
import {installPlugin, kasmBuilds, manifestDigest, moveTag, rollingStartsAt, rollingTag} from '../sandbox/fixtures.js';
import {processesInCgroups, processesMentioning} from '../sandbox/processes.js';
import {startSandbox} from '../sandbox/sandbox.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();

test('the sandbox runs the engine generation it was asked for, with its own image store', async () => {
	const expected = {
		'20.10': {version: /^20\.10\./, apiVersion: '1.41', imageStore: 'classic'},
		'26.1': {version: /^26\.1\./, apiVersion: '1.45', imageStore: 'classic'},
		'28.5-containerd': {version: /^28\.5\./, apiVersion: '1.51', imageStore: 'containerd'},
	}[sandbox.state.kind];
	assert.match(sandbox.state.engine.version, expected.version);
	assert.equal(sandbox.state.engine.apiVersion, expected.apiVersion);
	assert.equal(sandbox.state.engine.imageStore, expected.imageStore);
	const server = JSON.parse(await sandbox.docker(['version', '--format', '{{json .Server}}'])) as {Version: string};
	assert.equal(server.Version, sandbox.state.engine.version, 'the docker CLI reaches that daemon and no other');
});

test('the registry holds the Kasm-like repository: patch levels, a pre-release, another major, arm64 and a rolling tag', async () => {
	const response = await fetch(`http://${sandbox.registry}/v2/kasmweb/sidecar/tags/list`);
	const {tags} = (await response.json()) as {tags: string[]};
	for (const tag of ['amd64-1.2.9', 'amd64-1.2.10', 'amd64-1.3.0-rc.1', 'amd64-2.0.0', 'arm64-1.2.10', rollingTag]) {
		assert.ok(tags.includes(tag), `${tag} is in the registry`);
	}

	assert.equal(tags.length, kasmBuilds.length + 1);
	// String order puts 1.2.10 before 1.2.9: exactly what version math must not do.
	assert.ok('amd64-1.2.10' < 'amd64-1.2.9');
});

test('every build differs in content, and the rolling tag starts at the build of its release', async () => {
	const digests = await Promise.all(kasmBuilds.map(async build => manifestDigest(sandbox, 'kasmweb/sidecar', build.tag)));
	assert.equal(new Set(digests).size, kasmBuilds.length);
	assert.equal(await manifestDigest(sandbox, 'kasmweb/sidecar', rollingTag), await manifestDigest(sandbox, 'kasmweb/sidecar', rollingStartsAt));
});

test('a moved tag points at the other build without a new push', async () => {
	const tag = uniqueName('moving');
	await moveTag(sandbox, 'kasmweb/sidecar', tag, 'amd64-1.2.9');
	assert.equal(await manifestDigest(sandbox, 'kasmweb/sidecar', tag), await manifestDigest(sandbox, 'kasmweb/sidecar', 'amd64-1.2.9'));
	await moveTag(sandbox, 'kasmweb/sidecar', tag, 'amd64-1.2.10');
	assert.equal(await manifestDigest(sandbox, 'kasmweb/sidecar', tag), await manifestDigest(sandbox, 'kasmweb/sidecar', 'amd64-1.2.10'));
});

test('an installed fixture plugin serves volumes: created ones are listed, and its use blocks disabling', async () => {
	const alias = `${uniqueName('fixture/volumes')}:amd64-1.2.1`;
	const volume = uniqueName('vol');
	await installPlugin(sandbox, kasm.ref('amd64-1.2.1'), {alias});
	try {
		await sandbox.docker(['volume', 'create', '-d', alias, volume]);
		const listed = await sandbox.docker(['volume', 'ls', '--filter', `driver=${alias}`, '--format', '{{.Name}}']);
		assert.deepEqual(listed.trim().split('\n'), [volume]);
		await assert.rejects(sandbox.docker(['plugin', 'disable', alias]), /in use/);
		await sandbox.docker(['volume', 'rm', volume]);
		await sandbox.docker(['plugin', 'disable', alias]);
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', alias]);
	}
});

test('a second sandbox runs beside the first and, stopped, leaves no process and no folder behind', async () => {
	const second = await startSandbox();
	assert.equal(second.state.kind, sandbox.state.kind, 'a test\'s own sandbox runs the kind its file runs on');
	assert.notEqual(second.state.socket, sandbox.state.socket);
	assert.notEqual(second.registry, sandbox.registry);
	// An enabled plugin outlives its daemon unless the sandbox ends it: the hard case.
	await pushAndInstall(second);
	const pluginId = (await second.docker(['plugin', 'ls', '-q', '--no-trunc'])).trim();
	assert.ok(fs.existsSync(`/run/docker/plugins/${pluginId}/kasm.sock`), 'the plugin listens where dockerd puts plugin sockets');
	const running = processesMentioning([second.state.dir]);
	assert.ok(running.length >= 2, 'dockerd and the registry run');
	await second.stop();
	assert.deepEqual(processesMentioning([second.state.dir]), []);
	assert.deepEqual(processesInCgroups([pluginId]), [], 'the plugin process is gone');
	assert.equal(fs.existsSync(second.state.dir), false);
	assert.equal(fs.existsSync(`/run/docker/plugins/${pluginId}`), false, 'its socket folder is gone');
	assert.ok((await fetch(`http://${sandbox.registry}/v2/`)).ok, 'the first sandbox still answers');
});

async function pushAndInstall(target: typeof sandbox) {
	const {pushPluginBuild} = await import('../sandbox/fixtures.js');
	const reference = `${target.registry}/lone/plugin:1.0`;
	await pushPluginBuild(target, reference, {version: 'lone'});
	await installPlugin(target, reference);
	assert.match(await target.docker(['plugin', 'ls', '--format', '{{.Name}} {{.Enabled}}']), /lone\/plugin:1\.0 true/);
}
