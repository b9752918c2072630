import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {watchEvents, type StreamState, type StreamStateInfo} from '../../source/docker/events.js';
import {kasmTuiCommand} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin, pushPluginBuild} from '../sandbox/fixtures.js';
import {signal, sleep} from '../sandbox/processes.js';
import {startSandbox, type Sandbox} from '../sandbox/sandbox.js';
import {useLeftovers, useSandbox} from '../sandbox/shared.js';

// A daemon of this file's own: stopping the shared one would disturb the other test files.
const {sandbox: shared} = await useSandbox();
const leftovers = useLeftovers(shared);
let own: Sandbox;
before(async () => {
	own = await startSandbox();
	await pushPluginBuild(own, `${own.registry}/gone/plugin:1.0`, {version: 'gone'});
	await installPlugin(own, `${own.registry}/gone/plugin:1.0`, {alias: 'gone/plugin:1.0'});
});
after(async () => {
	signal(own.state.pids.dockerd, 'SIGCONT');
	await own.stop();
});

/** The stream's states as they come, with when each came. */
async function watch(host: string) {
	const engine = await Engine.open(parseHost(host, 'flag'));
	const states: Array<{state: StreamState; info: StreamStateInfo; at: number}> = [];
	const stream = watchEvents(engine, {onEvent() {}, onState: (state, info) => states.push({state, info, at: Date.now()})});
	const until = async (what: string, ready: () => boolean, timeoutMs = 20_000) => {
		const deadline = Date.now() + timeoutMs;
		while (!ready()) {
			assert.ok(Date.now() < deadline, `${what}: ${states.map(item => item.state).join(' → ')}`);
			await sleep(20);
		}
	};

	return {states, stream, until};
}

test('a daemon that stops answering (its stream left open) is lost within 5 s, and live again once it answers', async () => {
	const {states, stream, until} = await watch(own.host);
	try {
		await until('live', () => states.at(-1)?.state === 'live');
		await sleep(3000);
		assert.deepEqual(states.map(item => item.state), ['live'], 'an idle daemon that answers stays live');

		const stoppedAt = Date.now();
		signal(own.state.pids.dockerd, 'SIGSTOP');
		await until('lost', () => states.some(item => item.state === 'lost'), 10_000);
		const lost = states.find(item => item.state === 'lost')!;
		assert.equal(lost.info.reason, 'the daemon does not answer');
		assert.ok(lost.at - stoppedAt < 5000, `lost ${lost.at - stoppedAt} ms after the daemon stopped answering`);

		signal(own.state.pids.dockerd, 'SIGCONT');
		await until('live again', () => states.at(-1)?.state === 'live');
	} finally {
		signal(own.state.pids.dockerd, 'SIGCONT');
		stream.close();
	}
});

test('the screen says the daemon is gone while it does not answer, and clears the banner once it does', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-gone-');
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', own.host, '--ledger-dir', ledgerDir], {columns: 120, rows: 30});
	try {
		await screen.waitFor(text => text.includes('Plugins (1)') && text.includes('gone/plugin:1.0'));
		await sleep(1500);
		const stoppedAt = Date.now();
		signal(own.state.pids.dockerd, 'SIGSTOP');
		const shown = await screen.waitFor(text => text.includes('daemon lost'), 10_000);
		assert.ok(Date.now() - stoppedAt < 5000, `the banner came ${Date.now() - stoppedAt} ms after the daemon stopped answering`);
		assert.match(shown, /daemon lost: the daemon does not answer/);
		assert.match(shown, /Plugins \(1\)/, 'the last state stays on screen under the banner');
		signal(own.state.pids.dockerd, 'SIGCONT');
		await screen.waitFor(text => !text.includes('daemon lost') && text.includes('Plugins (1)'), 20_000);
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
	} finally {
		signal(own.state.pids.dockerd, 'SIGCONT');
		await screen.close();
	}
});
