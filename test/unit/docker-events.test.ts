import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {
	batchEvents,
	LineSplitter,
	parseEvent,
	ReplayFilter,
	retryDelay,
	sinceFromNano,
	watchEvents,
	type EngineEvent,
	type StreamState,
	type StreamStateInfo,
} from '../../source/docker/events.js';

// Lines as dockerd 20.10 sent them.
const pluginEnable =
	'{"Type":"plugin","Action":"enable","Actor":{"ID":"d74767c18068ce516dd9621e20807a8d14b84a838eb6daf2fb663bfcab30cbe0","Attributes":{"name":"evtest:latest"}},"scope":"local","time":1795351611,"timeNano":1795351611462912764}';
const pluginPull =
	'{"Type":"plugin","Action":"pull","Actor":{"ID":"127.0.0.1:43915/kasmweb/sidecar:amd64-1.2.0","Attributes":{"name":"evtest:latest"}},"scope":"local","time":1795351610,"timeNano":1795351610876113299}';
const imageUntag =
	'{"status":"untag","id":"sha256:07e107813dc35df79c8e648c0e2683c5c1f17aa9597b7f8f5fa72b337a328693","Type":"image","Action":"untag","Actor":{"ID":"sha256:07e107813dc35df79c8e648c0e2683c5c1f17aa9597b7f8f5fa72b337a328693","Attributes":{"name":"sha256:07e107813dc35df79c8e648c0e2683c5c1f17aa9597b7f8f5fa72b337a328693"}},"scope":"local","time":1795351612,"timeNano":1795351612513842047}';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-events-unit-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

function volumeEvent(name: string, timeNano: bigint): string {
	return JSON.stringify({Type: 'volume', Action: 'create', Actor: {ID: name, Attributes: {driver: 'local'}}, scope: 'local', time: Number(timeNano / 1_000_000_000n), timeNano: 0}).replace(
		'"timeNano":0',
		`"timeNano":${timeNano}`,
	);
}

test('an event line becomes an event with the exact nanosecond time the daemon sent', () => {
	const event = parseEvent(pluginEnable);
	assert.deepEqual(event, {
		type: 'plugin',
		action: 'enable',
		id: 'd74767c18068ce516dd9621e20807a8d14b84a838eb6daf2fb663bfcab30cbe0',
		name: 'evtest:latest',
		time: 1795351611462,
		timeNano: '1795351611462912764',
		attributes: {name: 'evtest:latest'},
	});
	assert.equal(new Date(event.time).toISOString(), '2026-11-22T12:46:51.462Z');
});

test('a plugin install or upgrade arrives as pull, naming the remote as its id and the local name', () => {
	const event = parseEvent(pluginPull);
	assert.equal(event?.action, 'pull');
	assert.equal(event?.id, '127.0.0.1:43915/kasmweb/sidecar:amd64-1.2.0');
	assert.equal(event?.name, 'evtest:latest');
});

test('an untag names the image id, and an actor without a name is named by its id', () => {
	assert.equal(parseEvent(imageUntag)?.name, 'sha256:07e107813dc35df79c8e648c0e2683c5c1f17aa9597b7f8f5fa72b337a328693');
	const volume = parseEvent(volumeEvent('data-1', 1_795_351_612_274_360_709n));
	assert.equal(volume?.name, 'data-1');
	assert.equal(volume?.attributes.driver, 'local');
});

test('escape sequences and control characters in what the daemon sends are removed', () => {
	const hostile = JSON.stringify({
		Type: 'container',
		Action: 'create\u001B[2J',
		Actor: {ID: 'abc\u0007', Attributes: {name: '\u001B]0;owned\u0007evil\u001B[31m\nname', 'im\u0085age': 'x\u202Ey'}},
		timeNano: 1,
	});
	const event = parseEvent(hostile);
	assert.equal(event?.action, 'create');
	assert.equal(event?.id, 'abc');
	assert.equal(event?.name, 'evil name');
	assert.deepEqual(Object.keys(event?.attributes ?? {}), ['name', 'image']);
	assert.equal(event?.attributes.image, 'xy');
});

test('lines that are not events are skipped, not thrown on', () => {
	for (const line of ['', 'not json', '[]', 'null', '42', '{"Type":"plugin"}', '{"Action":"enable"}']) {
		assert.equal(parseEvent(line), undefined, line);
	}
});

test('the stream is cut into lines however its chunks fall, and a runaway line is dropped', () => {
	const splitter = new LineSplitter(40);
	assert.deepEqual(splitter.push('{"a":1}\n{"b"'), ['{"a":1}']);
	assert.deepEqual(splitter.push(':2}'), []);
	assert.deepEqual(splitter.push('\n\n{"c":3}\n'), ['{"b":2}', '{"c":3}']);
	assert.deepEqual(splitter.push('x'.repeat(50)), []);
	assert.deepEqual(splitter.push('y'.repeat(10) + '\n{"d":4}\n'), ['{"d":4}']);
});

test('reconnecting waits 250 ms, doubling to at most 5 s', () => {
	assert.deepEqual(
		[0, 1, 2, 3, 4, 5, 6, 100].map(failures => retryDelay(failures)),
		[250, 500, 1000, 2000, 4000, 5000, 5000, 5000],
	);
	assert.equal(retryDelay(3, {firstRetryMs: 10, maxRetryMs: 50}), 50);
});

test('since is written as seconds and nanoseconds, as the API takes it', () => {
	assert.equal(sinceFromNano(1_795_351_611_462_912_764n), '1795351611.462912764');
	assert.equal(sinceFromNano(1_795_351_611_000_000_005n), '1795351611.000000005');
});

test('a replay delivers only what was not delivered, starting a second before the last event', () => {
	const replay = new ReplayFilter();
	assert.equal(replay.since(), undefined);
	const first = volumeEvent('a', 10_000_000_000n);
	const second = volumeEvent('b', 10_500_000_000n);
	assert.equal(replay.accept(first, '10000000000'), true);
	assert.equal(replay.accept(second, '10500000000'), true);
	assert.equal(replay.since(), '9.500000000');
	assert.equal(replay.accept(first, '10000000000'), false);
	assert.equal(replay.accept(second, '10500000000'), false);
	// Same time, another event: new.
	assert.equal(replay.accept(volumeEvent('c', 10_500_000_000n), '10500000000'), true);
	// Long after: the old lines are forgotten, so memory stays small.
	assert.equal(replay.accept(volumeEvent('d', 20_000_000_000n), '20000000000'), true);
	assert.equal(replay.accept(first, '10000000000'), true);
});

test('a burst of events is delivered as one batch; flush delivers early; close drops what is pending', t => {
	// The test's own clock: the window is exact, however loaded the machine.
	t.mock.timers.enable({apis: ['setTimeout']});
	const batches: EngineEvent[][] = [];
	const batcher = batchEvents(batch => batches.push(batch), {windowMs: 30});
	const event = parseEvent(pluginEnable)!;
	for (let index = 0; index < 5; index++) {
		batcher.push(event);
		t.mock.timers.tick(5);
	}

	assert.equal(batches.length, 0, 'nothing before the window ends');
	t.mock.timers.tick(4);
	assert.equal(batches.length, 0, 'the window runs from the first event of the burst');
	t.mock.timers.tick(1);
	assert.deepEqual(
		batches.map(batch => batch.length),
		[5],
	);

	batcher.push(event);
	batcher.flush();
	assert.deepEqual(
		batches.map(batch => batch.length),
		[5, 1],
	);

	batcher.push(event);
	batcher.close();
	batcher.push(event);
	t.mock.timers.tick(1000);
	assert.equal(batches.length, 2);
});

interface FakeDaemon {
	socketPath: string;
	/** The query of each /events request. */
	requests: URLSearchParams[];
	close(): Promise<void>;
}

/** A stand-in for dockerd's /events: `serve` gets each request's number (0, 1, …). */
async function fakeDaemon(name: string, serve: (response: http.ServerResponse, index: number, query: URLSearchParams) => void): Promise<FakeDaemon> {
	const socketPath = path.join(folder, `${name}.sock`);
	const requests: URLSearchParams[] = [];
	const server = http.createServer((request, response) => {
		if (request.url === '/_ping') {
			response.writeHead(200, {'Api-Version': '1.41'}).end('OK');
			return;
		}

		const query = new URL(request.url ?? '/', 'http://daemon').searchParams;
		requests.push(query);
		response.writeHead(200, {'Content-Type': 'application/json'});
		response.flushHeaders();
		serve(response, requests.length - 1, query);
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	return {
		socketPath,
		requests,
		close: async () => {
			server.closeAllConnections();
			await new Promise(resolve => server.close(resolve));
		},
	};
}

function recorder() {
	const events: EngineEvent[] = [];
	const states: Array<[StreamState, StreamStateInfo]> = [];
	return {
		events,
		states,
		onEvent: (event: EngineEvent) => events.push(event),
		onState: (state: StreamState, info: StreamStateInfo) => states.push([state, info]),
	};
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) {
			throw new Error(`timed out waiting until ${what}`);
		}

		await sleep(10);
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

test('a cut stream is reported lost, reopened with since, and what the daemon replays is delivered once', async () => {
	const a = volumeEvent('a', 1_700_000_000_100_000_000n);
	const b = volumeEvent('b', 1_700_000_000_900_000_000n);
	const c = volumeEvent('c', 1_700_000_001_200_000_000n);
	const daemon = await fakeDaemon('replay', (response, index) => {
		if (index === 0) {
			response.write(`${a}\n${b.slice(0, 20)}`);
			setTimeout(() => {
				response.write(`${b.slice(20)}\n`);
				// The daemon goes away mid-stream.
				setTimeout(() => response.socket?.destroy(), 20);
			}, 20);
		} else {
			// It replays from since: b again, then c, which was made while we were away.
			response.write(`${b}\n${c}\n`);
		}
	});
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
	const seen = recorder();
	const watch = watchEvents(engine, {...seen, firstRetryMs: 20});
	try {
		await until('c arrives', () => seen.events.some(event => event.id === 'c'));
		assert.deepEqual(
			seen.events.map(event => event.id),
			['a', 'b', 'c'],
		);
		assert.deepEqual(
			seen.states.map(([state]) => state),
			['live', 'lost', 'reconnecting', 'live'],
		);
		assert.equal(seen.states[1]?.[1].reason, 'the daemon closed the event stream');
		assert.equal(seen.states[1]?.[1].retryInMs, 20);
		assert.deepEqual(JSON.parse(daemon.requests[0]?.get('filters') ?? ''), {type: ['plugin', 'image', 'container', 'network', 'volume']});
		assert.equal(daemon.requests[0]?.has('since'), false, 'the first stream asks for what comes, not for history');
		assert.equal(daemon.requests[1]?.get('since'), '1699999999.900000000', 'a second before the last event seen');
		assert.equal(engine.calls, 2, 'one request per stream opened, no polling');
	} finally {
		watch.close();
		await daemon.close();
	}
});

test('a daemon that is not there is retried with a growing wait until closed, and close leaves no timer', async () => {
	const engine = await Engine.open(parseHost(`unix://${path.join(folder, 'nobody.sock')}`, 'flag'));
	const seen = recorder();
	const watch = watchEvents(engine, {...seen, firstRetryMs: 10, maxRetryMs: 40});
	await until('three attempts failed', () => seen.states.filter(([state]) => state === 'lost').length >= 4);
	watch.close();
	const reported = seen.states.length;
	assert.equal(watch.state, 'closed');
	assert.deepEqual(
		seen.states.slice(0, 4).map(([state, info]) => [state, info.retryInMs ?? info.attempt, info.reason]),
		[
			['lost', 10, 'no such socket'],
			['reconnecting', 1, 'no such socket'],
			['lost', 20, 'no such socket'],
			['reconnecting', 2, 'no such socket'],
		],
	);
	assert.equal(seen.states.filter(([state]) => state === 'lost')[3]?.[1].retryInMs, 40, 'capped');
	await sleep(100);
	assert.equal(seen.states.length, reported, 'nothing is reported after close');
	assert.equal(process.getActiveResourcesInfo().filter(kind => kind === 'Timeout').length, 0);
	watch.close();
});

test('closing while the daemon has not answered yet ends the attempt quietly; an aborted signal closes too', async () => {
	const held: http.ServerResponse[] = [];
	const socketPath = path.join(folder, 'silent.sock');
	// Answers its ping, then never answers the stream, as a daemon busy starting up might.
	const server = http.createServer((request, response) => {
		if (request.url === '/_ping') {
			response.writeHead(200, {'Api-Version': '1.41'}).end('OK');
		} else {
			held.push(response);
		}
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	try {
		const engine = await Engine.open(parseHost(`unix://${socketPath}`, 'flag'));
		const seen = recorder();
		const watch = watchEvents(engine, seen);
		await until('the request arrives', () => held.length === 1);
		watch.close();
		await sleep(50);
		assert.deepEqual(seen.states, []);

		const controller = new AbortController();
		const other = recorder();
		const second = watchEvents(engine, {...other, signal: controller.signal});
		await until('the second request arrives', () => held.length === 2);
		controller.abort();
		assert.equal(second.state, 'closed');
		await sleep(50);
		assert.deepEqual(other.states, []);
		assert.equal(watchEvents(engine, {...other, signal: controller.signal}).state, 'closed', 'an already aborted signal opens nothing');
	} finally {
		server.closeAllConnections();
		await new Promise(resolve => server.close(resolve));
	}
});

test('a stream cut before any event is reopened from the second it first opened, by the daemon\'s clock', async () => {
	const daemon = await fakeDaemon('quiet', (response, index) => {
		if (index === 0) {
			setTimeout(() => response.socket?.destroy(), 20);
		}
	});
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
	const seen = recorder();
	const watch = watchEvents(engine, {...seen, firstRetryMs: 10});
	try {
		await until('live again', () => seen.states.filter(([state]) => state === 'live').length === 2);
		const since = Number(daemon.requests[1]?.get('since'));
		assert.ok(Number.isInteger(since) && Math.abs(since - Date.now() / 1000) < 5, `since ${since} is the Date header's second`);
	} finally {
		watch.close();
		await daemon.close();
	}
});

/** A fake whose /events stays open (`streams`); /_ping answers while `answering` says so, else never. */
async function fakeWithPing(name: string) {
	const socketPath = path.join(folder, `${name}.sock`);
	const state = {answering: true, pings: 0};
	const streams: http.ServerResponse[] = [];
	const server = http.createServer((request, response) => {
		if (request.url?.startsWith('/_ping')) {
			state.pings++;
			if (state.answering) {
				response.end('OK');
			}

			return;
		}

		response.writeHead(200, {'Content-Type': 'application/json'});
		response.flushHeaders();
		streams.push(response);
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	return {
		socketPath,
		state,
		streams,
		close: async () => {
			server.closeAllConnections();
			await new Promise(resolve => server.close(resolve));
		},
	};
}

test('a daemon that stops answering while its stream stays open is reported lost within one quiet window and one ping', async () => {
	const daemon = await fakeWithPing('hung');
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
	const seen = recorder();
	const watch = watchEvents(engine, {...seen, livenessMs: 100, pingTimeoutMs: 200, firstRetryMs: 5000});
	try {
		await until('live', () => seen.states.some(([state]) => state === 'live'));
		await sleep(350);
		assert.deepEqual(seen.states.map(([state]) => state), ['live'], 'a quiet daemon that answers stays live');
		assert.ok(daemon.state.pings >= 3, `asked ${daemon.state.pings} times (once to agree the API version)`);

		daemon.state.answering = false;
		const stoppedAt = Date.now();
		await until('lost', () => seen.states.some(([state]) => state === 'lost'));
		assert.equal(seen.states.find(([state]) => state === 'lost')?.[1].reason, 'the daemon does not answer');
		assert.ok(Date.now() - stoppedAt < 100 + 200 + 250, `lost after ${Date.now() - stoppedAt} ms`);
		assert.equal(engine.calls, 1, 'the pings are not counted as calls: only the stream was opened');
	} finally {
		watch.close();
		await daemon.close();
	}
});

test('while events flow nothing else is asked: the ping waits for a quiet window', async () => {
	const daemon = await fakeWithPing('busy');
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
	const seen = recorder();
	const watch = watchEvents(engine, {...seen, livenessMs: 200, pingTimeoutMs: 200});
	try {
		await until('live', () => seen.states.some(([state]) => state === 'live'));
		for (let index = 0; index < 12; index++) {
			daemon.streams[0]?.write(`${volumeEvent(`busy-${index}`, 1_700_000_000_000_000_000n + BigInt(index))}\n`);
			await sleep(50);
		}

		await until('every event', () => seen.events.length === 12);
		// The one ping before the stream agreed the API version; none came while events flowed.
		assert.equal(daemon.state.pings, 1);
		await until('a quiet window brings one ask', () => daemon.state.pings === 2, 2000);
	} finally {
		watch.close();
		await daemon.close();
	}
});
