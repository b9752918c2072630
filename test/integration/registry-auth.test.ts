import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {RegistryClient} from '../../source/registry/client.js';
import {DockerCredentials} from '../../source/registry/credentials.js';
import {RegistryAuthFailed} from '../../source/registry/errors.js';
import {latestTag} from '../../source/registry/versions.js';
import {copyTag, startPasswordRegistry, startTokenRegistry, type AuthRegistry, type TokenRegistry} from '../sandbox/auth-registry.js';
import {kasmRepositoryPath} from '../sandbox/fixtures.js';
import {useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const password = `pw-${randomBytes(12).toString('hex')}`;
const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
const copied = ['amd64-1.2.9', 'amd64-1.2.10', 'amd64-1.2-rolling'];
let folders = 0;

/** A docker config folder of its own, with `config.json` and optional helper scripts on a PATH. */
function dockerConfig(config: unknown, helpers: Record<string, string> = {}): {configDir: string; env: NodeJS.ProcessEnv} {
	const configDir = path.join(sandbox.state.dir, `registry-auth-config-${process.pid}-${folders++}`);
	const bin = path.join(configDir, 'bin');
	fs.mkdirSync(bin, {recursive: true});
	fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config));
	for (const [name, script] of Object.entries(helpers)) {
		fs.writeFileSync(path.join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`, {mode: 0o755});
	}

	return {configDir, env: {...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`}};
}

const basicAuth = (user: string, secret: string) => ({auth: Buffer.from(`${user}:${secret}`).toString('base64')});

/** Every error line the client produced, for the check that no secret is in any. */
async function failure(promise: Promise<unknown>): Promise<RegistryAuthFailed> {
	try {
		await promise;
	} catch (error) {
		assert.ok(error instanceof RegistryAuthFailed, `a RegistryAuthFailed, not ${String(error)}`);
		assert.equal(error.exitCode, 1);
		assert.doesNotMatch(error.message, /\n/);
		assert.ok(!error.message.includes(password) && !error.message.includes(wrongPassword), 'no password in the message');
		assert.ok(!error.stack?.includes(password) && !error.stack?.includes(wrongPassword), 'no password in the stack either');
		return error;
	}

	assert.fail('the registry let us in');
}

describe('a registry that wants a password (htpasswd, Basic auth)', () => {
	let registry: AuthRegistry;
	const repository = () => ({registry: registry.address, repository: kasmRepositoryPath});
	before(async () => {
		registry = await startPasswordRegistry(sandbox, [{name: 'alice', password}]);
		for (const tag of copied) {
			await copyTag(sandbox, registry, kasmRepositoryPath, tag);
		}
	});
	after(async () => registry?.stop());

	test('without credentials it says which registry wants them and to run docker login', async () => {
		const error = await failure(new RegistryClient({credentials: new DockerCredentials(dockerConfig({}))}).listTags(repository()));
		assert.equal(
			error.message,
			`registry ${registry.address} wants credentials to list the tags of ${registry.address}/${kasmRepositoryPath} (HTTP 401) and none are configured: run "docker login ${registry.address}"`,
		);
	});

	test('credentials from a docker config folder (auths.auth) open it', async () => {
		const credentials = new DockerCredentials(dockerConfig({auths: {[registry.address]: basicAuth('alice', password)}}));
		const client = new RegistryClient({credentials});
		const tags = await client.listTags(repository());
		assert.deepEqual([...tags].sort(), [...copied].sort());
		assert.equal(latestTag(tags, 'amd64-1.2'), 'amd64-1.2.10');
		const rolling = await client.build({...repository(), tag: 'amd64-1.2-rolling'});
		assert.equal(rolling.digest, (await client.build({...repository(), tag: 'amd64-1.2.9'})).digest);
	});

	test('credentials from a credential helper script on PATH open it, asked for by the registry host', async () => {
		const asked = path.join(sandbox.state.dir, `helper-asked-${process.pid}`);
		const options = dockerConfig(
			{credHelpers: {[registry.address]: 'kasmtest'}, auths: {[registry.address]: {}}},
			{kasmtest: `[ "$1" = get ] || exit 2\ncat > '${asked}'\nprintf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}' "$(cat '${asked}')" '${password}'`},
		);
		const tags = await new RegistryClient({credentials: new DockerCredentials(options)}).listTags(repository());
		assert.deepEqual([...tags].sort(), [...copied].sort());
		assert.equal(fs.readFileSync(asked, 'utf8'), registry.address);
	});

	test('the wrong password is one clear line naming the registry, the user and where it came from, and never the password', async () => {
		const options = dockerConfig({auths: {[`https://${registry.address}/v2/`]: basicAuth('alice', wrongPassword)}});
		const error = await failure(new RegistryClient({credentials: new DockerCredentials(options)}).listTags(repository()));
		assert.equal(
			error.message,
			`registry ${registry.address} refused the credentials of user "alice" from ${path.join(options.configDir, 'config.json')} (HTTP 401) to list the tags of ${registry.address}/${kasmRepositoryPath}: check them, or run "docker login ${registry.address}" again`,
		);
	});

	test('a credential helper that is not installed is named in one line', async () => {
		const options = dockerConfig({credsStore: 'kasmtest-missing'});
		await assert.rejects(new RegistryClient({credentials: new DockerCredentials(options)}).listTags(repository()), /docker-credential-kasmtest-missing is not installed or not on PATH/);
	});
});

describe('a registry with token auth (the Bearer flow, as Docker Hub and most registries use)', () => {
	let registry: TokenRegistry;
	const repository = () => ({registry: registry.address, repository: kasmRepositoryPath});
	before(async () => {
		registry = await startTokenRegistry(sandbox, [{name: 'bob', password}]);
		for (const tag of copied) {
			await copyTag(sandbox, registry, kasmRepositoryPath, tag);
		}
	});
	after(async () => registry?.stop());

	test('a token fetched with the password opens it, and one token serves every request of that scope', async () => {
		const credentials = new DockerCredentials(dockerConfig({auths: {[registry.address]: basicAuth('bob', password)}}));
		const client = new RegistryClient({credentials});
		const before = registry.tokenRequests();
		const tags = await client.listTags(repository());
		assert.deepEqual([...tags].sort(), [...copied].sort());
		const builds = await Promise.all(tags.map(async tag => client.build({...repository(), tag})));
		assert.equal(builds[tags.indexOf('amd64-1.2-rolling')]!.digest, builds[tags.indexOf('amd64-1.2.9')]!.digest);
		assert.equal(registry.tokenRequests() - before, 1, 'the token server was asked once');
	});

	test('a token from a credential helper works the same', async () => {
		const options = dockerConfig({credsStore: 'kasmtest'}, {kasmtest: `cat >/dev/null; printf '{"Username":"bob","Secret":"%s"}' '${password}'`});
		const tags = await new RegistryClient({credentials: new DockerCredentials(options)}).listTags(repository());
		assert.equal(tags.length, copied.length);
	});

	test('the wrong password is refused by the token server: one line, no password', async () => {
		const options = dockerConfig({auths: {[registry.address]: basicAuth('bob', wrongPassword)}});
		const error = await failure(new RegistryClient({credentials: new DockerCredentials(options)}).listTags(repository()));
		assert.match(error.message, new RegExp(`^registry ${registry.address} refused the credentials of user "bob" from .+config\\.json \\(HTTP 401\\) to ask its token server for access`));
	});

	test('an anonymous token that grants nothing ends in "wants credentials", not a loop', async () => {
		const before = registry.tokenRequests();
		const error = await failure(new RegistryClient({credentials: new DockerCredentials(dockerConfig({}))}).listTags(repository()));
		assert.match(error.message, /wants credentials .* run "docker login 127\.0\.0\.1:\d+"$/);
		assert.equal(registry.tokenRequests() - before, 1);
	});
});
