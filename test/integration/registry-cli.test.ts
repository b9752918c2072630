import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {runCli, type CliResult} from '../helpers/cli.js';
import {copyTag, startPasswordRegistry, type AuthRegistry} from '../sandbox/auth-registry.js';
import {importImage, installPlugin, kasmRepositoryPath, pushPluginBuild, rollingTag} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const env = {DOCKER_CONFIG: sandbox.state.dockerConfig};

/** Exit code, nothing on stdout, exactly one line on stderr without a stack trace. */
function assertOneLineFailure(result: CliResult, code: number, message: RegExp): void {
	assert.equal(result.code, code, result.stderr);
	assert.equal(result.stdout, '');
	const lines = result.stderr.trimEnd().split('\n');
	assert.equal(lines.length, 1, result.stderr);
	assert.match(lines[0]!, message);
}

test('kasm-tui tags REF prints the tags newest version first, one a line', async () => {
	const result = await runCli(['--host', sandbox.host, 'tags', kasm.repository], {env});
	assert.equal(result.code, 0, result.stderr);
	// Other test files sharing the sandbox may add tags of their own to the repository.
	const tags = result.stdout.trimEnd().split('\n').filter(tag => kasm.tags.includes(tag));
	assert.deepEqual(tags.slice(0, 5), ['amd64-2.0.0', 'arm64-1.3.0', 'amd64-1.3.0-rc.1', 'amd64-1.2-rolling', 'amd64-1.2.10']);
	assert.equal(tags.indexOf('amd64-1.2.10') < tags.indexOf('amd64-1.2.9'), true, '1.2.10 is newer than 1.2.9');
	assert.equal(tags.length, kasm.tags.length);
});

test('kasm-tui tags PLUGIN --json marks the installed tag and the build it equals', async () => {
	const alias = `${uniqueName('kasmweb/cli-tags')}:amd64-1.2-rolling`;
	await installPlugin(sandbox, kasm.ref(rollingTag), {alias, disabled: true});
	try {
		const result = await runCli(['--host', sandbox.host, 'tags', alias, '--json'], {env});
		assert.equal(result.code, 0, result.stderr);
		const rows = JSON.parse(result.stdout) as Array<{tag: string; installed?: boolean; installedBuild?: boolean}>;
		assert.deepEqual(
			rows.filter(row => row.installed).map(row => row.tag),
			[rollingTag],
		);
		assert.deepEqual(
			rows.filter(row => row.installedBuild).map(row => row.tag),
			[rollingTag, 'amd64-1.2.9'],
		);
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', alias]);
	}
});

test('kasm-tui latest REPO:amd64-1.2 prints REPO:amd64-1.2.10, and --json its parts', async () => {
	const text = await runCli(['latest', kasm.ref('amd64-1.2')], {env});
	assert.equal(text.code, 0, text.stderr);
	assert.equal(text.stdout, `${kasm.ref('amd64-1.2.10')}\n`);
	const json = await runCli(['latest', kasm.ref('amd64-1'), '--json'], {env});
	assert.equal(json.code, 0, json.stderr);
	assert.deepEqual(JSON.parse(json.stdout), {reference: kasm.ref('amd64-1.2.10'), tag: 'amd64-1.2.10', repository: kasm.repository});
	assert.equal((await runCli(['latest', kasm.ref('amd64')], {env})).stdout, `${kasm.ref('amd64-2.0.0')}\n`);
});

test('kasm-tui latest understands plain version tags, for images and plugins alike: repo:2 → repo:2.0.3', async () => {
	const images = `${sandbox.registry}/${uniqueName('private/app')}`;
	for (const tag of ['2.0.1', '2.0.3', '2.1.0-rc.1', '2.0.4-rolling', '1.9.0']) {
		await importImage(sandbox, `${images}:${tag}`, tag);
		await sandbox.docker(['push', `${images}:${tag}`]);
		await sandbox.docker(['rmi', `${images}:${tag}`]);
	}

	const plugins = `${sandbox.registry}/${uniqueName('kasmweb/plain')}`;
	for (const tag of ['1.16.0', '1.16.2', '1.17.0-rc.1', '1.16-rolling']) {
		await pushPluginBuild(sandbox, `${plugins}:${tag}`, {version: tag});
	}

	for (const [argument, expected] of [
		[`${images}:2`, `${images}:2.0.3`],
		[`${images}:2.0`, `${images}:2.0.3`],
		[`${images}:1`, `${images}:1.9.0`],
		// No tag: nothing for this host's architecture, so the newest plain release.
		[images, `${images}:2.0.3`],
		[`${plugins}:1.16`, `${plugins}:1.16.2`],
		[`${plugins}:1.16-rolling`, `${plugins}:1.16.2`],
	]) {
		const result = await runCli(['latest', argument!], {env});
		assert.equal(result.code, 0, `${argument}: ${result.stderr}`);
		assert.equal(result.stdout, `${expected}\n`, argument);
	}

	// Only a release candidate on 1.17, and an architecture's tags are not plain versions.
	assertOneLineFailure(await runCli(['latest', `${plugins}:1.17`], {env}), 1, /no release tag under 1\.17 in /);
	assertOneLineFailure(await runCli(['latest', `${plugins}:amd64-1.16`], {env}), 1, /no release tag under amd64-1\.16 in /);
});

test('kasm-tui latest with no release under the prefix exits 1 with one line', async () => {
	assertOneLineFailure(await runCli(['latest', kasm.ref('amd64-1.3')], {env}), 1, /^kasm-tui: no release tag under amd64-1\.3 in /);
});

test('kasm-tui latest of a malformed reference or a missing repository exits 2 with one line', async () => {
	assertOneLineFailure(await runCli(['latest', 'Not/A Reference'], {env}), 2, /is not an image or plugin reference/);
	assertOneLineFailure(await runCli(['latest', kasm.ref('amd64-1.x')], {env}), 2, /is not a version prefix/);
	assertOneLineFailure(await runCli(['latest', `${sandbox.registry}/nobody/here:amd64-1`], {env}), 2, /has no repository nobody\/here/);
});

test('kasm-tui tags REF needs no daemon', async () => {
	const result = await runCli(['--host', 'unix:///nonexistent/docker.sock', 'tags', kasm.ref('amd64-1.2')], {env});
	assert.equal(result.code, 0, result.stderr);
	assert.equal(result.stdout.trimEnd().split('\n').filter(tag => kasm.tags.includes(tag)).length, kasm.tags.length);
	assert.match(result.stderr, /no daemon at unix:\/\/\/nonexistent\/docker\.sock/);
});

test('a registry answering an HTML page is one line, exit 1', async () => {
	const server = http.createServer((_request, response) => {
		response.writeHead(200, {'Content-Type': 'text/html'});
		response.end('<html><body>Sign in to continue</body></html>');
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	try {
		const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
		assertOneLineFailure(await runCli(['latest', `${address}/kasmweb/sidecar:amd64-1.2`], {env}), 1, /answered an HTML page instead of the registry API/);
	} finally {
		server.closeAllConnections();
		server.close();
	}
});

describe('a registry that wants a password, through the CLI', () => {
	const password = `pw-${randomBytes(12).toString('hex')}`;
	const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
	let registry: AuthRegistry;
	let folders = 0;
	const reference = (tag: string) => `${registry.address}/${kasmRepositoryPath}:${tag}`;
	function configFolder(config: unknown): string {
		const folder = path.join(sandbox.state.dir, `cli-auth-${process.pid}-${folders++}`);
		fs.mkdirSync(folder, {recursive: true});
		fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify(config));
		return folder;
	}

	const assertNoSecret = (result: CliResult) => {
		for (const secret of [password, wrongPassword, Buffer.from(`alice:${password}`).toString('base64'), Buffer.from(`alice:${wrongPassword}`).toString('base64')]) {
			assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'no secret in any output');
		}
	};

	before(async () => {
		registry = await startPasswordRegistry(sandbox, [{name: 'alice', password}]);
		for (const tag of ['amd64-1.2.9', 'amd64-1.2.10']) {
			await copyTag(sandbox, registry, kasmRepositoryPath, tag);
		}
	});
	after(async () => registry?.stop());

	test('credentials from DOCKER_CONFIG (auths) let latest and tags through', async () => {
		const DOCKER_CONFIG = configFolder({auths: {[registry.address]: {auth: Buffer.from(`alice:${password}`).toString('base64')}}});
		const latest = await runCli(['latest', reference('amd64-1.2')], {env: {DOCKER_CONFIG}});
		assert.equal(latest.code, 0, latest.stderr);
		assert.equal(latest.stdout, `${reference('amd64-1.2.10')}\n`);
		const tags = await runCli(['tags', reference('amd64-1.2'), '--json'], {env: {DOCKER_CONFIG}});
		assert.equal(tags.code, 0, tags.stderr);
		assertNoSecret(latest);
		assertNoSecret(tags);
	});

	test('credentials from a docker-credential-kasmtest helper on PATH let it through', async () => {
		const bin = path.join(sandbox.state.dir, `cli-helper-${process.pid}`);
		fs.mkdirSync(bin, {recursive: true});
		fs.writeFileSync(path.join(bin, 'docker-credential-kasmtest'), `#!/bin/sh\ncat >/dev/null\nprintf '{"Username":"alice","Secret":"%s"}' '${password}'\n`, {mode: 0o755});
		const DOCKER_CONFIG = configFolder({credHelpers: {[registry.address]: 'kasmtest'}});
		const result = await runCli(['latest', reference('amd64-1.2')], {env: {DOCKER_CONFIG, PATH: `${bin}:${process.env.PATH ?? ''}`}});
		assert.equal(result.code, 0, result.stderr);
		assert.equal(result.stdout, `${reference('amd64-1.2.10')}\n`);
		assertNoSecret(result);
	});

	test('the wrong password is one line, exit 1, and the password appears in no output', async () => {
		const DOCKER_CONFIG = configFolder({auths: {[registry.address]: {auth: Buffer.from(`alice:${wrongPassword}`).toString('base64')}}});
		for (const args of [['latest', reference('amd64-1.2')], ['tags', reference('amd64-1.2')], ['--host', sandbox.host, 'tags', reference('amd64-1.2'), '--json']]) {
			const result = await runCli(args, {env: {DOCKER_CONFIG}});
			assertOneLineFailure(result, 1, new RegExp(`registry ${registry.address} refused the credentials of user "alice"`));
			assertNoSecret(result);
		}
	});

	test('no credentials at all is one line saying to run docker login, exit 1', async () => {
		const result = await runCli(['latest', reference('amd64-1.2')], {env: {DOCKER_CONFIG: configFolder({})}});
		assertOneLineFailure(result, 1, new RegExp(`run "docker login ${registry.address}"$`));
	});
});
