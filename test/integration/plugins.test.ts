import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {installPlugin, pushPluginBuild} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();

interface PluginJson {
	name: string;
	reference: string;
	tag: string;
	id: string;
	enabled: boolean;
	rolling: boolean;
	description: string;
	types: string[];
	privileges: Array<{name: string; value: string[]}>;
}

const rollingAlias = `${uniqueName('kasmweb/sidecar')}:amd64-1.2-rolling`;
const pinnedAlias = `${uniqueName('kasmweb/pinned')}:amd64-2.0.0`;
await installPlugin(sandbox, kasm.ref('amd64-1.2-rolling'), {alias: rollingAlias});
await installPlugin(sandbox, kasm.ref('amd64-2.0.0'), {alias: pinnedAlias, disabled: true});

test('plugins --json lists each plugin as the engine reports it', async () => {
	const result = await runCli(['--host', sandbox.host, 'plugins', '--json']);
	assert.equal(result.code, 0, result.stderr);
	const listed = JSON.parse(result.stdout) as PluginJson[];
	const inspected = JSON.parse(await sandbox.docker(['plugin', 'inspect', rollingAlias, pinnedAlias])) as Array<{
		Id: string;
		Name: string;
		Enabled: boolean;
		PluginReference: string;
		Config: {Description: string; Interface: {Types: string[]}};
	}>;
	for (const engine of inspected) {
		const plugin = listed.find(candidate => candidate.name === engine.Name);
		assert.ok(plugin, `${engine.Name} is listed`);
		assert.equal(plugin.id, engine.Id);
		assert.equal(plugin.reference, engine.PluginReference);
		assert.equal(plugin.enabled, engine.Enabled);
		assert.equal(plugin.description, engine.Config.Description);
		assert.deepEqual(plugin.types, engine.Config.Interface.Types);
	}
});

test('a rolling alias is marked rolling and a pinned one is not; tags come from the remote reference', async () => {
	const result = await runCli(['--host', sandbox.host, 'plugins', '--json']);
	const listed = JSON.parse(result.stdout) as PluginJson[];
	const rolling = listed.find(plugin => plugin.name === rollingAlias);
	const pinned = listed.find(plugin => plugin.name === pinnedAlias);
	assert.equal(rolling?.rolling, true);
	assert.equal(rolling?.enabled, true);
	assert.equal(rolling?.tag, 'amd64-1.2-rolling');
	assert.equal(pinned?.rolling, false);
	assert.equal(pinned?.enabled, false);
	assert.equal(pinned?.tag, 'amd64-2.0.0');
});

test('the privileges shown are the ones the daemon asks an installer to grant', async () => {
	const result = await runCli(['--host', sandbox.host, 'plugins', '--json']);
	const pinned = (JSON.parse(result.stdout) as PluginJson[]).find(plugin => plugin.name === pinnedAlias);
	const asked = await fetchPrivileges(kasm.ref('amd64-2.0.0'));
	assert.deepEqual(
		pinned?.privileges.map(privilege => ({name: privilege.name, value: privilege.value})),
		asked.map(privilege => ({name: privilege.Name, value: privilege.Value})),
	);
	assert.ok(asked.some(privilege => privilege.Name === 'capabilities' && privilege.Value.includes('CAP_NET_ADMIN')));
});

test('plugins prints a table people can read, one row per plugin', async () => {
	const result = await runCli(['plugins'], {env: {DOCKER_HOST: sandbox.host}});
	assert.equal(result.code, 0, result.stderr);
	const lines = result.stdout.trimEnd().split('\n');
	assert.match(lines[0] ?? '', /^NAME\s+REFERENCE\s+ENABLED\s+ROLLING\s+ID\s+IN USE BY$/);
	const row = lines.find(line => line.startsWith(rollingAlias + ' '));
	assert.ok(row, 'the rolling plugin has a row');
	assert.match(row, /\byes\s+yes\b/);
	assert.match(lines.find(line => line.startsWith(pinnedAlias + ' ')) ?? '', /\bno\s+no\b/);
});

test('a description carrying terminal escapes is printed without them', async () => {
	const reference = `${sandbox.registry}/${uniqueName('hostile/plugin')}:1.0`;
	await pushPluginBuild(sandbox, reference, {
		version: 'hostile',
		description: 'evil\u001B]0;pwned title\u0007 \u001B[2J\u001B[31mred\u001B[0m\u0007 end',
	});
	await installPlugin(sandbox, reference, {disabled: true});
	try {
		for (const args of [['plugins'], ['plugins', '--json']]) {
			const result = await runCli(['--host', sandbox.host, ...args]);
			assert.equal(result.code, 0, result.stderr);
			assert.ok(!/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(result.stdout), `no control characters in ${args.join(' ')}`);
			assert.ok(!result.stdout.includes('pwned title'));
		}

		const listed = JSON.parse((await runCli(['--host', sandbox.host, 'plugins', '--json'])).stdout) as PluginJson[];
		assert.equal(listed.find(plugin => plugin.reference === reference)?.description, 'evil red end');
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', reference]);
	}
});

test('a daemon that is not there gets one line naming the address and what to do, exit 1', async () => {
	const result = await runCli(['--host', 'unix:///nonexistent/docker.sock', 'plugins']);
	assert.equal(result.code, 1);
	assert.equal(result.stdout, '');
	const lines = result.stderr.trimEnd().split('\n');
	assert.equal(lines.length, 1, result.stderr);
	assert.match(lines[0]!, /unix:\/\/\/nonexistent\/docker\.sock/);
	assert.match(lines[0]!, /--host|DOCKER_HOST/);
	assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
});

test('an address that is not a Docker host is bad input, exit 2', async () => {
	const result = await runCli(['--host', 'ftp://example', 'plugins']);
	assert.equal(result.code, 2);
	assert.equal(result.stderr.trimEnd().split('\n').length, 1);
});

test('an unknown command or flag is bad input with a pointer to --help, exit 2', async () => {
	for (const args of [['frobnicate'], ['plugins', '--frob'], ['plugins', 'extra']]) {
		const result = await runCli(['--host', sandbox.host, ...args]);
		assert.equal(result.code, 2, args.join(' '));
		assert.match(result.stderr, /--help|usage/);
		assert.equal(result.stderr.trimEnd().split('\n').length, 1);
	}
});

/** What the daemon itself asks an installer to grant for a remote. */
async function fetchPrivileges(remote: string): Promise<Array<{Name: string; Value: string[]}>> {
	const {request} = await import('node:http');
	return new Promise((resolve, reject) => {
		const req = request({socketPath: sandbox.state.socket, path: `/plugins/privileges?remote=${encodeURIComponent(remote)}`}, response => {
			let body = '';
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => resolve(JSON.parse(body) as Array<{Name: string; Value: string[]}>));
		});
		req.on('error', reject);
		req.end();
	});
}
