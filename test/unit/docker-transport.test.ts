import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import Modem from 'docker-modem';
import {modemOn} from '../../source/docker/api.js';
import {Engine} from '../../source/docker/engine.js';
import {listPlugins} from '../../source/docker/plugins.js';
import {EngineAgent} from '../../source/docker/transport.js';
import {DaemonError} from '../../source/errors.js';
import {parseHost} from '../../source/hosts/resolve.js';

/**
 * The transport under dockerode, against small servers on unix sockets that misbehave the way a
 * connection can: what is tested is how requests reach a daemon and fail, not what the Engine API
 * answers (the integration tests ask real daemons that).
 */

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-transport-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

interface Server {
	socketPath: string;
	/** Each request as `METHOD path` with the connection it came on (1, 2, …). */
	seen: Array<{request: string; connection: number}>;
	close(): Promise<void>;
}

/** Answers /_ping with API 1.41; everything else as `answer` says, told which request on its connection it is (1, 2, …). */
async function server(name: string, answer: (request: http.IncomingMessage, response: http.ServerResponse, onConnection: number) => void): Promise<Server> {
	const socketPath = path.join(folder, `${name}.sock`);
	const seen: Server['seen'] = [];
	let connections = 0;
	const counts = new WeakMap<object, {connection: number; requests: number}>();
	const instance = http.createServer((request, response) => {
		const socket = request.socket;
		if (!counts.has(socket)) {
			counts.set(socket, {connection: ++connections, requests: 0});
		}

		const count = counts.get(socket)!;
		count.requests++;
		seen.push({request: `${request.method} ${request.url}`, connection: count.connection});
		if (request.url === '/_ping') {
			response.writeHead(200, {'Api-Version': '1.41'}).end('OK');
			return;
		}

		answer(request, response, count.requests);
	});
	await new Promise<void>(resolve => instance.listen(socketPath, resolve));
	return {
		socketPath,
		seen,
		close: async () => {
			instance.closeAllConnections();
			await new Promise(resolve => instance.close(resolve));
		},
	};
}

const plugins = JSON.stringify([{Id: 'a'.repeat(64), Name: 'kasmweb/sidecar:latest', Enabled: true, PluginReference: 'kasmweb/sidecar:latest', Config: {}}]);

test("a modem made for our connections has docker-modem's own fields, so its dial finds what it reads", () => {
	const made = new Modem({socketPath: '/run/docker.sock'});
	const ours = modemOn(new EngineAgent({}), '/run/docker.sock', '1.45');
	assert.deepEqual(Object.keys(ours).sort(), Object.keys(made).sort());
	assert.equal((ours as unknown as {version?: string}).version, 'v1.45');
});

test('every request names the agreed API version before its path; the ping that agrees it names none', async () => {
	const daemon = await server('versioned', (_request, response) => response.writeHead(200, {'Content-Type': 'application/json'}).end(plugins));
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
	try {
		assert.equal((await listPlugins(engine))[0]?.name, 'kasmweb/sidecar:latest');
		await listPlugins(engine);
		assert.deepEqual(
			daemon.seen.map(seen => seen.request),
			['GET /_ping', 'GET /v1.41/plugins', 'GET /v1.41/plugins'],
		);
		assert.equal(engine.calls, 2);
	} finally {
		engine.close();
		await daemon.close();
	}
});

test('a read whose kept connection died while idle is asked again on a new connection, once', async () => {
	// The first answer on each connection is given; a second request on the same connection finds it dead.
	const daemon = await server('stale', (_request, response, onConnection) => {
		if (onConnection === 1 || (onConnection === 2 && response.req.url === '/_ping')) {
			response.writeHead(200, {'Content-Type': 'application/json'}).end(plugins);
		} else {
			response.socket?.destroy();
		}
	});
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
	try {
		await listPlugins(engine);
		await listPlugins(engine);
		const listings = daemon.seen.filter(seen => seen.request.endsWith('/plugins'));
		assert.ok(listings.length >= 3, `asked again: ${JSON.stringify(daemon.seen)}`);
		assert.notEqual(listings.at(-1)?.connection, listings.at(-2)?.connection, 'on a new connection');
		assert.equal(engine.calls, 2, 'one call for the operator, whatever it took');
	} finally {
		engine.close();
		await daemon.close();
	}
});

test('an answer cut short fails at once, not after the read timeout', async () => {
	const daemon = await server('cut', (_request, response) => {
		response.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': 100_000});
		response.write('[{"Id":"abc","Name":"x', () => setTimeout(() => response.socket?.destroy(), 20));
	});
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'), {timeoutMs: 30_000});
	const began = Date.now();
	try {
		await assert.rejects(listPlugins(engine), (error: unknown) => error instanceof DaemonError && /list plugins.*the answer was cut short/.test(error.message));
		assert.ok(Date.now() - began < 5000, `failed after ${Date.now() - began} ms`);
	} finally {
		engine.close();
		await daemon.close();
	}
});

test('a read left unanswered is given up after the read timeout, with the one line that says so', async () => {
	const daemon = await server('silent', () => {});
	const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'), {timeoutMs: 300});
	try {
		await assert.rejects(listPlugins(engine), (error: unknown) => error instanceof DaemonError && /did not answer "list plugins" within 0\.3 s: .*KASM_TUI_API_TIMEOUT/.test(error.message));
	} finally {
		engine.close();
		await daemon.close();
	}
});

test("docker-modem's reading of DOCKER_HOST and DOCKER_CERT_PATH plays no part: the address given is the one reached", async () => {
	const daemon = await server('env', (_request, response) => response.writeHead(200, {'Content-Type': 'application/json'}).end(plugins));
	const saved = {host: process.env.DOCKER_HOST, certs: process.env.DOCKER_CERT_PATH};
	// Its constructor would throw on the first and read files that are not there from the second.
	process.env.DOCKER_HOST = 'tcp://[not an address';
	process.env.DOCKER_CERT_PATH = path.join(folder, 'no-certs-here');
	try {
		const engine = await Engine.open(parseHost(`unix://${daemon.socketPath}`, 'flag'));
		assert.equal((await listPlugins(engine)).length, 1);
		engine.close();
	} finally {
		for (const [key, value] of [['DOCKER_HOST', saved.host], ['DOCKER_CERT_PATH', saved.certs]] as const) {
			if (value === undefined) {
				delete process.env[key];
			} else {
				process.env[key] = value;
			}
		}

		await daemon.close();
	}
});
