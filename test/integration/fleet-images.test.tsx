import assert from 'node:assert/strict';
import {after, afterEach, test, type TestContext} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {FleetApp} from '../../source/app/components/fleet-app.js';
import {createFleetServices} from '../../source/app/services/fleet-services.js';
import {selectHosts} from '../../source/hosts/selection.js';
import {keys, press, renderAt, waitForFrame} from '../helpers/frames.js';
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

/**
 * A Kasm workspace image pushed, pulled by alpha and delta, a Kasm session started on delta's
 * build, then a new build pushed under the tag and pulled by alpha only: alpha current, delta
 * behind, charlie missing. Through a relay that counts the registry's requests and sends Docker
 * Hub's `ratelimit-remaining`.
 */
async function threeAgents(t: TestContext) {
	const registry = await countingRegistry(sandbox.registry, {answerHeaders: {'ratelimit-remaining': '97;w=21600'}});
	t.after(async () => registry.stop());
	const name = uniqueName('chrome');
	const repositoryPath = `kt-fleet-images/${name}`;
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
	return {registry, name, repositoryPath, reference, current, session};
}

afterEach(() => cleanup());

test('the matrix shows one agent on the current build, one behind with a Kasm session on it, one missing the image: one HEAD for the tag, the pull allowance shown', async t => {
	const {registry, repositoryPath, reference, current, session} = await threeAgents(t);
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

test('on the fleet screen, v shows the images matrix with the same marks, and p pulls the image to the agents without the current build', async t => {
	const {name, current} = await threeAgents(t);
	Object.assign(process.env, env);
	const hosts = selectHosts({hosts: [hostFlags[1]!, hostFlags[3]!, hostFlags[5]!]}, {env: process.env});
	const services = createFleetServices(hosts, {readOnly: false, ledgerDir: leftovers.folder('kasm-tui-fleet-images-ledger-')});
	t.after(() => services.close());
	const size = {columns: 120, rows: 30};
	const ui = renderAt(<FleetApp services={services} size={size} />, size.columns);
	await waitForFrame(ui.lastFrame, text => text.includes('Plugins × hosts'));
	await press(ui.stdin, ui.lastFrame, 'v');
	await press(ui.stdin, ui.lastFrame, '/');
	for (const character of name.slice(-6)) {
		await press(ui.stdin, ui.lastFrame, character);
	}

	await press(ui.stdin, ui.lastFrame, keys.enter);
	// The one row the filter leaves, selected: its name is cut to the column, its cells are whole.
	const row = (text: string) => text.split('\n').find(candidate => candidate.startsWith('▸K ')) ?? '';
	let frame = await waitForFrame(ui.lastFrame, text => /Images × hosts \(1 × 3\)/.test(text) && row(text).includes('✓'), 30_000);
	assert.match(row(frame), new RegExp(`K .*!✓${current.slice(7, 13)}\\s+!↓[\\da-f]{6} ●1\\s+!-`), 'K Kasm image; alpha current, delta behind with one session, charlie missing');
	assert.match(frame, /97 pulls left/);

	frame = await press(ui.stdin, ui.lastFrame, 'p');
	assert.match(frame, /Pull .*:1\.16\.0-rolling to 2 hosts\?/);
	assert.match(frame, /delta\s+↓ behind\s+docker pull /);
	assert.match(frame, /charlie\s+- missing\s+docker pull /);
	assert.match(frame, /alpha\s+✓ current: left alone/);
	await press(ui.stdin, ui.lastFrame, 'y');
	frame = await waitForFrame(ui.lastFrame, text => /Fleet pull (done|failed)/.test(text), 60_000);
	assert.match(frame, /Fleet pull done/, frame);
	assert.match(frame, /delta\s+✓ pulled sha256:/);
	assert.match(frame, /charlie\s+✓ pulled sha256:/);
	await press(ui.stdin, ui.lastFrame, keys.escape);
	// Read again after the pull: every agent on the current build now.
	frame = await waitForFrame(ui.lastFrame, text => (row(text).match(/✓/g) ?? []).length === 3, 30_000);
	assert.doesNotMatch(row(frame), /!/, 'the agents no longer differ');
});
