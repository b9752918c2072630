import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {batchEvents, watchEvents, type EngineEvent, type EventWatch, type StreamState, type WatchOptions} from '../../source/docker/events.js';
import {importImage, installPlugin} from '../sandbox/fixtures.js';
import {restartDaemon, startSandbox, type Sandbox} from '../sandbox/sandbox.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What this file made on the shared daemon, removed at the end whatever happened. */
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
	for (const cleanup of cleanups.reverse()) {
		await cleanup().catch(() => {});
	}
});

interface Subscription {
	events: EngineEvent[];
	states: StreamState[];
	engine: Engine;
	watch: EventWatch;
	/** Resolves with the first event (seen so far or later) that matches. */
	next(what: string, match: (event: EngineEvent) => boolean, timeoutMs?: number): Promise<EngineEvent>;
	until(what: string, condition: () => boolean, timeoutMs?: number): Promise<void>;
}

/** A live subscription on an Engine of its own (so its request count is the stream's alone). */
async function subscribe(host: string, options: Partial<WatchOptions> = {}): Promise<Subscription> {
	const engine = await Engine.open(parseHost(host, 'flag'));
	const events: EngineEvent[] = [];
	const states: StreamState[] = [];
	const watch = watchEvents(engine, {
		...options,
		onEvent(event) {
			events.push(event);
			options.onEvent?.(event);
		},
		onState(state, info) {
			states.push(state);
			options.onState?.(state, info);
		},
	});
	const until = async (what: string, condition: () => boolean, timeoutMs = 20_000) => {
		const deadline = Date.now() + timeoutMs;
		while (!condition()) {
			if (Date.now() > deadline) {
				throw new Error(`timed out waiting until ${what}; states ${states.join(' → ')}; events ${events.map(event => `${event.type} ${event.action} ${event.name}`).join(', ')}`);
			}

			await new Promise(resolve => setTimeout(resolve, 20));
		}
	};

	const next = async (what: string, match: (event: EngineEvent) => boolean, timeoutMs?: number) => {
		await until(what, () => events.some(match), timeoutMs);
		return events.find(match)!;
	};

	await until('the stream is live', () => states.includes('live'));
	return {events, states, engine, watch, next, until};
}

function randomSubnet(): string {
	return `198.18.${Math.floor(Math.random() * 256)}.0/24`;
}

test('a plugin installed, disabled, enabled and removed under a live stream arrives as pull, enable, disable, enable, disable, remove', async () => {
	const live = await subscribe(sandbox.host);
	const alias = uniqueName('kt-events-plugin');
	const name = `${alias}:latest`;
	cleanups.push(() => sandbox.docker(['plugin', 'rm', '--force', name]));
	try {
		await installPlugin(sandbox, kasm.ref('amd64-1.2.0'), {alias});
		const [{Id: id}] = JSON.parse(await sandbox.docker(['plugin', 'inspect', name])) as [{Id: string}];
		await sandbox.docker(['plugin', 'disable', name]);
		await sandbox.docker(['plugin', 'enable', name]);
		await sandbox.docker(['plugin', 'disable', name]);
		await sandbox.docker(['plugin', 'rm', name]);
		await live.next('the plugin is removed', event => event.type === 'plugin' && event.action === 'remove' && event.id === id);

		const pull = live.events.find(event => event.type === 'plugin' && event.action === 'pull' && event.name === name);
		assert.equal(pull?.id, kasm.ref('amd64-1.2.0'), 'an install is a pull, its id the remote');
		const ours = live.events.filter(event => event.type === 'plugin' && event.id === id);
		assert.deepEqual(
			ours.map(event => event.action),
			['enable', 'disable', 'enable', 'disable', 'remove'],
		);
		// The name is as the command spelled it: the CLI's install says `name:latest`, a bare `disable` does not.
		assert.ok(ours.every(event => event.name === name || event.name === alias));
		assert.ok(ours.every(event => Math.abs(event.time - Date.now()) < 60_000 && /^\d{19}$/.test(event.timeNano)));
		assert.equal(live.engine.calls, 1, 'one stream, no polling');
	} finally {
		live.watch.close();
	}
});

test('an image imported, tagged and untagged arrives as tag and import, tag, untag and delete', async () => {
	const live = await subscribe(sandbox.host);
	const repository = `local/${uniqueName('kt-events-image')}`;
	cleanups.push(() => sandbox.docker(['image', 'rm', '--force', `${repository}:1`, `${repository}:2`]));
	try {
		const classic = sandbox.state.engine.imageStore === 'classic';
		const imageId = await importImage(sandbox, `${repository}:1`);
		await live.next('the import', event => event.type === 'image' && event.action === 'import' && event.id === imageId);
		// Every kind here tags an import in an event of its own (28.5's containerd store just before the import; 26.1's sent none).
		assert.ok(live.events.some(event => event.type === 'image' && event.action === 'tag' && event.name === `${repository}:1` && event.id === imageId));

		await sandbox.docker(['tag', `${repository}:1`, `${repository}:2`]);
		const tag = await live.next('the second tag', event => event.type === 'image' && event.action === 'tag' && event.name === `${repository}:2`);
		assert.equal(tag.id, imageId);

		await sandbox.docker(['image', 'rm', `${repository}:2`]);
		// The classic store names the image, the containerd store the tag that went.
		const untag = await live.next('the untag', event => event.type === 'image' && event.action === 'untag' && event.id === imageId);
		assert.equal(untag.name, classic ? imageId : `${repository}:2`);

		await sandbox.docker(['image', 'rm', `${repository}:1`]);
		await live.next('the delete', event => event.type === 'image' && event.action === 'delete' && event.id === imageId);
	} finally {
		live.watch.close();
	}
});

test('a volume created and removed, a network on a plugin and a container created all arrive', async () => {
	const live = await subscribe(sandbox.host);
	const volume = uniqueName('kt-events-vol');
	const alias = uniqueName('kt-events-netdriver');
	const driver = `${alias}:latest`;
	const network = uniqueName('kt-events-net');
	const container = uniqueName('kt-events-ctr');
	const image = `local/${uniqueName('kt-events-ctr-image')}:1`;
	cleanups.push(
		() => sandbox.docker(['plugin', 'rm', '--force', driver]),
		() => sandbox.docker(['image', 'rm', '--force', image]),
		() => sandbox.docker(['network', 'rm', network]),
		() => sandbox.docker(['rm', '--force', container]),
		() => sandbox.docker(['volume', 'rm', '--force', volume]),
	);
	try {
		await sandbox.docker(['volume', 'create', volume]);
		const created = await live.next('the volume is created', event => event.type === 'volume' && event.action === 'create' && event.id === volume);
		assert.equal(created.name, volume);
		assert.equal(created.attributes.driver, 'local');
		await sandbox.docker(['volume', 'rm', volume]);
		await live.next('the volume is removed', event => event.type === 'volume' && event.action === 'destroy' && event.id === volume);

		await installPlugin(sandbox, kasm.ref('amd64-1.2.0'), {alias});
		const networkId = (await sandbox.docker(['network', 'create', '-d', driver, '--subnet', randomSubnet(), network])).trim();
		const made = await live.next('the network is created', event => event.type === 'network' && event.action === 'create' && event.name === network);
		assert.equal(made.id, networkId);
		assert.equal(made.attributes.type, driver, 'a network event names its driver, the plugin');

		await importImage(sandbox, image);
		const containerId = (await sandbox.docker(['create', '--network', 'none', '--name', container, image])).trim();
		const made2 = await live.next('the container is created', event => event.type === 'container' && event.action === 'create' && event.id === containerId);
		assert.equal(made2.name, container);
		assert.equal(made2.attributes.image, image);
	} finally {
		live.watch.close();
	}
});

test('a burst of changes reaches the screen in a batch or two, not one callback per event', async () => {
	const batches: EngineEvent[][] = [];
	const batcher = batchEvents(batch => batches.push(batch), {windowMs: 250});
	const live = await subscribe(sandbox.host, {onEvent: event => batcher.push(event)});
	const stem = uniqueName('kt-events-burst');
	const names = Array.from({length: 6}, (_, index) => `${stem}-${index}`);
	cleanups.push(() => sandbox.docker(['volume', 'rm', '--force', ...names]));
	try {
		await Promise.all(names.map(async name => live.engine.call('create a volume', async ({docker}) => docker.createVolume({Name: name, Driver: 'local'}))));
		await live.until('every create is delivered in a batch', () => names.every(name => batches.flat().some(event => event.action === 'create' && event.id === name)));
		const withOurs = batches.filter(batch => batch.some(event => names.includes(event.id)));
		assert.ok(withOurs.length <= 3, `${withOurs.length} batches for 6 events made at once`);
	} finally {
		live.watch.close();
		batcher.close();
	}
});

test('events made while the connection was cut arrive once it is back, each once', async () => {
	// A unix socket proxy in front of the shared daemon, so the connection can drop while the daemon stays up.
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-events-proxy-'));
	const proxyPath = path.join(folder, 'docker.sock');
	const open = new Set<net.Socket>();
	let cut = false;
	const proxy = net.createServer(client => {
		if (cut) {
			client.destroy();
			return;
		}

		const upstream = net.connect(sandbox.state.socket);
		open.add(client).add(upstream);
		const drop = () => {
			client.destroy();
			upstream.destroy();
			open.delete(client);
			open.delete(upstream);
		};

		client.on('error', drop).on('close', drop);
		upstream.on('error', drop).on('close', drop);
		client.pipe(upstream).pipe(client);
	});
	await new Promise<void>(resolve => proxy.listen(proxyPath, resolve));
	const stem = uniqueName('kt-events-cut');
	const [before, during1, during2, later] = ['before', 'during-1', 'during-2', 'after'].map(suffix => `${stem}-${suffix}`) as [string, string, string, string];
	cleanups.push(() => sandbox.docker(['volume', 'rm', '--force', before, during1, during2, later]));
	const live = await subscribe(`unix://${proxyPath}`, {firstRetryMs: 100, maxRetryMs: 400});
	try {
		await sandbox.docker(['volume', 'create', before]);
		await live.next('the first volume', event => event.id === before);

		cut = true;
		for (const socket of open) {
			socket.destroy();
		}

		await live.until('the stream is lost', () => live.states.includes('lost'));
		await sandbox.docker(['volume', 'create', during1]);
		await sandbox.docker(['volume', 'create', during2]);
		await new Promise(resolve => setTimeout(resolve, 500));
		assert.ok(!live.events.some(event => event.id === during1), 'nothing comes through a cut connection');

		cut = false;
		await live.next('a volume made while cut', event => event.id === during2);
		await sandbox.docker(['volume', 'create', later]);
		await live.next('a volume made after', event => event.id === later);
		const ours = live.events.filter(event => event.type === 'volume' && event.action === 'create' && event.id.startsWith(stem));
		assert.deepEqual(
			ours.map(event => event.id),
			[before, during1, during2, later],
		);
		assert.equal(live.states[0], 'live');
		assert.equal(live.states.at(-1), 'live');
		assert.ok(live.states.indexOf('lost') > 0);
	} finally {
		live.watch.close();
		for (const socket of open) {
			socket.destroy();
		}

		await new Promise(resolve => proxy.close(resolve));
		fs.rmSync(folder, {recursive: true, force: true});
	}
});

test('a daemon restarted under a live stream: lost, then live again, and an event made after the restart arrives', async () => {
	// A daemon of this test's own: restarting the shared one would disturb the other test files.
	let own: Sandbox | undefined;
	let live: Subscription | undefined;
	try {
		own = await startSandbox();
		const reports: Array<[StreamState, string | undefined]> = [];
		live = await subscribe(own.host, {onState: (state, info) => reports.push([state, info.reason])});
		await own.docker(['volume', 'create', 'before-restart']);
		await live.next('the volume made before', event => event.id === 'before-restart');

		await restartDaemon(own, {downMs: 1000});
		await own.docker(['volume', 'create', 'after-restart']);
		await live.next('the volume made after the restart', event => event.id === 'after-restart');
		await live.until('live again', () => live!.states.at(-1) === 'live');

		const lost = reports.findIndex(([state]) => state === 'lost');
		assert.ok(lost > 0, `lost after live: ${live.states.join(' → ')}`);
		// Whichever it notices first: the stream closing, or the daemon no longer answering a ping.
		assert.match(reports[lost]?.[1] ?? '', /^the daemon (closed the event stream|does not answer)$/);
		assert.ok(reports.slice(lost).some(([state]) => state === 'live'));
		assert.equal(live.events.filter(event => event.id === 'before-restart').length, 1, 'nothing delivered twice');
	} finally {
		live?.watch.close();
		await own?.stop();
	}
});

test('close leaves nothing running: a process that watched, live and while retrying, exits by itself', async () => {
	const script = `
		import {parseHost} from ${JSON.stringify(path.join(root, 'source/hosts/resolve.ts'))};
		import {Engine} from ${JSON.stringify(path.join(root, 'source/docker/engine.ts'))};
		import {watchEvents} from ${JSON.stringify(path.join(root, 'source/docker/events.ts'))};
		const whenState = (host, wanted) => new Promise(async resolve => {
			const engine = await Engine.open(parseHost(host, 'flag'));
			const watch = watchEvents(engine, {onEvent() {}, onState(state) { if (state === wanted) resolve(watch); }});
		});
		const live = await whenState(${JSON.stringify(sandbox.host)}, 'live');
		const retrying = await whenState('unix:///nonexistent/kasm-tui-events.sock', 'lost');
		live.close();
		retrying.close();
		process.stdout.write('closed\\n');
	`;
	const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {cwd: root, stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	let closedAt = 0;
	child.stdout.on('data', chunk => {
		output += chunk;
		closedAt ||= output.includes('closed') ? Date.now() : 0;
	});
	child.stderr.on('data', chunk => {
		output += chunk;
	});
	const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
	const code = await new Promise<number | null>(resolve => child.on('close', resolve));
	clearTimeout(killer);
	assert.equal(code, 0, output);
	assert.match(output, /closed/);
	assert.ok(Date.now() - closedAt < 2000, `exited ${Date.now() - closedAt} ms after close`);
});
