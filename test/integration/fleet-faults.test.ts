import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import http from 'node:http';
import {runCli, runCliWatching} from '../helpers/cli.js';
import {mostAtOnce, startDelayingProxy, startProxy, waitUntil} from '../helpers/hardening.js';
import {installPlugin, moveTag, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {useFleetBed} from '../sandbox/fleet-bed.js';
import {isAlive, signal, sleep} from '../sandbox/processes.js';
import type {Sandbox} from '../sandbox/sandbox.js';

/**
 * The fleet when hosts misbehave, on real daemons: a daemon frozen (SIGSTOP) and an ssh link
 * frozen in the middle of a rollout, ctrl-c while a host hangs, a host whose TLS files are no
 * good beside good ones, the bound on hosts connecting at once, and the registry asked once.
 */
const {sandbox, leftovers, bravo, charlie, delta, dockerConfig, env, hostFlags, kasmTui, rollingEverywhere, ledgerOf, ssh, bravoSsh} = await useFleetBed();

interface RolloutJson {
	outcome: string;
	stopped: string | null;
	hosts: Array<{name: string; result: string; reason: string | null; skip: string | null}>;
}

const resultsOf = (json: RolloutJson) => Object.fromEntries(json.hosts.map(host => [host.name, host.result]));
const hostOf = (json: RolloutJson, name: string) => json.hosts.find(host => host.name === name)!;

/** The ssh processes kasm-tui started through the bed that are still running. */
const sshAlive = () => ssh.started().filter(started => isAlive(started.pid));

/** The plugin is enabled at a build its ledger names, and nothing of it is left unfinished. */
async function assertSettled(daemon: Sandbox, ledgerDir: string, name: string): Promise<void> {
	const [inspected] = JSON.parse(await daemon.docker(['plugin', 'inspect', name])) as Array<{Enabled: boolean; Config: {rootfs?: {diff_ids?: string[]}}}>;
	assert.equal(inspected?.Enabled, true, `${name} is enabled`);
	const ledger = await ledgerOf(ledgerDir, daemon);
	assert.equal(ledger.unfinished(name), undefined, 'nothing is left unfinished');
	const diffIds = inspected.Config.rootfs?.diff_ids?.join() ?? '';
	assert.ok(
		ledger.read(name).entries.some(entry => ['ok', 'restored'].includes(entry.outcome) && entry.identity.diffIds.join() === diffIds),
		'the ledger names the build it runs',
	);
}

/** Waits until the daemon answers again after SIGCONT, and a moment more for what it was asked meanwhile. */
async function answeringAgain(daemon: Sandbox): Promise<void> {
	await waitUntil('the daemon answers again', async () => daemon.docker(['plugin', 'ls']).then(() => true, () => false), 60_000);
	await sleep(2000);
}

test('a daemon frozen in the middle of a rollout: that host fails within --step-timeout and a few seconds, its state unknown, the rollout stops (exit 4), and recover --host settles it once it answers', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'faults-frozen', ['bravo', 'delta']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-faults-frozen-');
	const dockerd = delta.sandbox.state.pids.dockerd;
	let frozenAt = 0;
	t.after(() => signal(dockerd, 'SIGCONT'));
	const result = await runCliWatching(['--ledger-dir', ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.delta, ...hostFlags.bravo, '--step-timeout', '8', '--yes', '--json'], {
		env,
		onLine(line) {
			if (!frozenAt && line.startsWith('delta: [2/3]')) {
				frozenAt = Date.now();
				signal(dockerd, 'SIGSTOP');
			}
		},
	});
	signal(dockerd, 'SIGCONT');
	assert.ok(frozenAt, result.stderr);
	const tookMs = result.endedAt - frozenAt;
	assert.ok(tookMs < 8000 + 15_000, `it ended ${tookMs} ms after the daemon froze: within the step timeout and a few seconds`);
	assert.equal(result.code, 4, result.stderr);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {delta: 'failed', bravo: 'not-started'});
	assert.match(hostOf(report, 'delta').reason ?? '', /stopped answering during step 2\/3 \(pull\)/);
	assert.match(hostOf(report, 'delta').reason ?? '', /state is not known/);
	assert.match(report.stopped ?? '', /1 host failed, more than --max-failed 0/);
	assert.match(result.stderr, /^delta: no answer for 5 s \(step 2\/3, pull\)$/m, 'the silence is said while it lasts');
	assert.match(result.stderr, /run "kasm-tui recover <plugin> --host ADDRESS" on delta/);
	assert.equal(await runningVersion(bravo.sandbox, name), '1.2.9', 'the host after it was not started');

	await answeringAgain(delta.sandbox);
	const recovered = await kasmTui(ledgerDir, '--host', delta.host, 'recover', name, '--yes');
	assert.equal(recovered.code, 0, recovered.stderr);
	await assertSettled(delta.sandbox, ledgerDir, name);
});

test('an ssh link frozen in the middle of a rollout (its sshd sessions stopped): that host fails within --step-timeout and a few seconds, the rollout stops, and recover --host settles it', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'faults-link', ['bravo', 'delta']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-faults-link-');
	let frozenAt = 0;
	let thaw = () => {};
	t.after(() => thaw());
	const result = await runCliWatching(['--ledger-dir', ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.bravo, ...hostFlags.delta, '--step-timeout', '8', '--yes', '--json'], {
		env,
		onLine(line) {
			if (!frozenAt && line.startsWith('bravo: [2/3]')) {
				frozenAt = Date.now();
				thaw = bravoSsh.freezeSessions();
			}
		},
	});
	assert.ok(frozenAt, result.stderr);
	const tookMs = result.endedAt - frozenAt;
	assert.ok(tookMs < 8000 + 15_000, `it ended ${tookMs} ms after the link froze`);
	assert.ok(result.code === 1 || result.code === 4, `exit 1 or 4, not ${result.code}: ${result.stderr}`);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.ok(['failed', 'restored'].includes(hostOf(report, 'bravo').result), JSON.stringify(report));
	// The links open as it froze: the kept one the steps go on; the pull's own ssh may have come just after.
	assert.match(hostOf(report, 'bravo').reason ?? '', /stopped answering during step [23]\/3 \((pull|enable)\)/);
	assert.equal(hostOf(report, 'delta').result, 'not-started');
	assert.match(report.stopped ?? '', /1 host failed, more than --max-failed 0/, 'stopped by its rule');
	assert.deepEqual(sshAlive(), [], 'no ssh of kasm-tui outlives it');

	thaw();
	await answeringAgain(bravo.sandbox);
	const recovered = await kasmTui(ledgerDir, '--host', 'ssh://kasm-agent-1', 'recover', name, '--yes');
	assert.equal(recovered.code, 0, recovered.stderr);
	await assertSettled(bravo.sandbox, ledgerDir, name);
});

test('ctrl-c while a host hangs ends the rollout within seconds, with its report, and no ssh process left', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'faults-interrupt', ['bravo', 'delta']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-faults-interrupt-');
	const dockerd = delta.sandbox.state.pids.dockerd;
	let frozen = false;
	let interruptedAt = 0;
	let sshWhileHanging = 0;
	t.after(() => signal(dockerd, 'SIGCONT'));
	// bravo (over ssh) goes first and is done; delta hangs at its pull, under the default step timeout of 120 s.
	const result = await runCliWatching(['--ledger-dir', ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.bravo, ...hostFlags.delta, '--canary', 'bravo', '--yes', '--json'], {
		env,
		onLine(line, child) {
			if (!frozen && line.startsWith('delta: [2/3]')) {
				frozen = true;
				signal(dockerd, 'SIGSTOP');
			}

			if (!interruptedAt && line.startsWith('delta: no answer for 5 s')) {
				sshWhileHanging = sshAlive().length;
				interruptedAt = Date.now();
				child.kill('SIGINT');
			}
		},
	});
	signal(dockerd, 'SIGCONT');
	assert.ok(interruptedAt, result.stderr);
	assert.ok(sshWhileHanging > 0, 'bravo\'s ssh was open while delta hung');
	const tookMs = result.endedAt - interruptedAt;
	assert.ok(tookMs < 15_000, `it ended ${tookMs} ms after ctrl-c`);
	assert.ok(result.code === 1 || result.code === 4, `exit 1 or 4, not ${result.code}: ${result.stderr}`);
	assert.match(result.stderr, /SIGINT: finishing the current step, then undoing/);
	const report = JSON.parse(result.stdout) as RolloutJson;
	assert.equal(hostOf(report, 'bravo').result, 'done');
	assert.ok(['failed', 'restored'].includes(hostOf(report, 'delta').result), JSON.stringify(report));
	assert.match(report.stopped ?? '', /interrupted \(SIGINT\)/);
	assert.deepEqual(sshAlive(), [], 'no ssh of kasm-tui outlives it');

	await answeringAgain(delta.sandbox);
	const recovered = await kasmTui(ledgerDir, '--host', delta.host, 'recover', name, '--yes');
	assert.equal(recovered.code, 0, recovered.stderr);
	await assertSettled(delta.sandbox, ledgerDir, name);
});

test('a host whose TLS files are no good, beside three good ones: the three are read and rolled out, it is unreachable with a one-line reason', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'faults-tls', ['alpha', 'bravo', 'delta']);
	// A context like charlie's whose client key is not a key: a copy gone wrong.
	const contexts = path.join(dockerConfig, 'contexts');
	const charlieId = fs.readdirSync(path.join(contexts, 'meta'))[0]!;
	const brokenId = (await import('node:crypto')).createHash('sha256').update('broken').digest('hex');
	fs.mkdirSync(path.join(contexts, 'meta', brokenId), {recursive: true});
	const meta = JSON.parse(fs.readFileSync(path.join(contexts, 'meta', charlieId, 'meta.json'), 'utf8')) as {Name: string};
	fs.writeFileSync(path.join(contexts, 'meta', brokenId, 'meta.json'), JSON.stringify({...meta, Name: 'broken'}));
	fs.cpSync(path.join(contexts, 'tls', charlieId), path.join(contexts, 'tls', brokenId), {recursive: true});
	fs.writeFileSync(path.join(contexts, 'tls', brokenId, 'docker', 'key.pem'), '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
	t.after(() => {
		fs.rmSync(path.join(contexts, 'meta', brokenId), {recursive: true, force: true});
		fs.rmSync(path.join(contexts, 'tls', brokenId), {recursive: true, force: true});
	});
	const fleet = [...hostFlags.alpha, ...hostFlags.bravo, ...hostFlags.delta, '--context', 'broken'];
	const ledgerDir = leftovers.folder('kasm-tui-faults-tls-');

	const read = await kasmTui(ledgerDir, 'fleet', 'plugins', '--json', ...fleet);
	assert.equal(read.code, 0, read.stderr);
	const {hosts} = JSON.parse(read.stdout) as {hosts: Array<{name: string; reachable: boolean; error: string | null}>};
	assert.deepEqual(hosts.map(host => [host.name, host.reachable]), [['alpha', true], ['bravo', true], ['delta', true], ['broken', false]]);
	assert.match(hosts[3]!.error ?? '', /^its TLS files cannot be used \(.*\): check ca\.pem, cert\.pem and key\.pem$/);
	assert.doesNotMatch(hosts[3]!.error ?? '', /\n/);
	assert.deepEqual(sshAlive(), [], 'bravo\'s ssh ended with the command');

	// The same files for a single-host command: one line that says which files, not an unexpected error.
	const single = await runCli(['--ledger-dir', ledgerDir, '--host', charlie.tcpHost!, 'plugins'], {
		env: {...env, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(contexts, 'tls', brokenId, 'docker')},
	});
	assert.equal(single.code, 1, single.stderr);
	assert.match(single.stderr, /^kasm-tui: cannot use the TLS files for tcp:\/\/127\.0\.0\.1:\d+ \([^\n]*\): check ca\.pem, cert\.pem and key\.pem \(DOCKER_CERT_PATH, or the docker context's TLS folder\)\n$/);

	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const rollout = await kasmTui(ledgerDir, 'fleet', 'upgrade', name, ...fleet, '--batch', '3', '--yes', '--json');
	assert.equal(rollout.code, 0, rollout.stderr);
	const report = JSON.parse(rollout.stdout) as RolloutJson;
	assert.deepEqual(resultsOf(report), {alpha: 'done', bravo: 'done', delta: 'done', broken: 'skipped'});
	assert.equal(hostOf(report, 'broken').skip, 'unreachable');
	assert.match(hostOf(report, 'broken').reason ?? '', /^unreachable: its TLS files cannot be used \([^\n]*\): check ca\.pem, cert\.pem and key\.pem$/);
	assert.deepEqual(
		await Promise.all([runningVersion(sandbox, name), runningVersion(bravo.sandbox, name), runningVersion(delta.sandbox, name)]),
		['1.2.10', '1.2.10', '1.2.10'],
	);
	assert.deepEqual(sshAlive(), [], 'no ssh of kasm-tui outlives it');
});

test('--parallel 2 over six hosts never has more than two connecting at once; --parallel 0 is bad input', async () => {
	const proxies = await Promise.all(
		Array.from({length: 6}, async (_, index) => startDelayingProxy(delta.sandbox.state.socket, path.join(leftovers.folder('kt-slow-'), `h${index}.sock`), 400)),
	);
	after(async () => Promise.all(proxies.map(async proxy => proxy.close())));
	const flags = proxies.flatMap((proxy, index) => ['--host', `h${index}=unix://${proxy.socketPath}`]);
	const ledgerDir = leftovers.folder('kasm-tui-faults-parallel-');
	/** Each host's connecting: from its first connection taken to its first answer. */
	const connecting = () =>
		proxies.map(proxy => {
			const first = proxy.connections[0]!;
			assert.ok(first.answeredAt, 'every host answered');
			return {from: first.acceptedAt, to: first.answeredAt};
		});

	const bounded = await kasmTui(ledgerDir, 'fleet', 'plugins', '--json', '--read-only', '--parallel', '2', ...flags);
	assert.equal(bounded.code, 0, bounded.stderr);
	assert.equal((JSON.parse(bounded.stdout) as {hosts: Array<{reachable: boolean}>}).hosts.filter(host => host.reachable).length, 6);
	assert.equal(mostAtOnce(connecting()), 2, 'two at a time, and never more');

	// The same fleet unbounded: the proxies do see hosts connecting together.
	for (const proxy of proxies) {
		proxy.connections.length = 0;
	}

	const all = await kasmTui(ledgerDir, 'fleet', 'plugins', '--json', '--read-only', '--parallel', '6', ...flags);
	assert.equal(all.code, 0, all.stderr);
	assert.ok(mostAtOnce(connecting()) > 2, 'six at once when allowed');

	for (const [args, says] of [
		[['fleet', 'plugins', '--parallel', '0', ...flags], /^kasm-tui: --parallel takes a whole number from 1 to 1024, not "0"$/],
		[['fleet', 'upgrade', 'some/plugin:1', '--step-timeout', '0', ...flags], /^kasm-tui: --step-timeout takes seconds from 1 to 3600, not "0"$/],
	] as const) {
		const refused = await kasmTui(ledgerDir, ...args);
		assert.equal(refused.code, 2, refused.stderr);
		assert.match(refused.stderr.trimEnd(), says);
	}
});

test('the registry is asked once per repository and manifest for a whole rollout over three hosts, and for a fleet read', async t => {
	const proxy = await startProxy({host: '127.0.0.1', port: Number(sandbox.registry.split(':')[1])});
	after(async () => proxy.close());
	const asked: string[] = [];
	// kasm-tui's own requests: the daemons' pulls come through the proxy too.
	proxy.rule = request => {
		if (request.headers['user-agent'] === 'kasm-tui') {
			asked.push(`${request.method} ${request.url}`);
		}

		return undefined;
	};

	const {repositoryPath} = await rollingEverywhere(t, 'faults-registry', []);
	const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
	await Promise.all(([sandbox, bravo.sandbox, delta.sandbox] as const).map(async daemon => installPlugin(daemon, `${proxy.address}/${repositoryPath}:${rollingTag}`, {alias: name})));
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const askedTwice = () => [...new Set(asked.filter((request, index) => asked.indexOf(request) !== index))];
	const ledgerDir = leftovers.folder('kasm-tui-faults-registry-');
	const fleet = [...hostFlags.alpha, ...hostFlags.bravo, ...hostFlags.delta];

	const read = await kasmTui(ledgerDir, 'fleet', 'plugins', '--json', ...fleet);
	assert.equal(read.code, 0, read.stderr);
	assert.ok(asked.some(request => request.includes('/manifests/')), asked.join('\n'));
	assert.deepEqual(askedTwice(), [], `asked more than once:\n${asked.join('\n')}`);

	asked.length = 0;
	const rollout = await kasmTui(ledgerDir, 'fleet', 'upgrade', name, ...fleet, '--batch', '3', '--yes', '--json');
	assert.equal(rollout.code, 0, rollout.stderr);
	assert.deepEqual(resultsOf(JSON.parse(rollout.stdout) as RolloutJson), {alpha: 'done', bravo: 'done', delta: 'done'});
	assert.ok(asked.some(request => request.includes('/tags/list')), asked.join('\n'));
	assert.deepEqual(askedTwice(), [], `asked more than once:\n${asked.join('\n')}`);
});

test('under --step-timeout a pull that keeps reporting progress goes on past it, and one that only repeats itself is given up and put back', async t => {
	const registryPort = Number(sandbox.registry.split(':')[1]);
	const proxy = await startProxy({host: '127.0.0.1', port: registryPort});
	after(async () => proxy.close());
	// Builds of their own content: a layer no daemon has pulled yet, so each pull fetches it through the proxy.
	const unique = Math.random().toString(36).slice(2, 8);
	const [slow, stalled] = [`1.2.10-slow${unique}`, `1.2.11-stalled${unique}`];
	const {repositoryPath} = await rollingEverywhere(t, 'faults-progress', [], ['1.2.9', slow, stalled]);
	const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
	await installPlugin(delta.sandbox, `${proxy.address}/${repositoryPath}:${rollingTag}`, {alias: name});
	const layerOf = async (version: string) => {
		const manifest = (await (await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/manifests/amd64-${version}`, {headers: {Accept: 'application/vnd.docker.distribution.manifest.v2+json'}})).json()) as {
			layers: Array<{digest: string}>;
		};
		const digest = manifest.layers[0]!.digest;
		return {digest, blob: Buffer.from(await (await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/blobs/${digest}`)).arrayBuffer())};
	};

	type Request = import('node:http').IncomingMessage;
	type Response = import('node:http').ServerResponse;
	/**
	 * The daemon's requests, held up: each look at a manifest for `holdMs` before it is passed on,
	 * and the layer sent in ten pieces over `holdMs` (or `stallAfter` pieces, then nothing).
	 * dockerd reports a plugin's download as 0 B until it is complete, repeating that line
	 * every 100 ms: what moves is its status (Pulling from, Waiting, Download complete…).
	 */
	const slowRegistry =
		({digest, blob}: {digest: string; blob: Buffer}, {holdMs, stallAfter = Number.POSITIVE_INFINITY}: {holdMs: number; stallAfter?: number}) =>
		(request: Request) => {
			if (request.headers['user-agent'] === 'kasm-tui') {
				return undefined;
			}

			if (request.method === 'GET' && request.url?.endsWith(digest)) {
				return (_request: Request, response: Response) => {
					response.writeHead(200, {'Content-Length': blob.length, 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest});
					const size = Math.ceil(blob.length / 10);
					let sent = 0;
					const next = () => {
						if (response.destroyed || sent >= stallAfter) {
							return;
						}

						if (sent >= 10) {
							response.end();
							return;
						}

						response.write(blob.subarray(sent * size, (sent + 1) * size));
						sent++;
						setTimeout(next, holdMs / 10);
					};

					next();
				};
			}

			if (request.url?.includes('/manifests/')) {
				return (held: Request, response: Response) => {
					setTimeout(() => {
						const onward = http.request({host: '127.0.0.1', port: registryPort, method: held.method, path: held.url, headers: held.headers}, answer => {
							response.writeHead(answer.statusCode ?? 502, answer.headers);
							answer.pipe(response);
						});
						onward.on('error', () => response.destroy());
						onward.end();
					}, holdMs);
				};
			}

			return undefined;
		};

	const ledgerDir = leftovers.folder('kasm-tui-faults-progress-');
	// The plan asks the daemon for the privileges, through the same slow registry: reads may wait for it.
	const upgrade = async () =>
		runCli(['--ledger-dir', ledgerDir, 'fleet', 'upgrade', name, ...hostFlags.delta, '--step-timeout', '4', '--yes', '--json'], {
			env: {...env, KASM_TUI_API_TIMEOUT: '20'},
			timeoutMs: 120_000,
		});

	// Each silence 2.5 s, under the 4 s deadline; the whole pull longer than it: alive.
	await moveTag(sandbox, repositoryPath, rollingTag, `amd64-${slow}`);
	proxy.rule = slowRegistry(await layerOf(slow), {holdMs: 2500});
	const began = Date.now();
	const alive = await upgrade();
	assert.equal(alive.code, 0, alive.stderr);
	assert.ok(Date.now() - began > 4000, 'the pull took longer than the step timeout');
	assert.equal(await runningVersion(delta.sandbox, name), slow);

	// The next build's download stops a third of the way: the daemon only repeats its line. Given up after 4 s, put back.
	await moveTag(sandbox, repositoryPath, rollingTag, `amd64-${stalled}`);
	proxy.rule = slowRegistry(await layerOf(stalled), {holdMs: 500, stallAfter: 3});
	const silent = await upgrade();
	proxy.rule = undefined;
	assert.equal(silent.code, 1, silent.stderr);
	const report = JSON.parse(silent.stdout) as RolloutJson;
	assert.equal(hostOf(report, 'delta').result, 'restored', silent.stderr);
	assert.match(hostOf(report, 'delta').reason ?? '', /made no progress during step 2\/3 \(pull\): the same progress again and again for 4 s/);
	assert.equal(await runningVersion(delta.sandbox, name), slow, 'put back at the build it had');
});
