import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {Engine} from '../../source/docker/engine.js';
import {openFlowContext} from '../../source/flows/context.js';
import {runPruneChange} from '../../source/flows/pipeline.js';
import {planPrune} from '../../source/flows/prune.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {runCli, runCliWatching} from '../helpers/cli.js';
import {startProxy} from '../helpers/hardening.js';
import {importImage} from '../sandbox/fixtures.js';
import {startExtraDaemon, startSilentHost, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import {useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * prune removes builds from every image of a daemon it is pointed at, so it gets daemons of its
 * own (of the kind under test), never the sandbox's, which other test files share.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const started = await Promise.allSettled([startExtraDaemon(sandbox), startExtraDaemon(sandbox)]);
after(async () => Promise.all(started.map(async daemon => (daemon.status === 'fulfilled' ? daemon.value.stop() : undefined))));
const [agent1, agent2] = started.map(daemon => {
	if (daemon.status === 'rejected') {
		throw daemon.reason;
	}

	return daemon.value;
}) as [ExtraDaemon, ExtraDaemon];
const down = await startSilentHost();
after(async () => down.close());
const ledgerDir = leftovers.folder('kasm-tui-prune-ledger-');
const env = {KASM_TUI_LEDGER_DIR: ledgerDir, KASM_TUI_API_TIMEOUT: '3'};

/** What the daemon itself says, asked without kasm-tui: its image disk and its image builds with their sizes. */
async function engineGet<T>(daemon: ExtraDaemon, path: string): Promise<T> {
	return new Promise((resolve, reject) => {
		const request = http.get({socketPath: daemon.sandbox.state.socket, path}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => (response.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`${path}: HTTP ${response.statusCode} ${body}`))));
		});
		request.on('error', reject);
	});
}

const layersSize = async (daemon: ExtraDaemon) => (await engineGet<{LayersSize: number}>(daemon, '/system/df')).LayersSize;
const builds = async (daemon: ExtraDaemon) => new Map((await engineGet<Array<{Id: string; Size: number; RepoTags: string[] | null}>>(daemon, '/images/json')).map(image => [image.Id, image]));

interface PruneJson {
	hosts: Array<{
		name: string;
		reachable: boolean;
		error: string | null;
		disk: {imagesSize: number; reclaimable: number} | null;
		planned: Array<{id: string; tags: string[]; size: number; reason: string; command: string}>;
		kept: Array<{id: string; movedTag: string | null; usedBy: {containers: string[]}}>;
		removed: Array<{id: string; size: number}>;
		freed: number | null;
		diskAfter: {imagesSize: number} | null;
	}>;
	freed: number;
}

/**
 * agent-1 as an agent looks after Kasm re-pulled a rolling tag: `app:rolling` moved on to a new
 * build while the session container `ws-old` still runs the old one; an older build nothing uses
 * is left untagged; `release:v1`…`release:v3` are three releases, a stopped container made from v1.
 * agent-2 has one untagged build nothing uses.
 */
const ids: Record<string, string> = {};
before(async () => {
	const one = agent1.sandbox;
	ids.unused = await importImage(one, 'kt-prune/app:rolling', 'unused old build');
	ids.running = await importImage(one, 'kt-prune/app:rolling', 'build a session runs');
	await one.docker(['run', '-d', '--name', 'ws-old', '--network', 'none', 'kt-prune/app:rolling', '/bin/sh', '-c', 'sleep 600']);
	ids.current = await importImage(one, 'kt-prune/app:rolling', 'current build');
	for (const version of ['v1', 'v2', 'v3']) {
		ids[version] = await importImage(one, `kt-prune/release:${version}`, `release ${version}`);
		// Creation times a second apart: which release is the newest is never a tie.
		await new Promise(resolve => setTimeout(resolve, 1100));
	}

	await one.docker(['create', '--name', 'stopped-v1', '--network', 'none', 'kt-prune/release:v1']);
	ids.agent2Unused = await importImage(agent2.sandbox, 'kt-prune/other:1', 'agent-2 old build');
	await importImage(agent2.sandbox, 'kt-prune/other:1', 'agent-2 current build');
	for (const [name, id] of Object.entries(ids)) {
		ids[name] = id.startsWith('sha256:') ? id : `sha256:${id}`;
	}
});

test('bad input is one line and exit 2: --keep out of range, a host the fleet does not have', async () => {
	for (const [args, pattern] of [
		[['--keep', '0'], /^kasm-tui: --keep takes a whole number from 1 to 1000, not "0"$/],
		[['--keep', 'many'], /^kasm-tui: --keep takes a whole number from 1 to 1000, not "many"$/],
		[['nosuch'], /^kasm-tui: no host named nosuch in the fleet \(agent-1\)$/],
	] as const) {
		const result = await runCli(['prune', '--host', `agent-1=${agent1.host}`, ...args, '--yes'], {env});
		assert.equal(result.code, 2, result.stderr);
		assert.match(result.stderr.trimEnd(), pattern);
		assert.equal(result.stderr.trimEnd().split('\n').length, 1);
	}

	assert.ok((await builds(agent1)).has(ids.unused!), 'nothing was removed');
});

test('without a terminal and without --yes, or with --read-only, nothing is removed: the plan is shown, with sizes and the docker commands', async () => {
	const result = await runCli(['prune', '--host', `agent-1=${agent1.host}`], {env});
	assert.equal(result.code, 2, result.stderr);
	assert.match(result.stdout, /agent-1: 1 build to remove, about \S+B \(images take \S+B, \S+B reclaimable\)/);
	assert.match(result.stdout, new RegExp(`${ids.unused!.slice(7, 19)} .*no tag .*docker image rm ${ids.unused!.slice(7, 19)}`));
	assert.match(result.stdout, new RegExp(`kept ${ids.running!.slice(7, 19)} <none> \\(was kt-prune/app:rolling: the tag has moved on\\): in use by ws-old`));
	assert.match(result.stderr, /add --yes/);
	assert.ok((await builds(agent1)).has(ids.unused!));

	// --read-only: refused where the change would happen, exit 3, whatever --yes says.
	const readOnly = await runCli(['prune', '--host', `agent-1=${agent1.host}`, '--read-only', '--yes'], {env});
	assert.equal(readOnly.code, 3, readOnly.stderr);
	assert.match(readOnly.stderr, /^kasm-tui: kasm-tui is read-only \(--read-only\): it will not remove 1 image build/m);
	assert.ok((await builds(agent1)).has(ids.unused!));
});

test('prune removes the old build nothing uses and keeps the one a session still runs after its tag moved; the bytes it reports freed are what the daemon shows freed', async () => {
	const listed = await builds(agent1);
	const beforeSize = await layersSize(agent1);
	const beforeSize2 = await layersSize(agent2);
	const listed2 = await builds(agent2);
	const result = await runCli(['prune', '--host', `agent-1=${agent1.host}`, '--host', `agent-2=${agent2.host}`, '--host', `down=${down.address}`, '--yes', '--json'], {env});
	// The host that never answers is its own failure: exit 1, the others pruned.
	assert.equal(result.code, 1, result.stderr);
	assert.match(result.stderr, /the prune failed on down/);
	const report = JSON.parse(result.stdout) as PruneJson;
	const [one, two, silent] = report.hosts;
	assert.equal(silent!.reachable, false);
	assert.match(silent!.error!, /no answer within 3 s/);

	assert.deepEqual(one!.removed.map(build => build.id), [ids.unused]);
	assert.deepEqual(one!.kept.map(build => [build.id, build.movedTag, build.usedBy.containers]), [[ids.running, 'kt-prune/app:rolling', ['ws-old']]]);
	const now = await builds(agent1);
	assert.equal(now.has(ids.unused!), false, 'the unused old build is gone');
	for (const kept of ['running', 'current', 'v1', 'v2', 'v3']) {
		assert.ok(now.has(ids[kept]!), `${kept} is still there`);
	}

	// The daemon's own count, before and after, asked without kasm-tui.
	const afterSize = await layersSize(agent1);
	assert.equal(one!.freed, beforeSize - afterSize);
	assert.equal(one!.freed, listed.get(ids.unused!)!.Size, 'what the removed build took');
	assert.equal(one!.disk!.imagesSize, beforeSize);
	assert.equal(one!.diskAfter!.imagesSize, afterSize);

	assert.deepEqual(two!.removed.map(build => build.id), [ids.agent2Unused]);
	assert.equal(two!.freed, beforeSize2 - (await layersSize(agent2)));
	assert.equal(two!.freed, listed2.get(ids.agent2Unused!)!.Size);
	assert.equal(report.freed, one!.freed! + two!.freed!);
	assert.match(result.stderr, new RegExp(`agent-1: docker image rm ${ids.unused!.slice(7, 19)}`));
});

test('--keep 1 removes the releases older than the newest, never one a stopped container was made from; said per host in words', async () => {
	const listed = await builds(agent1);
	const beforeSize = await layersSize(agent1);
	const result = await runCli(['prune', '--host', `agent-1=${agent1.host}`, '--keep', '1', '--yes'], {env});
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, new RegExp(`${ids.v2!.slice(7, 19)} +kt-prune/release:v2 .*older than the newest 1 +docker image rm ${ids.v2!.slice(7, 19)}`));
	assert.match(result.stdout, new RegExp(`kept ${ids.v1!.slice(7, 19)} kt-prune/release:v1: in use by stopped-v1`));
	const freed = beforeSize - (await layersSize(agent1));
	assert.equal(freed, listed.get(ids.v2!)!.Size);
	const [size, unit] = /removed 1 build, freed ([\d.]+)(k?B|MB)/.exec(result.stdout)!.slice(1);
	assert.ok(Math.abs(Number(size) * {B: 1, kB: 1e3, MB: 1e6}[unit as 'B'] - freed) < freed * 0.01, `${size}${unit} is ${freed} bytes`);
	const now = await builds(agent1);
	assert.equal(now.has(ids.v2!), false);
	for (const kept of ['running', 'current', 'v1', 'v3']) {
		assert.ok(now.has(ids[kept]!), `${kept} is still there`);
	}
});

test('a container created from a build between the plan and the confirmation keeps that build: the look under the lock finds it, and the rest goes', async () => {
	const doomed = await importImage(agent1.sandbox, 'kt-prune/late:1', 'build a session takes late');
	await importImage(agent1.sandbox, 'kt-prune/late:1', 'the build after it');
	const other = await importImage(agent1.sandbox, 'kt-prune/late:2', 'another old build');
	await importImage(agent1.sandbox, 'kt-prune/late:2', 'the build after that');
	const engine = await Engine.open(parseHost(agent1.host, 'flag'), {stepTimeoutMs: 60_000});
	after(() => engine.close());
	const flow = await openFlowContext({target: engine.target, engine, ledgerDir, hostName: 'agent-1'});
	const plan = await planPrune(flow);
	const id = (text: string) => (text.startsWith('sha256:') ? text : `sha256:${text}`);
	assert.deepEqual(plan.builds.map(build => build.id).sort(), [id(doomed), id(other)].sort());
	const runs = await runPruneChange([{host: 'agent-1', flow, plan}], {
		async confirm(plans) {
			assert.equal(plans[0]!.plan.builds.length, 2);
			// A Kasm session starts on the old build while the operator reads the plan.
			await agent1.sandbox.docker(['create', '--name', 'late-session', '--network', 'none', id(doomed)]);
			return true;
		},
	});
	const result = runs![0]!.result!;
	assert.deepEqual(result.removed.map(build => build.id), [id(other)]);
	assert.deepEqual(result.changed.map(entry => entry.build.id), [id(doomed)]);
	assert.match(result.changed[0]!.why, /the container late-session was created from it since the plan/);
	const now = await builds(agent1);
	assert.ok(now.has(id(doomed)), 'the build the session uses is still there');
	assert.equal(now.has(id(other)), false);

	// Once the session is gone, the next prune takes the build.
	await agent1.sandbox.docker(['rm', 'late-session']);
	const again = await runCli(['prune', '--host', `agent-1=${agent1.host}`, '--yes'], {env});
	assert.equal(again.code, 0, again.stderr);
	assert.match(again.stdout, /agent-1: removed 1 build, freed/);
});

test("fleet plugins gives each host's image disk as the daemon counts it: what images take and what could be reclaimed", async () => {
	const result = await runCli(['fleet', 'plugins', '--host', `agent-1=${agent1.host}`, '--host', `agent-2=${agent2.host}`, '--json', '--read-only'], {env});
	assert.equal(result.code, 0, result.stderr);
	const {hosts} = JSON.parse(result.stdout) as {hosts: Array<{name: string; disk: {imagesSize: number; reclaimable: number; builds: number}}>};
	for (const [host, daemon] of [
		[hosts[0]!, agent1],
		[hosts[1]!, agent2],
	] as const) {
		const df = await engineGet<{LayersSize: number; Images: Array<{Size: number; SharedSize: number; Containers: number}>}>(daemon, '/system/df');
		const used = df.Images.filter(image => image.Containers > 0).reduce((sum, image) => sum + image.Size - image.SharedSize, 0);
		assert.deepEqual(host.disk, {imagesSize: df.LayersSize, reclaimable: df.LayersSize - used, builds: df.Images.length}, host.name);
	}

	// agent-1's session holds its build: not all of its disk is reclaimable.
	assert.ok(hosts[0]!.disk.reclaimable < hosts[0]!.disk.imagesSize);
});

test('ctrl-c in the middle of a prune finishes the removal under way, leaves the rest, records what it did and says so (exit 1)', async () => {
	// One after another: on the containerd store two imports racing for one tag fail (already exists).
	const spare: string[] = [];
	for (const name of ['one', 'two', 'three']) {
		spare.push(await importImage(agent2.sandbox, 'kt-prune/spare:1', `spare ${name}`));
	}

	// The last import holds the tag; the two before it are untagged builds nothing uses.
	await agent2.sandbox.docker(['rmi', 'kt-prune/spare:1']);
	const before = await builds(agent2);
	// The first removal is held at a proxy in front of the daemon until kasm-tui has taken the ctrl-c.
	const proxy = await startProxy({socketPath: agent2.sandbox.state.socket}, {socketPath: path.join(leftovers.folder('kt-prune-proxy-'), 'docker.sock')});
	let release = () => {};
	const released = new Promise<void>(resolve => {
		release = resolve;
	});
	let held = false;
	proxy.rule = request => {
		if (held || request.method !== 'DELETE' || !/\/images\//.test(request.url ?? '')) {
			return undefined;
		}

		held = true;
		return (incoming, response) => {
			void released.then(() => {
				const upstream = http.request({socketPath: agent2.sandbox.state.socket, method: incoming.method, path: incoming.url, headers: incoming.headers}, answer => {
					response.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(response);
				});
				incoming.pipe(upstream);
			});
		};
	};

	try {
		let interrupted = false;
		const result = await runCliWatching(['prune', '--host', `agent-2=unix://${proxy.address}`, '--yes'], {
			env,
			onLine(line, child) {
				if (!interrupted && /^agent-2: docker image rm /.test(line)) {
					interrupted = true;
					child.kill('SIGINT');
				}

				if (/SIGINT: finishing the removal under way/.test(line)) {
					release();
				}
			},
		});
		assert.equal(result.code, 1, result.stderr);
		assert.match(result.stderr, /kasm-tui: SIGINT: finishing the removal under way; the rest stay/);
		assert.match(result.stderr, /agent-2: interrupted \(SIGINT\): (1 build left as it was|\d+ builds left as they were)/);
		assert.match(result.stderr, /the prune was interrupted on agent-2: what it removed is said above and recorded; run it again for the rest/);
	} finally {
		release();
		await proxy.close();
	}

	const after = await builds(agent2);
	const gone = [...before.keys()].filter(id => !after.has(id));
	assert.equal(gone.length, 1, 'one removal, the one under way');
	assert.ok(spare.some(id => after.has(id.startsWith('sha256:') ? id : `sha256:${id}`)), 'the rest stay');
	const again = await runCli(['prune', '--host', `agent-2=${agent2.host}`, '--yes'], {env});
	assert.equal(again.code, 0, again.stderr);
});
