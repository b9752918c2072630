import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {after, test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {kasmTuiCommand, runCli} from '../helpers/cli.js';
import {answer, assertNoControl, assertOneErrorLine, assertSettled, inspectPlugin, kasmTuiProcess, readManifest, retag, startProxy, waitUntil} from '../helpers/hardening.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin, moveTag, pushPluginBuild, pushRepository, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {restartDaemon, startExtraRegistry, startSandbox, type Sandbox} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * Faults around a flow: a registry that fails in the middle of a pull, the daemon restarted in
 * the middle of a flow, a ledger folder that cannot be written, SIGHUP to the screen. Whatever
 * happens, the plugin ends enabled at a build its ledger names and nothing is left unfinished.
 */

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

/** Fault cases that ended with the plugin settled, and those that did not (the issue's figure). */
const tally = {settled: 0, halfDone: 0};
after(() => {
	process.stderr.write(`# hardening faults: ${tally.settled} fault cases ended settled, ${tally.halfDone} half-done\n`);
});

async function settled(on: Sandbox, ledgerDir: string, name: string) {
	try {
		const state = await assertSettled(on, ledgerDir, name);
		tally.settled++;
		return state;
	} catch (error) {
		tally.halfDone++;
		throw error;
	}
}

const kasmTui = async (ledgerDir: string, ...args: string[]) => runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);

/** A rolling plugin on the shared daemon from a repository of the test's own, its tag moved on to 1.2.10. */
async function movedRollingPlugin(stem: string) {
	const repositoryPath = uniqueName(stem);
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
	await installPlugin(sandbox, repository.ref(rollingTag), {alias: name});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	return {repositoryPath, name};
}

/** Text a registry might put in an error, carrying an OSC title, a clear screen and colours. */
const hostileWords = 'injected \u001B]0;pwned-by-registry\u0007\u001B[2J\u001B[31mfailure\u001B[0m\u009B1m';

const pullFaults: Array<{fault: string; blob: 'layer' | 'config'; rule: (upstream: string) => Parameters<typeof http.createServer>[1]}> = [
	{
		fault: 'answers 500, with escape sequences in its JSON error, for the new layer',
		blob: 'layer',
		rule: () => answer(500, JSON.stringify({errors: [{code: 'UNKNOWN', message: hostileWords}]})),
	},
	{fault: 'answers 503 for the new layer', blob: 'layer', rule: () => answer(503, JSON.stringify({errors: [{code: 'UNAVAILABLE', message: 'try later'}]}))},
	{fault: 'answers 500 for the new config blob', blob: 'config', rule: () => answer(500, '{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}')},
	{
		fault: 'cuts the connection half-way through the new layer',
		blob: 'layer',
		rule: upstream => (request, response) => {
			http.get({host: upstream.split(':')[0], port: Number(upstream.split(':')[1]), path: request.url, headers: {...request.headers, host: upstream}}, blob => {
				const chunks: Buffer[] = [];
				blob.on('data', chunk => chunks.push(chunk as Buffer));
				blob.on('end', () => {
					const whole = Buffer.concat(chunks);
					response.writeHead(200, {...blob.headers, 'content-length': whole.length});
					response.write(whole.subarray(0, Math.floor(whole.length / 2)), () => setTimeout(() => response.socket?.destroy(), 20));
				});
			});
		},
	},
];

for (const {fault, blob, rule} of pullFaults) {
	test(`the registry ${fault} in the middle of an upgrade's pull: the plugin is enabled at its old build, the ledger says restored`, async () => {
		const ledgerDir = leftovers.folder('kasm-tui-faults-');
		const registry = await startExtraRegistry(sandbox);
		const proxy = await startProxy({host: '127.0.0.1', port: Number(registry.address.split(':')[1])});
		try {
			const repositoryPath = uniqueName('faults-pull');
			for (const version of ['1.2.9', '1.2.10']) {
				await pushPluginBuild(sandbox, `${registry.address}/${repositoryPath}:amd64-${version}`, {version});
			}

			await retag(registry.address, repositoryPath, rollingTag, 'amd64-1.2.9');
			const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
			await installPlugin(sandbox, `${proxy.address}/${repositoryPath}:${rollingTag}`, {alias: name});
			await retag(registry.address, repositoryPath, rollingTag, 'amd64-1.2.10');

			// Only the daemon's pull fails, and only once it has the manifest: kasm-tui's own reads (User-Agent kasm-tui) pass.
			const {manifest} = await readManifest(registry.address, repositoryPath, 'amd64-1.2.10');
			const target = blob === 'layer' ? manifest.layers[0]!.digest : manifest.config.digest;
			let manifestServed = false;
			let faulted = 0;
			proxy.rule = request => {
				const fromDaemon = !String(request.headers['user-agent']).startsWith('kasm-tui');
				if (fromDaemon && request.url?.includes('/manifests/')) {
					manifestServed = true;
				}

				if (fromDaemon && request.url?.endsWith(`/blobs/${target}`)) {
					faulted++;
					return rule(registry.address);
				}

				return undefined;
			};

			const result = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
			assert.equal(result.code, 1, result.stderr);
			assert.ok(manifestServed && faulted > 0, `the fault hit the daemon's pull after the manifest (${proxy.seen.join(', ')})`);
			const line = result.stderr.trimEnd().split('\n').at(-1)!;
			assert.match(line, /^kasm-tui: upgrade of .* failed: .*is as it was \(enabled, amd64-1\.2-rolling\)$/);
			for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
				assertNoControl(text, stream);
				assert.ok(!text.includes('pwned'), `the OSC title's payload is gone from ${stream}`);
			}

			const state = await settled(sandbox, ledgerDir, name);
			assert.equal(state.version, '1.2.9');
			assert.equal(new Ledger(ledgerDir).read(name).entries.at(-1)?.outcome, 'restored');
		} finally {
			await proxy.close();
			await registry.stop();
		}
	});
}

/** How a daemon restart meets the step under way, held at that point by a proxy in front of the daemon, and what must follow. */
interface RestartMoment {
	moment: string;
	/** The request the restart meets: the first of them that passes the proxy. */
	request: RegExp;
	/** `lost`: restarted before the request reaches it, which is then cut; `cut`: the answer is cut once it says `after`, then the daemon restarted; `late`: restarted, then the request is handed to it. */
	fault: {kind: 'lost'} | {kind: 'cut'; after: RegExp} | {kind: 'late'};
	code: number;
	outcome: 'restored' | 'ok';
	version: string;
}

const restartMoments: RestartMoment[] = [
	// The upgrade never reached the daemon: undone, the old build enabled again.
	{moment: 'as the upgrade is asked for', request: /\/plugins\/[^/?]+\/upgrade/, fault: {kind: 'lost'}, code: 1, outcome: 'restored', version: '1.2.9'},
	// The pull had its manifest and the daemon may or may not have swapped the build: kasm-tui cannot know, so it puts the old one back.
	{moment: 'once the pull has its manifest', request: /\/plugins\/[^/?]+\/upgrade/, fault: {kind: 'cut', after: /Digest: sha256:/}, code: 1, outcome: 'restored', version: '1.2.9'},
	// The restarted daemon still has the new build, disabled: the enable then goes through.
	{moment: 'as the enable is sent', request: /\/plugins\/[^/?]+\/enable/, fault: {kind: 'late'}, code: 0, outcome: 'ok', version: '1.2.10'},
];

/** A proxy rule that restarts `own`'s daemon where `moment` says, once; every other request passes. */
function restartRule(own: Sandbox, {request: target, fault}: RestartMoment, faulted: {done: boolean}) {
	const forward = (request: http.IncomingMessage, onAnswer: (answer: http.IncomingMessage) => void, onError: () => void) => {
		// A connection of its own: those pooled before the restart are dead.
		const upstream = http.request({socketPath: own.state.socket, method: request.method, path: request.url, headers: request.headers, agent: false}, onAnswer);
		upstream.on('error', onError);
		return upstream;
	};

	return (request: http.IncomingMessage) => {
		if (faulted.done || request.method !== 'POST' || !target.test(request.url ?? '')) {
			return undefined;
		}

		faulted.done = true;
		return (incoming: http.IncomingMessage, response: http.ServerResponse) => {
			if (fault.kind === 'lost') {
				void restartDaemon(own, {downMs: 1000}).finally(() => response.destroy());
				return;
			}

			if (fault.kind === 'late') {
				void restartDaemon(own, {downMs: 1000}).then(() => {
					const upstream = forward(incoming, answer => {
						response.writeHead(answer.statusCode ?? 502, answer.headers);
						answer.pipe(response);
					}, () => response.destroy());
					// Its body too, held while the daemon restarted.
					incoming.pipe(upstream);
				});
				return;
			}

			const upstream = forward(incoming, answer => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				let said = '';
				let cut = false;
				answer.on('data', (chunk: Buffer) => {
					said += cut ? '' : chunk.toString('utf8');
					if (cut || !fault.after.test(said)) {
						return cut || response.write(chunk);
					}

					// kasm-tui never hears how the step ended: the daemon goes away, then the answer is cut.
					cut = true;
					void restartDaemon(own, {downMs: 1000}).finally(() => response.destroy());
				});
				answer.on('end', () => cut || response.end());
			}, () => response.destroy());
			incoming.pipe(upstream);
		};
	};
}

test('the daemon restarted in the middle of an upgrade (as it is asked for, once the pull has its manifest, as the enable is sent): each ends the one way it must, and the plugin is enabled at a build its ledger names', async () => {
	const outcomes: string[] = [];
	// Not while it disables: dockerd 20.10 stopped in the middle of a plugin's disable cannot restore
	// that plugin and panics on every start after, or on the first volume listing (libnetwork's and
	// the volume store's remote drivers, docker/for-win#9282): no client can undo that.
	for (const expected of restartMoments) {
		// A sandbox of the test's own for each: restarting the shared daemon would disturb other tests.
		const own = await startSandbox();
		const proxy = await startProxy({socketPath: own.state.socket}, {socketPath: path.join(own.state.dir, 'restarting.sock')});
		try {
			const repositoryPath = uniqueName('faults-restart');
			const repository = await pushRepository(own, repositoryPath, ['1.2.9', '1.2.10']);
			const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
			await installPlugin(own, repository.ref(rollingTag), {alias: name});
			await moveTag(own, repositoryPath, rollingTag, 'amd64-1.2.10');
			const ledgerDir = leftovers.folder('kasm-tui-faults-');

			const faulted = {done: false};
			proxy.rule = restartRule(own, expected, faulted);
			const run = await runCli(['--host', `unix://${proxy.address}`, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes'], {timeoutMs: 180_000});
			const {moment} = expected;
			assert.ok(faulted.done, `the daemon was restarted ${moment}`);
			assert.equal(run.code, expected.code, `exit ${expected.code} ${moment}: ${run.stderr}`);
			assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
			assertNoControl(run.stderr, 'stderr');
			if (expected.code !== 0) {
				assertOneErrorLine(run.stderr, `the failure ${moment}`, {afterProgress: true});
			}

			const state = await settled(own, ledgerDir, name);
			assert.equal(state.version, expected.version, moment);
			assert.equal(state.namedBy, `upgrade:${expected.outcome}`, moment);
			assert.equal(new Ledger(ledgerDir).read(name).entries.at(-1)?.outcome, expected.outcome, moment);
			// The daemon is still whole: it lists volumes (which a plugin it failed to restore would crash).
			await own.docker(['volume', 'ls']);
			outcomes.push(`${moment}: exit ${run.code}, runs ${state.version} (${state.namedBy})`);
		} finally {
			await proxy.close();
			await own.stop();
		}
	}

	process.stderr.write(`# daemon restarted mid-flow: ${outcomes.join('; ')}\n`);
});

/** Plugin events (disable, enable, upgrade…) the daemon recorded for a plugin since `since`. */
async function pluginEvents(pluginId: string, since: number): Promise<string[]> {
	const text = await sandbox.docker(['events', '--since', String(since / 1000), '--until', String(Date.now() / 1000), '--filter', 'type=plugin', '--format', '{{.Action}} {{.Actor.ID}}']);
	return text.split('\n').filter(line => line.includes(pluginId));
}

/** The ledger refused before the daemon was touched: nothing changed, exit 1, one line saying why. */
async function assertRefusedUntouched(ledgerDir: string, name: string, why: RegExp) {
	const before = await inspectPlugin(sandbox, name);
	const began = Date.now();
	for (const args of [['upgrade', name, '--yes'], ['reinstall', name, '--version', 'amd64-1.2.10', '--yes'], ['upgrade-plugins', '--name', name]]) {
		const result = await kasmTui(ledgerDir, ...args);
		assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
		assert.equal(result.stdout, '', `${args[0]} printed no plan`);
		assert.match(assertOneErrorLine(result.stderr, args[0]!), why);
	}

	const after = await inspectPlugin(sandbox, name);
	assert.deepEqual({id: after?.Id, enabled: after?.Enabled, reference: after?.PluginReference}, {id: before?.Id, enabled: true, reference: before?.PluginReference});
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	assert.deepEqual(await pluginEvents(before!.Id, began), [], 'the daemon saw no disable, upgrade or enable');
	tally.settled++;
}

function mount(...args: string[]) {
	execFileSync('mount', args, {stdio: ['ignore', 'ignore', 'pipe']});
}

test('a read-only ledger folder is refused before the daemon is touched: the plugin is untouched and enabled, exit 1, one line', async () => {
	const {name} = await movedRollingPlugin('faults-ro');
	const ledgerDir = leftovers.folder('kasm-tui-faults-ro-');
	fs.chmodSync(ledgerDir, 0o700);
	mount('--bind', ledgerDir, ledgerDir);
	try {
		mount('-o', 'remount,bind,ro', ledgerDir);
		assert.throws(() => fs.writeFileSync(path.join(ledgerDir, 'probe'), ''), /EROFS/);
		await assertRefusedUntouched(ledgerDir, name, /cannot write the ledger in .* \(EROFS\)/);
	} finally {
		execFileSync('umount', [ledgerDir]);
	}
});

test('a full disk under the ledger is refused before the daemon is touched: the plugin is untouched and enabled, exit 1, one line', async () => {
	const {name} = await movedRollingPlugin('faults-full');
	const ledgerDir = leftovers.folder('kasm-tui-faults-full-');
	mount('-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', ledgerDir);
	try {
		assert.throws(() => fs.writeFileSync(path.join(ledgerDir, 'filler'), Buffer.alloc(1 << 20, 1)), /ENOSPC/);
		await assertRefusedUntouched(ledgerDir, name, /cannot write the ledger in .* \(ENOSPC\): free some disk space/);
	} finally {
		execFileSync('umount', [ledgerDir]);
	}
});

test('SIGHUP to the screen while an upgrade runs: the plugin ends enabled at a build its ledger names, nothing unfinished, the terminal given back', async () => {
	const {repositoryPath, name} = await movedRollingPlugin('faults-hup');
	const ledgerDir = leftovers.folder('kasm-tui-faults-hup-');
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir], {columns: 120, rows: 36});
	try {
		await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
		await screen.keys('/');
		await screen.typeText(repositoryPath);
		await screen.keys('Enter');
		await screen.waitFor(text => text.includes('enabled · rolling') && text.includes('(installed'), 30_000);
		await screen.keys('u');
		await screen.waitFor(text => text.includes('y go ahead'), 30_000);
		const pid = kasmTuiProcess(ledgerDir);
		assert.ok(pid, 'the screen runs');
		await screen.answerPrompt({title: /Upgrade .*sidecar:amd64-1\.2-rolling\?/, body: [/\$ docker plugin disable/, /\$ docker plugin upgrade --grant-all-permissions/]}, 'y');
		// The flow has begun once its `started` entry is on disk: hang up then.
		await waitUntil('the upgrade starting', () => new Ledger(ledgerDir).read(name).entries.some(entry => entry.outcome === 'started'));
		process.kill(pid, 'SIGHUP');
		assert.equal(await screen.exitCode(60_000), 0);
		assert.doesNotMatch(await screen.capture(), /Plugins \(/, 'back from the alternate screen');
		const state = await settled(sandbox, ledgerDir, name);
		const outcome = new Ledger(ledgerDir).read(name).entries.at(-1);
		assert.ok(
			(outcome?.outcome === 'restored' && state.version === '1.2.9') || (outcome?.outcome === 'ok' && state.version === '1.2.10'),
			`undone or finished: ${outcome?.outcome} at ${state.version}`,
		);
		process.stderr.write(`# SIGHUP mid-upgrade: ${outcome?.outcome}${outcome?.error ? ` (${outcome.error})` : ''}, runs ${state.version}\n`);
	} finally {
		await screen.close();
	}
});
