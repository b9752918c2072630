import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {daemonSupportsDigestReferences} from '../../source/docker/digest-support.js';
import {Engine} from '../../source/docker/engine.js';
import {DigestReferenceUnsupported, PluginAlreadyEnabled, PluginEnabled, PluginInUse, PluginPullFailed} from '../../source/docker/errors.js';
import {
	disablePlugin,
	enablePlugin,
	inspectPlugin,
	pluginPrivileges,
	pullPlugin,
	removePlugin,
	upgradePlugin,
	type PluginProgress,
} from '../../source/docker/plugin-ops.js';
import {PluginNotFound} from '../../source/errors.js';
import {importImage, installPlugin, kasmRepositoryPath, manifestDigest} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const engine = await Engine.open(parseHost(sandbox.host, 'flag'));

/** Plugins this file installed, removed at the end whatever happened. */
const installed: string[] = [];
after(async () => {
	for (const name of installed) {
		await sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {});
	}
});

function pluginName(stem: string): string {
	const name = `${uniqueName(stem)}:latest`;
	installed.push(name);
	return name;
}

/** The rootfs diff_ids of a tag's plugin config blob in the registry: what the build is. */
async function registryDiffIds(tag: string): Promise<string[]> {
	const base = `http://${sandbox.registry}/v2/${kasmRepositoryPath}`;
	const manifest = (await (await fetch(`${base}/manifests/${tag}`, {headers: {Accept: 'application/vnd.docker.distribution.manifest.v2+json'}})).json()) as {
		config: {digest: string};
	};
	const config = (await (await fetch(`${base}/blobs/${manifest.config.digest}`)).json()) as {rootfs: {diff_ids: string[]}};
	return config.rootfs.diff_ids;
}

test('a plugin pulled through the wrapper is installed disabled with what was granted, reports progress and its digest, and enables', async () => {
	const name = pluginName('kt-ops-pull');
	const remote = kasm.ref('amd64-2.0.0');
	const privileges = await pluginPrivileges(engine, remote);
	assert.ok(privileges.some(privilege => privilege.name === 'capabilities' && privilege.value.includes('CAP_NET_ADMIN')));

	const progress: PluginProgress[] = [];
	const result = await pullPlugin(engine, {remote, name, privileges, onProgress: line => progress.push(line)});
	assert.equal(result.digest, await manifestDigest(sandbox, kasmRepositoryPath, 'amd64-2.0.0'));
	assert.ok(progress.some(line => line.status.startsWith('Pulling from')), 'progress was reported');

	const pulled = await inspectPlugin(engine, name);
	assert.equal(pulled.enabled, false);
	assert.equal(pulled.reference, remote);
	assert.deepEqual(pulled.diffIds, await registryDiffIds('amd64-2.0.0'));

	await enablePlugin(engine, name);
	assert.equal((await inspectPlugin(engine, name)).enabled, true);
	await assert.rejects(enablePlugin(engine, name), (error: unknown) => error instanceof PluginAlreadyEnabled && error.exitCode === 3);

	await disablePlugin(engine, name);
	await removePlugin(engine, name);
	await assert.rejects(inspectPlugin(engine, name), PluginNotFound);
});

test('a disabled plugin upgrades to another tag: its name stays, its reference and diff_ids become the new build\'s', async () => {
	const name = pluginName('kt-ops-upgrade');
	await pullPlugin(engine, {remote: kasm.ref('amd64-1.2.0'), name, privileges: await pluginPrivileges(engine, kasm.ref('amd64-1.2.0'))});
	const before = await inspectPlugin(engine, name);
	assert.deepEqual(before.diffIds, await registryDiffIds('amd64-1.2.0'));

	const remote = kasm.ref('amd64-1.2.1');
	const result = await upgradePlugin(engine, name, {remote, privileges: await pluginPrivileges(engine, remote)});
	assert.equal(result.digest, await manifestDigest(sandbox, kasmRepositoryPath, 'amd64-1.2.1'));
	const after = await inspectPlugin(engine, name);
	assert.equal(after.name, name);
	assert.equal(after.id, before.id);
	assert.equal(after.reference, remote);
	assert.equal(after.tag, 'amd64-1.2.1');
	assert.deepEqual(after.diffIds, await registryDiffIds('amd64-1.2.1'));
	assert.notDeepEqual(after.diffIds, before.diffIds);
});

test('upgrading an enabled plugin is refused with exit 3 and leaves it running', async () => {
	const name = pluginName('kt-ops-enabled');
	await installPlugin(sandbox, kasm.ref('amd64-1.2.0'), {alias: name});
	const remote = kasm.ref('amd64-1.2.1');
	await assert.rejects(
		upgradePlugin(engine, name, {remote, privileges: await pluginPrivileges(engine, remote)}),
		(error: unknown) => error instanceof PluginEnabled && error.exitCode === 3 && error.message.includes(name) && /disable it first/.test(error.message),
	);
	const plugin = await inspectPlugin(engine, name);
	assert.equal(plugin.enabled, true);
	assert.equal(plugin.tag, 'amd64-1.2.0');
});

test('an error line in the pull stream fails the call, even though the daemon answered 200', async () => {
	// An image is not a plugin: the daemon streams the pull, then reports the missing plugin config in band.
	const image = `${sandbox.registry}/${uniqueName('kt-ops/plain-image')}:1`;
	await importImage(sandbox, image);
	await sandbox.docker(['push', image]);
	await sandbox.docker(['image', 'rm', image]);
	const name = pluginName('kt-ops-not-a-plugin');
	const progress: PluginProgress[] = [];
	await assert.rejects(
		pullPlugin(engine, {remote: image, name, privileges: [], onProgress: line => progress.push(line)}),
		(error: unknown) => error instanceof PluginPullFailed && error.exitCode === 1 && /plugin config is missing/.test(error.message),
	);
	assert.ok(progress.some(line => line.status.startsWith('Digest: sha256:')), 'the stream had begun, so the error came in band');
	await assert.rejects(inspectPlugin(engine, name), PluginNotFound);
});

test('an upgrade granting other privileges than the new build asks fails in band and keeps the old build', async () => {
	const name = pluginName('kt-ops-privileges');
	const old = kasm.ref('amd64-1.2.0');
	const oldPrivileges = await pluginPrivileges(engine, old);
	await pullPlugin(engine, {remote: old, name, privileges: oldPrivileges});
	// 2.0.0 also asks for CAP_NET_ADMIN; granting 1.2.0's list is not enough.
	await assert.rejects(
		upgradePlugin(engine, name, {remote: kasm.ref('amd64-2.0.0'), privileges: oldPrivileges}),
		(error: unknown) => error instanceof PluginPullFailed && /incorrect privileges/.test(error.message),
	);
	const plugin = await inspectPlugin(engine, name);
	assert.equal(plugin.reference, old);
	assert.deepEqual(plugin.diffIds, await registryDiffIds('amd64-1.2.0'));
});

test('disabling a plugin a volume and a network use is refused with exit 3, naming the plugin and what uses it', async () => {
	const name = pluginName('kt-ops-in-use');
	await installPlugin(sandbox, kasm.ref('amd64-1.2.0'), {alias: name});
	const volume = uniqueName('kt-ops-vol');
	const network = uniqueName('kt-ops-net');
	await sandbox.docker(['volume', 'create', '-d', name, volume]);
	await sandbox.docker(['network', 'create', '-d', name, '--subnet', `198.18.${Math.floor(Math.random() * 256)}.0/24`, network]);
	try {
		await assert.rejects(
			disablePlugin(engine, name),
			(error: unknown) =>
				error instanceof PluginInUse &&
				error.exitCode === 3 &&
				error.plugin === name &&
				error.message.includes(name) &&
				error.message.includes(volume) &&
				error.message.includes(network) &&
				!error.message.includes('\n'),
		);
		await assert.rejects(removePlugin(engine, name), PluginInUse);
		assert.equal((await inspectPlugin(engine, name)).enabled, true);

		// force reaches the daemon (dockerode's disable would drop it).
		await disablePlugin(engine, name, {force: true});
		assert.equal((await inspectPlugin(engine, name)).enabled, false);
		await enablePlugin(engine, name);
	} finally {
		await sandbox.docker(['network', 'rm', network]).catch(() => {});
		await sandbox.docker(['volume', 'rm', '--force', volume]).catch(() => {});
	}
});

test('a plugin the daemon does not have is PluginNotFound (exit 2) for every operation on it', async () => {
	const missing = uniqueName('kt-ops-missing');
	const remote = kasm.ref('amd64-1.2.1');
	for (const operation of [
		async () => inspectPlugin(engine, missing),
		async () => enablePlugin(engine, missing),
		async () => disablePlugin(engine, missing),
		async () => removePlugin(engine, missing),
		async () => upgradePlugin(engine, missing, {remote, privileges: []}),
	]) {
		await assert.rejects(operation(), (error: unknown) => error instanceof PluginNotFound && error.exitCode === 2 && error.message.includes(missing));
	}
});

test('a digest reference is never sent to a daemon that crashes on it (moby/moby#47299), and is to one that does not', async () => {
	const {version} = await engine.version();
	const digest = await manifestDigest(sandbox, kasmRepositoryPath, 'amd64-1.2.1');
	const remote = `${kasm.repository}@${digest}`;
	if (daemonSupportsDigestReferences(version)) {
		// A daemon with the fix is asked as usual (the sandbox's Debian 20.10 never takes this path).
		assert.ok(Array.isArray(await pluginPrivileges(engine, remote)));
		return;
	}

	const callsBefore = engine.calls;
	const refused = (error: unknown) =>
		error instanceof DigestReferenceUnsupported && error.exitCode === 3 && error.message.includes(version) && /use a tag/.test(error.message);
	await assert.rejects(pluginPrivileges(engine, remote), refused);
	await assert.rejects(pullPlugin(engine, {remote, name: pluginName('kt-ops-digest'), privileges: []}), refused);
	await assert.rejects(upgradePlugin(engine, 'anything', {remote, privileges: []}), refused);
	assert.equal(engine.calls, callsBefore, 'nothing was sent: the version was already known');
	assert.match(await sandbox.docker(['version', '--format', '{{.Server.Version}}']), /\d/, 'the daemon is still up');
});
