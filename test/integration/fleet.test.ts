import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {readFleet} from '../../source/flows/fleet.js';
import {runCli, runCliWatching} from '../helpers/cli.js';
import {answer, startProxy} from '../helpers/hardening.js';
import {installPlugin, moveTag, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {apiVersionOf} from '../sandbox/engines.js';
import {useFleetBed} from '../sandbox/fleet-bed.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {uniqueName} from '../sandbox/shared.js';

const {sandbox, leftovers, kinds, bravo, charlie, delta, down, env, hostFlags, daemons, kasmTui, removedAfter, rollingEverywhere, ledgerOf, assertNoProbeLeft} = await useFleetBed();

interface RolloutJson {
	outcome: string;
	stopped: string | null;
	hosts: Array<{name: string; result: string; reason: string | null; skip: string | null}>;
}

const resultsOf = (json: RolloutJson) => Object.fromEntries(json.hosts.map(host => [host.name, host.result]));

async function pluginIdOf(daemon: Sandbox, name: string): Promise<string> {
	return (JSON.parse(await daemon.docker(['plugin', 'inspect', name])) as Array<{Id: string}>)[0]!.Id;
}

async function pluginEventsSince(daemon: Sandbox, since: number): Promise<string[]> {
	const text = await daemon.docker(['events', '--since', (since / 1000).toFixed(3), '--until', (Date.now() / 1000 + 1).toFixed(3), '--filter', 'type=plugin', '--format', '{{.Action}}']);
	return text.trim().split('\n').filter(Boolean);
}

test('fleet auto-update upgrades every idle rolling plugin on each host behind the health gate, and leaves one in use', async t => {
	// Only daemons no other test file touches: auto-update acts on every plugin of a host.
	const idle = await rollingEverywhere(t, 'fleet-auto-idle', ['bravo', 'delta']);
	const busy = await rollingEverywhere(t, 'fleet-auto-busy', ['delta']);
	const volume = uniqueName('fleet-auto-volume');
	await delta.sandbox.docker(['volume', 'create', '-d', busy.name, volume]);
	await moveTag(sandbox, idle.repositoryPath, rollingTag, 'amd64-1.2.10');
	await moveTag(sandbox, busy.repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-fleet-auto-');
	const result = await kasmTui(ledgerDir, 'fleet', 'auto-update', ...hostFlags.bravo, ...hostFlags.delta, '--yes', '--json');
	assert.equal(result.code, 0, result.stderr);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {bravo: 'done', delta: 'done'});
	assert.match(report.hosts[1]!.reason ?? '', new RegExp(`upgraded ${idle.name.replaceAll('.', '\\.')}`));
	assert.match(result.stderr, new RegExp(`leaves ${busy.name.replaceAll('.', '\\.')}: in use by 1 volume`));
	assert.match(result.stderr, /^bravo: health: volume probe ok/m);
	assert.match(result.stderr, /^delta: health: still enabled ok/m);
	assert.deepEqual(
		await Promise.all([runningVersion(bravo.sandbox, idle.name), runningVersion(delta.sandbox, idle.name), runningVersion(delta.sandbox, busy.name)]),
		['1.2.10', '1.2.10', '1.2.9'],
	);
	await assertNoProbeLeft();
});

test('the matrix over four hosts and one that never answers: engines, builds by release tag, drift marked, the silent host unreachable with why', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-matrix', ['alpha', 'bravo', 'charlie']);
	// charlie was upgraded by hand after the tag moved: it runs another build under the same name.
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	await charlie.sandbox.docker(['plugin', 'disable', name]);
	await charlie.sandbox.docker(['plugin', 'upgrade', '--grant-all-permissions', name]);
	await charlie.sandbox.docker(['plugin', 'enable', name]);

	const ledgerDir = leftovers.folder('kasm-tui-fleet-matrix-');
	const result = await kasmTui(ledgerDir, 'fleet', 'plugins', '--json', ...hostFlags.alpha, ...hostFlags.bravo, ...hostFlags.charlie, ...hostFlags.down);
	assert.equal(result.code, 0, result.stderr);
	assert.equal(result.stderr, '');
	const {hosts} = JSON.parse(result.stdout) as {
		hosts: Array<{
			name: string;
			address: string;
			reachable: boolean;
			error: string | null;
			engine: string | null;
			apiVersion?: string;
			plugins: Array<{name: string; build: string | null; drift: boolean; enabled: boolean; rolling: boolean; usedBy: unknown}>;
		}>;
	};
	// The --host hosts in their order, then the contexts.
	assert.deepEqual(hosts.map(host => [host.name, host.reachable]), [['alpha', true], ['bravo', true], ['down', false], ['charlie', true]]);
	assert.deepEqual(hosts.map(host => host.address), [sandbox.host, 'ssh://kasm-agent-1', down.address, charlie.tcpHost]);
	// Two generations side by side, each host with its own engine and the API version it speaks.
	const engineOf = async (daemon: Sandbox) => (await daemon.docker(['version', '--format', '{{.Server.Version}}'])).trim();
	const [engine, otherEngine] = await Promise.all([engineOf(sandbox), engineOf(charlie.sandbox)]);
	assert.notEqual(engine.split('.')[0], otherEngine.split('.')[0], 'charlie runs the other generation');
	assert.deepEqual([hosts[0], hosts[1], hosts[3]].map(host => host!.engine), [engine, engine, otherEngine]);
	assert.deepEqual([hosts[0], hosts[1], hosts[3]].map(host => host!.apiVersion), [apiVersionOf[kinds.alpha], apiVersionOf[kinds.alpha], apiVersionOf[kinds.charlie]]);
	assert.match(hosts[2]!.error ?? '', /did not answer .* within 3 s|no answer within 3 s/);
	assert.deepEqual(hosts[2]!.plugins, []);
	const cell = (host: string) => hosts.find(candidate => candidate.name === host)!.plugins.find(plugin => plugin.name === name)!;
	assert.deepEqual(['alpha', 'bravo', 'charlie'].map(host => cell(host).build), ['amd64-1.2.9', 'amd64-1.2.9', 'amd64-1.2.10'], 'the release each build is, by content');
	assert.deepEqual(['alpha', 'bravo', 'charlie'].map(host => cell(host).drift), [true, true, true]);
	assert.equal(cell('bravo').enabled && cell('bravo').rolling, true);
	assert.deepEqual(cell('alpha').usedBy, {networks: [], volumes: [], containers: []});

	const text = await kasmTui(ledgerDir, 'fleet', 'plugins', ...hostFlags.alpha, ...hostFlags.charlie, ...hostFlags.down);
	assert.equal(text.code, 0, text.stderr);
	assert.match(text.stdout, /^down\s+tcp:\/\/127\.0\.0\.1:\d+\s+-\s+-\s+unreachable: /m);
	assert.match(text.stdout, new RegExp(`${name.replaceAll('.', '\\.')} !\\s+charlie\\s+amd64-1\\.2\\.10\\s+yes\\s+yes`));
	assert.match(text.stdout, /! drift: .* runs different builds on different hosts/);

	// The same TLS daemon the way DOCKER_TLS_VERIFY and DOCKER_CERT_PATH name it, as for the docker CLI.
	const byEnvironment = await runCli(['--ledger-dir', ledgerDir, '--host', charlie.tcpHost!, 'plugins', '--json'], {
		env: {...env, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: charlie.tls!.clientFolder},
	});
	assert.equal(byEnvironment.code, 0, byEnvironment.stderr);
	assert.equal(byEnvironment.stderr, '');
	assert.ok((JSON.parse(byEnvironment.stdout) as Array<{name: string}>).some(plugin => plugin.name === name));

	// The settings' hosts, by group: no --host at all.
	const east = await kasmTui(ledgerDir, 'fleet', 'plugins', '--group', 'east', '--json');
	assert.equal(east.code, 0, east.stderr);
	assert.deepEqual((JSON.parse(east.stdout) as {hosts: Array<{name: string}>}).hosts.map(host => host.name), ['alpha', 'bravo']);
});

test('a host that never answers is reported after every host that did, each as soon as it answered', async () => {
	const order: string[] = [];
	const hosts = [
		{name: 'down', target: parseHost(down.address, 'flag', {})},
		{name: 'bravo', target: parseHost('ssh://kasm-agent-1', 'flag')},
		{name: 'alpha', target: parseHost(sandbox.host, 'flag')},
	];
	const readings = await readFleet(hosts, {timeoutMs: 3000, readOnly: true, onHost: reading => order.push(reading.host.name)});
	assert.equal(order.at(-1), 'down');
	assert.deepEqual(readings.map(reading => reading.host.name), ['down', 'bravo', 'alpha'], 'the report keeps the fleet\'s order');
	assert.equal(readings[0]!.reachable, false);
});

test('a rollout over both generations: the canary first, a host where the plugin is in use skipped, a host whose pull fails put back, the rest upgraded, each behind a health gate', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-rollout', ['alpha', 'bravo', 'charlie']);
	// delta pulls through a registry proxy that will fail the new build's layer: its pull fails half-way.
	const proxy = await startProxy({host: '127.0.0.1', port: Number(sandbox.registry.split(':')[1])});
	after(async () => proxy.close());
	await installPlugin(delta.sandbox, `${proxy.address}/${repositoryPath}:${rollingTag}`, {alias: name});
	const volume = uniqueName('fleet-busy');
	await bravo.sandbox.docker(['volume', 'create', '-d', name, volume]);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const manifest = (await (await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/manifests/amd64-1.2.10`, {headers: {Accept: 'application/vnd.docker.distribution.manifest.v2+json'}})).json()) as {layers: Array<{digest: string}>};
	const layer = manifest.layers[0]!.digest;
	proxy.rule = request => (request.url?.includes(layer) ? answer(500, '{"errors":[{"code":"UNKNOWN","message":"the disk under the registry failed"}]}') : undefined);

	const ledgerDir = leftovers.folder('kasm-tui-fleet-rollout-');
	const result = await kasmTui(
		ledgerDir,
		'fleet',
		'upgrade',
		name,
		...hostFlags.alpha,
		...hostFlags.delta,
		...hostFlags.charlie,
		...hostFlags.bravo,
		'--canary',
		'alpha',
		'--max-failed',
		'1',
		'--yes',
		'--json',
	);
	assert.equal(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {alpha: 'done', delta: 'restored', charlie: 'done', bravo: 'skipped'});
	assert.equal(report.hosts.find(host => host.name === 'bravo')?.skip, 'in-use');
	assert.match(report.hosts.find(host => host.name === 'bravo')?.reason ?? '', new RegExp(`in use by 1 volume \\(${volume}\\)`));
	assert.match(report.hosts.find(host => host.name === 'delta')?.reason ?? '', /pulling the plugin .* failed/);

	// The plan came first, for every host; then the canary, then the rest, each behind its gate.
	assert.match(result.stderr, /^alpha \(canary\) /m);
	assert.match(result.stderr, /skipped: the plugin .* is in use by 1 volume/);
	assert.ok(result.stderr.indexOf('-- canary 1/') < result.stderr.indexOf('delta: [1/3]'), 'the canary went first');
	for (const host of ['alpha', 'charlie']) {
		assert.match(result.stderr, new RegExp(`^${host}: health: still enabled ok`, 'm'));
		assert.match(result.stderr, new RegExp(`^${host}: health: volume probe ok`, 'm'));
		assert.match(result.stderr, new RegExp(`^${host}: health: network probe ok`, 'm'));
	}

	assert.match(result.stderr, /^alpha: health: socket ok/m, 'the local daemon\'s plugin answered on its socket');
	assert.deepEqual(
		await Promise.all([runningVersion(sandbox, name), runningVersion(bravo.sandbox, name), runningVersion(charlie.sandbox, name), runningVersion(delta.sandbox, name)]),
		['1.2.10', '1.2.9', '1.2.10', '1.2.9'],
		'delta is enabled at its build again, bravo untouched',
	);
	await assertNoProbeLeft();

	// Each host's history is its own, kept here under its daemon's ID.
	const outcomes = async (daemon: Sandbox) => (await ledgerOf(ledgerDir, daemon)).read(name).entries.map(entry => `${entry.action}:${entry.outcome}`);
	assert.deepEqual((await outcomes(sandbox)).slice(-2), ['upgrade:started', 'upgrade:ok']);
	assert.deepEqual((await outcomes(charlie.sandbox)).slice(-2), ['upgrade:started', 'upgrade:ok']);
	assert.deepEqual((await outcomes(delta.sandbox)).slice(-2), ['upgrade:started', 'upgrade:restored']);
	assert.deepEqual((await outcomes(bravo.sandbox)).slice(-1), ['upgrade:refused']);
	const overSsh = await kasmTui(ledgerDir, '--host', 'ssh://kasm-agent-1', 'history', name, '--json');
	assert.equal(overSsh.code, 0, overSsh.stderr);
	// Newest first: the refusal, unless this listing first recorded the running build as observed, which it
	// does when no entry of bravo's ledger has that build ok. Seen once, on 28.5-containerd in a full run
	// (not alone, not on the other kinds), and not understood yet: the rollout's plan observes bravo's plugins first.
	const newest = (JSON.parse(overSsh.stdout) as Array<{action: string; outcome: string}>).slice(0, 2).map(entry => `${entry.action}:${entry.outcome}`);
	assert.deepEqual(
		newest[0] === 'observed:ok' ? newest : newest.slice(0, 1),
		newest[0] === 'observed:ok' ? ['observed:ok', 'upgrade:refused'] : ['upgrade:refused'],
		'history --host reads that host\'s ledger',
	);
});

test('a canary that fails its health gate is put back, and no other host is touched', async t => {
	const repositoryPath = uniqueName('fleet-sick');
	const repository = `${sandbox.registry}/${repositoryPath}`;
	await pushPluginBuild(sandbox, `${repository}:amd64-1.2.9`, {version: '1.2.9'});
	// A sick release: it starts and says it is a volume driver, but creates no volume.
	await pushPluginBuild(sandbox, `${repository}:amd64-1.2.10`, {version: 'broken-1.2.10'});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.9');
	const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
	removedAfter(t, name);
	await Promise.all((['alpha', 'bravo', 'delta'] as const).map(async host => installPlugin(daemons[host], `${repository}:${rollingTag}`, {alias: name})));
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const idsBefore = await Promise.all([pluginIdOf(sandbox, name), pluginIdOf(delta.sandbox, name)]);
	const began = Date.now();

	const ledgerDir = leftovers.folder('kasm-tui-fleet-sick-');
	const result = await kasmTui(ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.alpha, ...hostFlags.bravo, ...hostFlags.delta, '--canary', 'bravo', '--batch', '2', '--yes', '--json');
	assert.equal(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {alpha: 'not-started', bravo: 'restored', delta: 'not-started'});
	assert.match(report.stopped ?? '', /the canary bravo failed/);
	assert.match(report.hosts.find(host => host.name === 'bravo')?.reason ?? '', /health gate failed: volume probe: .*this build is broken/);
	assert.match(result.stderr, /^bravo: health: volume probe FAILED/m);
	assert.match(result.stderr, /did not finish: 0 done, 1 failed and restored, 0 failed and not restored, 2 not started/);

	assert.equal(await runningVersion(bravo.sandbox, name), '1.2.9', 'the canary is enabled at its build again');
	assert.deepEqual(await Promise.all([pluginIdOf(sandbox, name), pluginIdOf(delta.sandbox, name)]), idsBefore);
	assert.deepEqual(await pluginEventsSince(sandbox, began), [], 'alpha saw no disable, upgrade or enable');
	assert.deepEqual(await pluginEventsSince(delta.sandbox, began), []);
	for (const daemon of [sandbox, delta.sandbox]) {
		assert.ok(!(await ledgerOf(ledgerDir, daemon)).read(name).entries.some(entry => entry.outcome === 'started'), 'no change was started there');
	}

	await assertNoProbeLeft();
});

/** A fleet rollout in a child process, with `onLine` called for each line of its standard error. */
async function rolloutProcess(ledgerDir: string, args: string[], onLine: Parameters<typeof runCliWatching>[1]['onLine']) {
	return runCliWatching(['--ledger-dir', ledgerDir, ...args], {env, onLine});
}

test('ctrl-c in the middle of a rollout: the host under way finishes its step and is put back, no other host starts', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-interrupt', ['alpha', 'bravo', 'delta']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-fleet-interrupt-');
	let sent = false;
	const result = await rolloutProcess(ledgerDir, ['fleet', 'upgrade', name, ...hostFlags.alpha, ...hostFlags.delta, ...hostFlags.bravo, '--yes', '--json'], (line, child) => {
		if (!sent && line.startsWith('delta: [2/3]')) {
			sent = true;
			child.kill('SIGINT');
		}
	});
	assert.ok(sent, result.stderr);
	assert.equal(result.code, 1, result.stderr);
	assert.match(result.stderr, /SIGINT: finishing the current step, then undoing/);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {alpha: 'done', delta: 'restored', bravo: 'not-started'});
	assert.match(report.hosts.find(host => host.name === 'delta')?.reason ?? '', /interrupted \(SIGINT\)/);
	assert.match(report.stopped ?? '', /interrupted \(SIGINT\)/);
	assert.deepEqual(
		await Promise.all([runningVersion(sandbox, name), runningVersion(delta.sandbox, name), runningVersion(bravo.sandbox, name)]),
		['1.2.10', '1.2.9', '1.2.9'],
	);
	for (const daemon of [sandbox, delta.sandbox, bravo.sandbox]) {
		assert.equal((await ledgerOf(ledgerDir, daemon)).unfinished(name), undefined, 'nothing is left half-done');
	}
});

test('a rollout that dies in the middle of a host\'s upgrade: the next rollout leaves that host alone, and recover --host puts it back', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-killed', ['alpha', 'bravo']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-fleet-killed-');
	const killed = await rolloutProcess(ledgerDir, ['fleet', 'upgrade', name, ...hostFlags.bravo, ...hostFlags.alpha, '--yes'], (line, child) => {
		if (line.startsWith('bravo: [2/3]')) {
			child.kill('SIGKILL');
		}
	});
	assert.equal(killed.signal, 'SIGKILL', killed.stderr);
	const bravoLedger = await ledgerOf(ledgerDir, bravo.sandbox);
	assert.ok(bravoLedger.unfinished(name), 'bravo\'s ledger holds the change that did not finish');

	const again = await kasmTui(ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.bravo, ...hostFlags.alpha, '--yes', '--json');
	const report = JSON.parse(again.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {bravo: 'skipped', alpha: 'done'}, again.stderr);
	assert.match(report.hosts[0]!.reason ?? '', /did not finish: run "kasm-tui recover /);
	assert.equal(again.code, 0, again.stderr);

	const recovered = await kasmTui(ledgerDir, '--host', 'ssh://kasm-agent-1', 'recover', name, '--yes');
	assert.equal(recovered.code, 0, recovered.stderr);
	assert.equal(await runningVersion(bravo.sandbox, name), '1.2.9');
	assert.equal(bravoLedger.unfinished(name), undefined);
	assert.equal(bravoLedger.read(name).entries.at(-1)?.outcome, 'restored');
});

test('without a terminal and without --yes a rollout shows its plan and changes nothing; read-only refuses every host, exit 3', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-ask', ['alpha', 'bravo']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-fleet-ask-');
	const asked = await kasmTui(ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.alpha, ...hostFlags.bravo);
	assert.equal(asked.code, 2, asked.stderr);
	assert.match(asked.stdout, /^fleet upgrade .* on 2 hosts$/m);
	assert.match(asked.stdout, /docker plugin upgrade --grant-all-permissions/);
	assert.match(asked.stderr, /--yes/);
	const readOnly = await kasmTui(ledgerDir, '--read-only', 'fleet', 'upgrade', name, ...hostFlags.alpha, ...hostFlags.bravo, '--yes');
	assert.equal(readOnly.code, 3, readOnly.stderr);
	assert.match(readOnly.stderr, /every host was skipped/);
	assert.deepEqual(await Promise.all([runningVersion(sandbox, name), runningVersion(bravo.sandbox, name)]), ['1.2.9', '1.2.9']);
});

