import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {manifestDigest} from '../sandbox/fixtures.js';
import {otherGeneration} from '../sandbox/engines.js';
import {startExtraDaemon} from '../sandbox/fleet-hosts.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';
import {countingRegistry, dockerConfigWith, pushBuild, pushNewBuildUnder, startPrivateImage} from './images-fixtures.js';

/**
 * Three agents: alpha (the sandbox), delta (another daemon of its kind) and charlie (the other
 * engine generation, so the classic and containerd stores meet on the suite's containerd run).
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const started = await Promise.all([startExtraDaemon(sandbox), startExtraDaemon(sandbox, {kind: otherGeneration(sandbox.state.kind)})]);
after(async () => Promise.all(started.map(async daemon => daemon.stop())));
const [delta, charlie] = started;
const daemons: Record<string, Sandbox> = {alpha: sandbox, delta: delta!.sandbox, charlie: charlie!.sandbox};
const hostFlags = ['--host', `alpha=${sandbox.host}`, '--host', `delta=${delta!.host}`, '--host', `charlie=${charlie!.host}`];
const env = {DOCKER_CONFIG: sandbox.state.dockerConfig, KASM_TUI_CONFIG_DIR: leftovers.folder('kasm-tui-fleet-images-config-'), KASM_TUI_API_TIMEOUT: '5'};

interface CellJson {
	state: string;
	build?: string;
	inUse?: boolean;
	sessions?: number;
	usedBy?: {containers: string[]};
}

interface MatrixJson {
	hosts: Array<{name: string; reachable: boolean; engine: string | null}>;
	images: Array<{repository: string; tag: string; kasmImage: boolean; registryDigest: string | null; drift: boolean; hosts: Record<string, CellJson>}>;
	rateLimits: Array<{registry: string; remaining: string}>;
}

const kasmLabel = 'LABEL com.kasmweb.image=true';

test('the matrix shows one agent on the current build, one behind with a Kasm session on it, one missing the image: one HEAD for the tag, the pull allowance shown', async t => {
	// Docker Hub's header, sent by a relay that also counts what kasm-tui asks the registry.
	const registry = await countingRegistry(sandbox.registry, {answerHeaders: {'ratelimit-remaining': '97;w=21600'}});
	t.after(async () => registry.stop());
	const repositoryPath = `kt-fleet-images/${uniqueName('chrome')}`;
	const reference = `${registry.address}/${repositoryPath}:1.16.0-rolling`;
	await pushBuild(sandbox, reference, 'first build', [kasmLabel]);
	await Promise.all([sandbox.docker(['pull', reference]), daemons.delta!.docker(['pull', reference])]);
	// The agent behind runs a Kasm session on the build it has.
	const session = uniqueName('kasm-session');
	await daemons.delta!.docker(['run', '-d', '--name', session, '--network', 'none', '--label', 'kasm.kasmid=8d1c', reference, '/bin/busybox', 'sleep', '600']);
	t.after(async () => daemons.delta!.docker(['rm', '--force', session]).catch(() => {}));
	// A new build goes out under the same tag; alpha takes it, delta has not yet, charlie never pulled it.
	await pushNewBuildUnder(sandbox, repositoryPath, '1.16.0-rolling', 'second build', [kasmLabel]);
	await sandbox.docker(['pull', reference]);
	const current = await manifestDigest(sandbox, repositoryPath, '1.16.0-rolling');
	t.after(async () => Promise.all(Object.values(daemons).map(async daemon => daemon.docker(['image', 'rm', '--force', reference]).catch(() => {}))));

	registry.requests.length = 0;
	const result = await runCli(['fleet', 'images', '--json', ...hostFlags], {env});
	assert.equal(result.code, 0, result.stderr);
	const matrix = JSON.parse(result.stdout) as MatrixJson;
	assert.deepEqual(
		matrix.hosts.map(host => [host.name, host.reachable]),
		[['alpha', true], ['delta', true], ['charlie', true]],
	);
	const row = matrix.images.find(image => image.repository === `${registry.address}/${repositoryPath}`);
	assert.ok(row, `the matrix has ${reference}: ${result.stdout.slice(0, 2000)}`);
	assert.equal(row.tag, '1.16.0-rolling');
	assert.equal(row.kasmImage, true, 'a Kasm workspace image is marked');
	assert.equal(row.drift, true, 'the agents differ');
	assert.equal(row.registryDigest, current);
	assert.equal(row.hosts.alpha?.state, 'current');
	assert.equal(row.hosts.alpha?.build, current, "alpha's build is the registry's, by digest");
	assert.equal(row.hosts.alpha?.inUse, false);
	assert.equal(row.hosts.delta?.state, 'behind');
	assert.notEqual(row.hosts.delta?.build, current);
	assert.equal(row.hosts.delta?.inUse, true);
	assert.deepEqual(row.hosts.delta?.usedBy?.containers, [session]);
	assert.equal(row.hosts.delta?.sessions, 1, 'one live Kasm session on the build behind');
	assert.deepEqual(row.hosts.charlie, {state: 'missing'});
	assert.deepEqual(
		registry.requests.filter(request => request.includes(`/v2/${repositoryPath}/manifests/1.16.0-rolling`)),
		[`HEAD /v2/${repositoryPath}/manifests/1.16.0-rolling`],
		'one registry check, by HEAD, for the tag however many agents hold it',
	);
	assert.deepEqual(matrix.rateLimits, [{registry: registry.address, remaining: '97;w=21600'}]);

	const text = await runCli(['fleet', 'images', ...hostFlags], {env});
	assert.equal(text.code, 0, text.stderr);
	const line = text.stdout.split('\n').find(candidate => candidate.includes(repositoryPath));
	assert.ok(line, text.stdout);
	assert.match(line, /:1\.16\.0-rolling K !/);
	assert.match(line, new RegExp(`current ${current.slice(7, 19)}`));
	assert.match(line, /behind [\da-f]{12} in use 1 \(1 session\)/);
	assert.match(line, /missing/);
	assert.match(text.stdout, new RegExp(`${registry.address.replaceAll('.', '\\.')}: 97;w=21600 pulls left`));
});

test('fleet pull to three agents, one of which the registry refuses: the other two pull, the report and exit code name the third', async t => {
	const repositoryPath = `kt-fleet-pull/${uniqueName('private')}`;
	const privateImage = await startPrivateImage(sandbox, repositoryPath);
	t.after(async () => privateImage.registry.stop());
	const charlieVersion = (await daemons.charlie!.docker(['version', '--format', '{{.Server.Version}}'])).trim();
	// The registry never sees charlie's login (as behind an agent's proxy that eats it), so it refuses that agent alone.
	const relay = await countingRegistry(privateImage.registry.address, {dropCredentials: request => (request.headers['user-agent'] ?? '').includes(`docker/${charlieVersion}`)});
	t.after(async () => relay.stop());
	const [password] = privateImage.secrets;
	const reference = `${relay.address}/${repositoryPath}:v1`;
	const dockerConfig = dockerConfigWith(relay.address, 'kasm', password!);
	t.after(async () => Promise.all(Object.values(daemons).map(async daemon => daemon.docker(['image', 'rm', '--force', reference]).catch(() => {}))));

	const result = await runCli(['fleet', 'pull', reference, '--json', '--max-pulls', '1', ...hostFlags], {env: {...env, DOCKER_CONFIG: dockerConfig}});
	assert.equal(result.code, 1, `one agent failed: exit 1\n${result.stderr}`);
	const outcomes = JSON.parse(result.stdout) as Array<{host: string; image: string; result: string; error?: string}>;
	assert.deepEqual(
		outcomes.map(outcome => [outcome.host, outcome.image, outcome.result]),
		[
			['alpha', reference, 'pulled'],
			['delta', reference, 'pulled'],
			['charlie', reference, 'failed'],
		],
	);
	assert.match(outcomes[2]!.error ?? '', /unauthorized|401|authentication required/i);
	assert.match(result.stderr, new RegExp(`1 of 3 pulls failed: ${reference.replaceAll('.', '\\.')} on charlie`));
	assert.match(result.stderr, /^alpha: .*: (Pull complete|Download complete)/m, 'progress per host and layer');
	for (const secret of privateImage.secrets) {
		assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'no password or its Basic form is printed');
	}

	for (const [host, present] of [['alpha', true], ['delta', true], ['charlie', false]] as const) {
		const inspected = await daemons[host]!.docker(['image', 'inspect', reference]).then(() => true, () => false);
		assert.equal(inspected, present, `${host} ${present ? 'has' : 'does not have'} the image`);
	}

	// The matrix agrees: two agents current, charlie missing it.
	const matrix = await runCli(['fleet', 'images', '--json', ...hostFlags], {env: {...env, DOCKER_CONFIG: dockerConfig}});
	const row = (JSON.parse(matrix.stdout) as MatrixJson).images.find(image => image.repository === `${relay.address}/${repositoryPath}`);
	assert.deepEqual(
		Object.fromEntries(Object.entries(row?.hosts ?? {}).map(([name, cell]) => [name, cell.state])),
		{alpha: 'current', delta: 'current', charlie: 'missing'},
	);
});
