import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {layerDoneStatus, uniqueName, useSandbox} from '../sandbox/shared.js';
import {isolateEnvironment, pushBuild, pushNewBuildUnder, removeImages, startPrivateImage} from './images-fixtures.js';

/** `kasm-tui images` and `kasm-tui pull` as an operator or a start-up script runs them. */
const {sandbox} = await useSandbox();
const {configDir} = isolateEnvironment(sandbox);
const created: string[] = [];
after(async () => removeImages(sandbox, created));

function kasmTui(args: string[], env: NodeJS.ProcessEnv = {}) {
	return runCli(['--host', sandbox.host, ...args], {env: {DOCKER_CONFIG: sandbox.state.dockerConfig, KASM_TUI_CONFIG_DIR: configDir, ...env}, timeoutMs: 120_000});
}

async function updateOf(reference: string, env: NodeJS.ProcessEnv = {}) {
	const result = await kasmTui(['images', '--json', reference], env);
	assert.equal(result.code, 0, result.stderr);
	const rows = JSON.parse(result.stdout) as Array<{updateAvailable: boolean | null; updateError: string | null}>;
	assert.equal(rows.length, 1);
	return rows[0]!;
}

test('kasm-tui images shows an update once the tag moves on; kasm-tui pull brings it back up to date', async () => {
	const repositoryPath = `kt-cli/${uniqueName('rolling')}`;
	const reference = `${sandbox.registry}/${repositoryPath}:latest`;
	created.push(reference);
	await pushBuild(sandbox, reference, 'cli first build');

	const first = await kasmTui(['pull', reference]);
	assert.equal(first.code, 0, first.stderr);
	assert.match(first.stdout, new RegExp(`^IMAGE\\s+RESULT\\s+DETAIL\\n${reference.replaceAll('.', '\\.')}\\s+pulled\\s+sha256:[a-f\\d]{64}\\n$`));
	assert.match(first.stderr, /^pulling 1 image, at most 2 at a time$/m);
	assert.match(first.stderr, new RegExp(`: ${layerDoneStatus(sandbox)}$`, 'm'));
	assert.deepEqual(await updateOf(reference).then(({updateAvailable, updateError}) => ({updateAvailable, updateError})), {updateAvailable: false, updateError: null});

	await pushNewBuildUnder(sandbox, repositoryPath, 'latest', 'cli second build');
	assert.equal((await updateOf(reference)).updateAvailable, true);
	const table = await kasmTui(['images', reference]);
	assert.match(table.stdout.split('\n')[0] ?? '', /^REPOSITORY\s+TAG\s+ID\s+SIZE\s+CREATED\s+IN USE BY\s+UPDATE$/);
	assert.match(table.stdout.split('\n')[1] ?? '', /\savailable$/);

	const second = await kasmTui(['pull', '--json', reference]);
	assert.equal(second.code, 0, second.stderr);
	assert.equal((JSON.parse(second.stdout) as Array<{result: string}>)[0]?.result, 'pulled');
	assert.equal((await updateOf(reference)).updateAvailable, false);

	const third = await kasmTui(['pull', reference]);
	assert.match(third.stdout, /\sup to date\s/);
});

test('kasm-tui pull with a missing image pulls the rest, exits 1 and names the missing one', async () => {
	const repositoryPath = `kt-cli/${uniqueName('list')}`;
	const present = `${sandbox.registry}/${repositoryPath}:here`;
	const missing = `${sandbox.registry}/${repositoryPath}:missing`;
	created.push(present);
	await pushBuild(sandbox, present, 'cli list build');
	const result = await kasmTui(['pull', '--max-pulls', '1', missing, present]);
	assert.equal(result.code, 1);
	assert.match(result.stdout, new RegExp(`${present.replaceAll('.', '\\.')}\\s+pulled`));
	assert.match(result.stdout, new RegExp(`${missing.replaceAll('.', '\\.')}\\s+failed`));
	assert.ok(result.stderr.trimEnd().endsWith(`kasm-tui: 1 of 2 pulls failed: ${missing}`), result.stderr);
	assert.match(result.stderr, /at most 1 at a time/);
});

test('kasm-tui pull: a malformed reference is exit 2, --read-only is exit 3, and nothing is pulled', async () => {
	const reference = `${sandbox.registry}/kt-cli/${uniqueName('never')}:v1`;
	await pushBuild(sandbox, reference, 'cli never pulled');
	const malformed = await kasmTui(['pull', reference, 'Not/An Image']);
	assert.equal(malformed.code, 2, malformed.stderr);
	assert.match(malformed.stderr, /^kasm-tui: "Not\/An Image" is not an image or plugin reference/);
	assert.equal((await kasmTui(['pull', '--max-pulls', '0', reference])).code, 2);
	const readOnly = await kasmTui(['pull', '--read-only', reference]);
	assert.equal(readOnly.code, 3);
	assert.match(readOnly.stderr, /read-only/);
	const images = await kasmTui(['images', '--json', reference]);
	assert.deepEqual(JSON.parse(images.stdout), []);
});

test('a broken settings file does not stop a command: one warning line, and the defaults', async () => {
	const brokenDir = fs.mkdtempSync(path.join(configDir, 'broken-'));
	fs.writeFileSync(path.join(brokenDir, 'config.json'), '{"maxPulls": ');
	const reference = `${sandbox.registry}/kt-cli/${uniqueName('settings')}:v1`;
	created.push(reference);
	await pushBuild(sandbox, reference, 'cli settings build');
	const result = await kasmTui(['pull', reference], {KASM_TUI_CONFIG_DIR: brokenDir});
	assert.equal(result.code, 0, result.stderr);
	const warnings = result.stderr.split('\n').filter(line => line.includes('config.json'));
	assert.deepEqual(warnings, [`kasm-tui: ignoring the settings in ${path.join(brokenDir, 'config.json')} (it is not valid JSON): using the defaults until it is fixed`]);
	assert.match(result.stderr, /at most 2 at a time/);
});

test('a private registry\'s password is used from the docker config and never printed, also when it is wrong', async () => {
	const {registry, reference, rightConfig, wrongConfig, secrets} = await startPrivateImage(sandbox, `kt-cli/${uniqueName('private')}`);
	after(async () => registry.stop());
	created.push(reference);
	const right = {DOCKER_CONFIG: rightConfig};
	const wrong = {DOCKER_CONFIG: wrongConfig};
	const run = async (args: string[], env: NodeJS.ProcessEnv) => {
		const result = await kasmTui(args, env);
		for (const secret of secrets) {
			assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `kasm-tui ${args.join(' ')} printed a password`);
		}

		return result;
	};

	const refused = await run(['pull', reference], wrong);
	assert.equal(refused.code, 1);
	// The daemon's words differ by generation (generation.ts); the hint after them is kasm-tui's, the same on every kind.
	const words = {
		'20.10': 'unauthorized: authentication required',
		'26.1': 'unauthorized: authentication required',
		'28.5-containerd': 'unknown: failed to resolve reference "[^"]+": unexpected status from HEAD request to \\S+: 401 Unauthorized',
	}[sandbox.state.kind];
	assert.match(refused.stdout, new RegExp(`failed\\s+${words} \\(the registry refused the credentials in the docker config: log in again with "docker login 127\\.0\\.0\\.1:\\d+"\\)`));
	const refusedJson = await run(['pull', '--json', reference], wrong);
	assert.equal((JSON.parse(refusedJson.stdout) as Array<{result: string}>)[0]?.result, 'failed');

	const pulled = await run(['pull', '--json', reference], right);
	assert.equal(pulled.code, 0, pulled.stderr);
	assert.equal((JSON.parse(pulled.stdout) as Array<{result: string}>)[0]?.result, 'pulled');
	await run(['pull', reference], right);

	assert.equal((await updateOf(reference, right)).updateAvailable, false);
	const checkRefused = await run(['images', '--json', reference], wrong);
	const [row] = JSON.parse(checkRefused.stdout) as Array<{updateAvailable: unknown; updateError: string}>;
	assert.equal(row?.updateAvailable, null);
	assert.match(row?.updateError ?? '', /127\.0\.0\.1:\d+/);
	await run(['images', reference], wrong);
});
