import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {hostLedgerDirectory} from '../../source/ledger/hosts.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {installPlugin, moveTag, pushRepository, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {startExtraDaemon} from '../sandbox/fleet-hosts.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * Machines cloned from one image: two daemons that report one engine ID (one key file, or one
 * engine-id, copied) with data roots of their own are two hosts, each with its own ledger; one
 * daemon given at two addresses is one host.
 */
const {sandbox, kasm} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const agentA = await startExtraDaemon(sandbox);
after(async () => agentA.stop());
const agentC = await startExtraDaemon(sandbox, {engineIdOf: agentA});
after(async () => agentC.stop());
// The same daemon as agent-a at a second address: a link to its socket.
const linked = path.join(leftovers.folder('kt-clones-link-'), 'agent-a.sock');
fs.symlinkSync(agentA.sandbox.state.socket, linked);
const hostFlags = ['--host', `agent-a=${agentA.host}`, '--host', `agent-c=${agentC.host}`, '--host', `agent-a-again=unix://${linked}`];
const kasmTui = async (ledgerDir: string, ...args: string[]) => runCli(['--ledger-dir', ledgerDir, ...args], {timeoutMs: 180_000});

interface Info {
	ID: string;
	Name: string;
	DockerRootDir: string;
}

async function infoOf(daemon: Sandbox): Promise<Info> {
	return JSON.parse(await daemon.docker(['info', '--format', '{{json .}}'])) as Info;
}

/** The ledger kasm-tui keeps for a daemon, found the way kasm-tui finds it (each is reached over its socket). */
async function ledgerOf(ledgerDir: string, daemon: Sandbox): Promise<Ledger> {
	const info = await infoOf(daemon);
	return new Ledger(hostLedgerDirectory(ledgerDir, {id: info.ID, name: info.Name, dataRoot: info.DockerRootDir, address: daemon.host, local: true}, {claim: false}));
}

const warning = "agent-c reports agent-a's engine ID: a machine cloned from one image? both are kept apart by name and data root";

test('the two clones report one engine ID from two data roots: what the tests below stand on', async () => {
	const [a, c] = await Promise.all([infoOf(agentA.sandbox), infoOf(agentC.sandbox)]);
	assert.equal(c.ID, a.ID);
	assert.notEqual(c.DockerRootDir, a.DockerRootDir);
});

test('fleet plugins: two daemons with one engine ID are two hosts, the second with a warning said once; one daemon at two addresses is one', async () => {
	const ledgerDir = leftovers.folder('kt-clones-read-');
	const result = await kasmTui(ledgerDir, 'fleet', 'plugins', '--json', ...hostFlags);
	assert.equal(result.code, 0, result.stderr);
	assert.equal(result.stderr, `kasm-tui: warning: ${warning}\n`, 'the warning, once, on standard error');
	const {hosts} = JSON.parse(result.stdout) as {hosts: Array<{name: string; reachable: boolean; daemonId: string; dataRoot: string; sameDaemonAs: string | null; sharesEngineIdWith: string | null}>};
	const byName = Object.fromEntries(hosts.map(host => [host.name, host]));
	assert.deepEqual(
		hosts.map(host => [host.name, host.reachable, host.sameDaemonAs, host.sharesEngineIdWith]),
		[
			['agent-a', true, null, null],
			['agent-c', true, null, 'agent-a'],
			['agent-a-again', true, 'agent-a', null],
		],
	);
	assert.equal(byName['agent-c']!.daemonId, byName['agent-a']!.daemonId);
	assert.equal(byName['agent-c']!.dataRoot, agentC.sandbox.state.dataRoot);

	const text = await kasmTui(ledgerDir, 'fleet', 'plugins', ...hostFlags);
	assert.equal(text.code, 0, text.stderr);
	assert.match(text.stdout, /^agent-c .* answers \(! agent-a's engine ID, another machine\)$/m);
	assert.match(text.stdout, /^agent-a-again .* answers \(the same daemon as agent-a\)$/m);
});

test('a rollout upgrades both clones, each recorded in a ledger of its own, and skips the daemon given twice as the same daemon', async t => {
	const repositoryPath = uniqueName('clones-rollout');
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
	t.after(async () => Promise.all([agentA, agentC].map(async daemon => daemon.sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {}))));
	await Promise.all([agentA, agentC].map(async daemon => installPlugin(daemon.sandbox, repository.ref(rollingTag), {alias: name})));
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');

	const ledgerDir = leftovers.folder('kt-clones-rollout-');
	const result = await kasmTui(ledgerDir, 'fleet', 'upgrade', name, ...hostFlags, '--yes', '--json');
	assert.equal(result.code, 0, result.stderr);
	assert.equal(result.stderr.split('\n').filter(line => line.includes('engine ID')).length, 1, 'the warning once');
	const report = JSON.parse(result.stdout) as {hosts: Array<{name: string; result: string; skip: string | null; sharesEngineIdWith: string | null}>};
	assert.deepEqual(
		report.hosts.map(host => [host.name, host.result, host.skip, host.sharesEngineIdWith]),
		[
			['agent-a', 'done', null, null],
			['agent-c', 'done', null, 'agent-a'],
			['agent-a-again', 'skipped', 'same-daemon', null],
		],
	);
	assert.deepEqual(await Promise.all([runningVersion(agentA.sandbox, name), runningVersion(agentC.sandbox, name)]), ['1.2.10', '1.2.10']);

	const [ledgerA, ledgerC] = await Promise.all([ledgerOf(ledgerDir, agentA.sandbox), ledgerOf(ledgerDir, agentC.sandbox)]);
	assert.notEqual(ledgerA.directory, ledgerC.directory);
	for (const [host, ledger] of [['agent-a', ledgerA], ['agent-c', ledgerC]] as const) {
		const upgrades = ledger.read(name).entries.filter(entry => entry.action === 'upgrade');
		assert.deepEqual(upgrades.map(entry => entry.outcome), ['started', 'ok'], `${host}: its one upgrade, started and settled`);
		assert.equal(upgrades[0]!.attempt, upgrades[1]!.attempt);
	}

	assert.notEqual(ledgerA.read(name).entries.find(entry => entry.action === 'upgrade')!.attempt, ledgerC.read(name).entries.find(entry => entry.action === 'upgrade')!.attempt, 'two attempts, not one seen twice');
});

test('ledger folders of the release before (each claimed by ID alone) keep being read: the first daemon of that ID binds its folder, the clone gets one of its own', async t => {
	const name = leftovers.plugin(`${uniqueName('clones-legacy')}/sidecar:amd64-1.2.9`);
	t.after(async () => Promise.all([agentA, agentC].map(async daemon => daemon.sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {}))));
	await Promise.all([sandbox, agentA.sandbox, agentC.sandbox].map(async daemon => installPlugin(daemon, kasm.ref('amd64-1.2.9'), {alias: name})));
	const [main, a] = await Promise.all([infoOf(sandbox), infoOf(agentA.sandbox)]);

	// What the release before left: the folder itself the local daemon's, agent-a's in hosts/<ID>/, claims holding the ID alone.
	const ledgerDir = leftovers.folder('kt-clones-legacy-');
	const legacy = path.join(ledgerDir, 'hosts', a.ID);
	const earlier = (directory: string, user: string) => {
		fs.mkdirSync(directory, {recursive: true, mode: 0o700});
		new Ledger(directory).append({time: '2026-06-01T12:00:00.000Z', action: 'install', name, reference: kasm.ref('amd64-1.2.9'), tag: 'amd64-1.2.9', identity: {diffIds: []}, outcome: 'ok', user, version: '0.0.9'});
	};

	earlier(ledgerDir, 'on-the-local-daemon');
	earlier(legacy, 'on-agent-a');
	fs.writeFileSync(path.join(ledgerDir, 'daemon.json'), JSON.stringify({id: main.ID, address: sandbox.host, since: '2026-06-01T00:00:00.000Z'}) + '\n', {mode: 0o600});
	fs.writeFileSync(path.join(legacy, 'daemon.json'), JSON.stringify({id: a.ID, address: agentA.host, since: '2026-06-01T00:00:00.000Z'}) + '\n', {mode: 0o600});

	const history = async (host: string) => {
		const result = await kasmTui(ledgerDir, '--host', host, 'history', name, '--json');
		assert.equal(result.code, 0, result.stderr);
		return (JSON.parse(result.stdout) as Array<{user: string}>).map(entry => entry.user);
	};

	assert.deepEqual(await history(sandbox.host), ['on-the-local-daemon']);
	assert.deepEqual(await history(agentA.host), ['on-agent-a']);
	assert.deepEqual(await history(agentC.host), [], 'the clone has a history of its own, empty');
	assert.deepEqual(await history(`unix://${linked}`), ['on-agent-a'], 'agent-a at its other address');
	const claim = (directory: string) => JSON.parse(fs.readFileSync(path.join(directory, 'daemon.json'), 'utf8')) as {id: string; name?: string; dataRoot?: string};
	assert.deepEqual(claim(ledgerDir), {...claim(ledgerDir), id: main.ID, name: main.Name, dataRoot: main.DockerRootDir});
	assert.deepEqual(claim(legacy), {...claim(legacy), id: a.ID, name: a.Name, dataRoot: a.DockerRootDir});
	assert.notEqual((await ledgerOf(ledgerDir, agentC.sandbox)).directory, legacy);
	assert.deepEqual(new Ledger(legacy).read(name).entries.map(entry => entry.user), ['on-agent-a'], 'nothing moved or lost');
});
