import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {DockerCredentials, dockerConfigDir} from '../../source/registry/credentials.js';
import {CredentialHelperFailed, DockerConfigUnusable} from '../../source/registry/errors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-credentials-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));

const jsonKey = JSON.stringify({type: 'service_account', private_key: '-----BEGIN PRIVATE KEY-----\nAB:CD\n-----END PRIVATE KEY-----\n'});
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

let folders = 0;
/** A docker config folder with this config.json and a bin folder for helpers, put first on PATH. */
function configFolder(config: unknown, helpers: Record<string, string> = {}): {configDir: string; env: NodeJS.ProcessEnv} {
	const configDir = path.join(root, `config-${folders++}`);
	const bin = path.join(configDir, 'bin');
	fs.mkdirSync(bin, {recursive: true});
	fs.writeFileSync(path.join(configDir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
	for (const [name, script] of Object.entries(helpers)) {
		const file = path.join(bin, `docker-credential-${name}`);
		fs.writeFileSync(file, `#!/bin/sh\n${script}\n`);
		fs.chmodSync(file, 0o755);
	}

	return {configDir, env: {PATH: `${bin}:/usr/bin:/bin`}};
}

test('the config folder is the option, else DOCKER_CONFIG, else ~/.docker', () => {
	assert.equal(dockerConfigDir({configDir: '/x', env: {DOCKER_CONFIG: '/y'}}), '/x');
	assert.equal(dockerConfigDir({env: {DOCKER_CONFIG: '/y'}}), '/y');
	assert.equal(dockerConfigDir({env: {}}), path.join(os.homedir(), '.docker'));
});

test('docker login credentials are found under the host however the key was written', async () => {
	const credentials = new DockerCredentials(
		configFolder({
			auths: {
				'127.0.0.1:5000': {auth: basic('alice', 'pa:ss')},
				'https://registry.example.com/v2/': {auth: basic('bob', 'secret')},
			},
		}),
	);
	assert.deepEqual(await credentials.get('127.0.0.1:5000'), {username: 'alice', password: 'pa:ss', source: credentials.configFile});
	assert.equal((await credentials.get('registry.example.com'))?.username, 'bob');
	assert.equal(await credentials.get('127.0.0.1:6000'), undefined);
});

test("Docker Hub's credentials are found under its legacy key and its other names", async () => {
	for (const key of ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']) {
		const credentials = new DockerCredentials(configFolder({auths: {[key]: {auth: basic('hubuser', 'hubpass')}}}));
		for (const registry of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
			assert.equal((await credentials.get(registry))?.username, 'hubuser', `${key} for ${registry}`);
		}
	}
});

test('Google registries: _json_key and _json_key_base64 users keep their key as the password, colons and all', async () => {
	const base64Key = Buffer.from(jsonKey).toString('base64');
	const credentials = new DockerCredentials(
		configFolder({auths: {'gcr.io': {auth: basic('_json_key', jsonKey)}, 'europe-docker.pkg.dev': {auth: basic('_json_key_base64', base64Key)}}}),
	);
	assert.deepEqual(await credentials.get('gcr.io'), {username: '_json_key', password: jsonKey, source: credentials.configFile});
	assert.deepEqual(await credentials.get('europe-docker.pkg.dev'), {username: '_json_key_base64', password: base64Key, source: credentials.configFile});
});

test('an identity token from docker login is kept as one', async () => {
	const credentials = new DockerCredentials(configFolder({auths: {'https://index.docker.io/v1/': {auth: '', identitytoken: 'refresh-me'}}}));
	assert.deepEqual(await credentials.get('docker.io'), {identityToken: 'refresh-me', source: credentials.configFile});
});

test('a credential helper for the host wins over credsStore, which wins over auths', async () => {
	const options = configFolder(
		{
			credHelpers: {'127.0.0.1:5000': 'perhost'},
			credsStore: 'store',
			auths: {'127.0.0.1:5000': {auth: basic('file', 'file')}, 'other:1': {auth: basic('file', 'file')}},
		},
		{
			perhost: 'url=$(cat); printf \'{"ServerURL":"%s","Username":"perhost %s","Secret":"s1"}\' "$url" "$url"',
			store: 'url=$(cat); printf \'{"ServerURL":"%s","Username":"store %s","Secret":"s2"}\' "$url" "$url"',
		},
	);
	const credentials = new DockerCredentials(options);
	assert.deepEqual(await credentials.get('127.0.0.1:5000'), {username: 'perhost 127.0.0.1:5000', password: 's1', source: 'docker-credential-perhost'});
	assert.deepEqual(await credentials.get('other:1'), {username: 'store other:1', password: 's2', source: 'docker-credential-store'});
	assert.equal((await credentials.get('docker.io'))?.username, 'store https://index.docker.io/v1/', 'Docker Hub is asked for by its legacy URL');
});

test("a helper's <token> user is an identity token", async () => {
	const credentials = new DockerCredentials(configFolder({credsStore: 'tok'}, {tok: 'cat >/dev/null; echo \'{"Username":"<token>","Secret":"rt"}\''}));
	assert.deepEqual(await credentials.get('r.example'), {identityToken: 'rt', source: 'docker-credential-tok'});
});

test('"credentials not found" from a helper means none, and auths is read instead', async () => {
	const credentials = new DockerCredentials(
		configFolder({credsStore: 'empty', auths: {'r.example': {auth: basic('file', 'pw')}}}, {empty: 'cat >/dev/null; echo "credentials not found in native keychain"; exit 1'}),
	);
	assert.equal((await credentials.get('r.example'))?.username, 'file');
	assert.equal(await credentials.get('s.example'), undefined);
});

test('a missing helper is one line naming it, and never a secret', async () => {
	const options = configFolder({credsStore: 'nosuchhelper', auths: {'r.example': {auth: basic('u', 'hunter2-secret')}}});
	await assert.rejects(
		new DockerCredentials(options).get('r.example'),
		(error: unknown) =>
			error instanceof CredentialHelperFailed &&
			error.exitCode === 1 &&
			/docker-credential-nosuchhelper is not installed/.test(error.message) &&
			!error.message.includes('hunter2') &&
			!error.message.includes('\n'),
	);
});

test('a failing helper is one line that quotes nothing it said, and says how to see it', async () => {
	// A helper may print what it holds when it fails (a half-decrypted store, a debug trace).
	const options = configFolder({credsStore: 'broken'}, {broken: 'cat >/dev/null; echo "decrypt failed for {\\"Secret\\":\\"hunter2-helper\\"}" >&2; echo hunter2-helper; exit 3'});
	await assert.rejects(new DockerCredentials(options).get('r.example'), (error: unknown) => {
		assert.ok(error instanceof CredentialHelperFailed);
		assert.equal(
			error.message,
			'the credential helper docker-credential-broken failed for r.example (exit 3): run "echo r.example | docker-credential-broken get" to see what it says',
		);
		return true;
	});
});

test('a docker config that is not JSON is one line that quotes none of it', async () => {
	const options = configFolder('{"auths": {"r.example": {"auth": "c2VjcmV0LXZhbHVl"');
	await assert.rejects(
		new DockerCredentials(options).get('r.example'),
		(error: unknown) => error instanceof DockerConfigUnusable && /is not valid JSON/.test(error.message) && !error.message.includes('c2VjcmV0'),
	);
});

test('no config file at all means no credentials', async () => {
	assert.equal(await new DockerCredentials({configDir: path.join(root, 'absent')}).get('r.example'), undefined);
});
