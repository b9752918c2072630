import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {Ledger} from '../../source/ledger/ledger.js';
import {runningVersion} from '../sandbox/fixtures.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {kasmTuiProgram} from './cli.js';

/**
 * What the hardening tests share: the checks on everything kasm-tui printed (no terminal
 * escapes, no stack trace, one line per error), the real state of a plugin after a fault, and
 * small servers that stand in front of a registry or the daemon and misbehave on purpose.
 */

/** ESC, every other C0 control but the newline that ends a line, DEL and C1: none may reach a terminal. */
export const controlCharacter = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

export function assertNoControl(text: string, what: string): void {
	const found = controlCharacter.exec(text);
	assert.equal(found, null, `${what} holds U+${found?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} at ${found?.index}: ${JSON.stringify(text.slice(Math.max(0, (found?.index ?? 0) - 40), (found?.index ?? 0) + 40))}`);
}

/** A stack trace's frames, or an error printed the way Node prints an uncaught one. */
export const stackTrace = /^\s+at .+|^(?:\w*Error|Uncaught)\b.*:/m;

/**
 * The one line an error gets on standard error, without a stack trace. A change may print its
 * progress (a line per step) before it: `afterProgress` takes the last line as the error.
 */
export function assertOneErrorLine(stderr: string, what: string, {afterProgress = false}: {afterProgress?: boolean} = {}): string {
	const lines = stderr.trimEnd().split('\n');
	if (!afterProgress) {
		assert.equal(lines.length, 1, `${what}: one line on stderr, not ${lines.length}:\n${stderr.slice(0, 2000)}`);
	}

	assert.doesNotMatch(stderr, stackTrace, `${what}: no stack trace`);
	const line = lines.at(-1)!;
	assert.match(line, /^kasm-tui: /, `${what}: the line says who speaks`);
	assertNoControl(stderr, `${what} (stderr)`);
	return line;
}

interface InspectedPlugin {
	Id: string;
	Name: string;
	Enabled: boolean;
	PluginReference: string;
	Config: {rootfs?: {diff_ids?: string[]}};
}

export async function inspectPlugin(sandbox: Sandbox, name: string): Promise<InspectedPlugin | undefined> {
	const ids = (await sandbox.docker(['plugin', 'ls', '-q', '--no-trunc'])).trim().split('\n').filter(Boolean);
	const all = ids.length === 0 ? [] : (JSON.parse(await sandbox.docker(['plugin', 'inspect', ...ids])) as InspectedPlugin[]);
	return all.find(plugin => plugin.Name === name);
}

export interface SettledState {
	version: string;
	/** The ledger outcome that names the build it runs. */
	namedBy: string;
}

/**
 * The state every fault must end in: the plugin is installed and enabled, the build it runs is
 * one its ledger names (by content), and no flow is left unfinished in the ledger.
 */
export async function assertSettled(sandbox: Sandbox, ledgerDir: string, name: string): Promise<SettledState> {
	const plugin = await inspectPlugin(sandbox, name);
	assert.ok(plugin, `${name} is still installed`);
	assert.equal(plugin.Enabled, true, `${name} is enabled`);
	const ledger = new Ledger(ledgerDir);
	assert.equal(ledger.unfinished(name), undefined, `nothing of ${name} is left unfinished in the ledger`);
	const diffIds = plugin.Config.rootfs?.diff_ids ?? [];
	const naming = ledger
		.read(name)
		.entries.filter(entry => ['ok', 'restored'].includes(entry.outcome) && entry.identity.diffIds.join() === diffIds.join())
		.at(-1);
	assert.ok(naming, `the ledger of ${name} names the build it runs (${diffIds.join()})`);
	return {version: await runningVersion(sandbox, name), namedBy: `${naming.action}:${naming.outcome}`};
}

/** The process id of a kasm-tui started with this (unique) argument, e.g. its ledger folder. */
export function kasmTuiProcess(uniqueArgument: string): number | undefined {
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		try {
			const argv = fs.readFileSync(path.join('/proc', entry, 'cmdline'), 'utf8').split('\0');
			if (argv.includes(kasmTuiProgram) && argv.includes(uniqueArgument)) {
				return Number(entry);
			}
		} catch {}
	}

	return undefined;
}

export async function waitUntil(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await ready()) {
			return;
		}

		await new Promise(resolve => setTimeout(resolve, 25));
	}

	throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

/** How a proxy answers one request: pass it on, or say what to do instead. */
export type ProxyRule = (request: http.IncomingMessage) => ((request: http.IncomingMessage, response: http.ServerResponse) => void) | undefined;

export interface MisbehavingServer {
	/** `127.0.0.1:PORT`, or the socket path. */
	address: string;
	/** Every request seen, `METHOD path`, in order. */
	seen: string[];
	/** Replaces the rule; undefined passes everything on. */
	rule: ProxyRule | undefined;
	close(): Promise<void>;
}

/**
 * An HTTP proxy in front of `upstream` (a registry's `127.0.0.1:PORT`, or the daemon's unix
 * socket) that answers as `rule` says, and passes everything else on, streaming both ways.
 */
export async function startProxy(upstream: {host: string; port: number} | {socketPath: string}, listen: {socketPath?: string} = {}): Promise<MisbehavingServer> {
	const sockets = new Set<net.Socket>();
	const state: MisbehavingServer = {
		address: '',
		seen: [],
		rule: undefined,
		close: async () => {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
	const server = http.createServer((request, response) => {
		state.seen.push(`${request.method} ${request.url}`);
		const answer = state.rule?.(request);
		if (answer) {
			request.resume();
			answer(request, response);
			return;
		}

		const forward = http.request({...upstream, method: request.method, path: request.url, headers: request.headers}, upstreamResponse => {
			response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
			upstreamResponse.pipe(response);
		});
		forward.on('error', () => response.destroy());
		// A client gone (a stream of events it held open) ends its request upstream too, or the process never exits.
		response.on('close', () => forward.destroy());
		request.pipe(forward);
	});
	server.on('connection', socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	if (listen.socketPath) {
		await new Promise<void>(resolve => server.listen(listen.socketPath, resolve));
		state.address = listen.socketPath;
	} else {
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		state.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
	}

	return state;
}

/** Answers with a status and a body, JSON unless told. */
export function answer(status: number, body: string | Buffer, headers: http.OutgoingHttpHeaders = {'Content-Type': 'application/json'}) {
	return (_request: http.IncomingMessage, response: http.ServerResponse) => {
		response.writeHead(status, {'Content-Length': Buffer.byteLength(body), ...headers});
		response.end(body);
	};
}

/**
 * Writes the answer byte for byte, past node's own checks: a hostile server can put escape
 * sequences in its headers, which node:http would refuse to send.
 */
export function rawAnswer(status: string, headers: string[], body: string) {
	return (_request: http.IncomingMessage, response: http.ServerResponse) => {
		const bytes = Buffer.from(body, 'utf8');
		const head = Buffer.from(`HTTP/1.1 ${status}\r\n${[...headers, `Content-Length: ${bytes.length}`, 'Connection: close'].join('\r\n')}\r\n\r\n`, 'latin1');
		response.socket?.end(Buffer.concat([head, bytes]));
	};
}

/** Promises `promised` bytes, sends `sent` of them, and cuts the connection. */
export function cutShort(sent: string | Buffer, promised: number, headers: http.OutgoingHttpHeaders = {'Content-Type': 'application/json'}) {
	return (_request: http.IncomingMessage, response: http.ServerResponse) => {
		response.writeHead(200, {'Content-Length': promised, ...headers});
		response.write(sent, () => setTimeout(() => response.socket?.destroy(), 20));
	};
}

/** `megabytes` of `filler`, streamed without a length. */
export function huge(megabytes: number, filler = ' ', headers: http.OutgoingHttpHeaders = {'Content-Type': 'application/json'}) {
	return (_request: http.IncomingMessage, response: http.ServerResponse) => {
		response.writeHead(200, headers);
		const chunk = Buffer.alloc(1 << 20, filler);
		let left = megabytes;
		const more = () => {
			while (left > 0) {
				left--;
				if (!response.write(chunk)) {
					response.once('drain', more);
					return;
				}
			}

			response.end();
		};

		response.on('error', () => {});
		more();
	};
}

export interface DelayingProxy {
	/** The socket kasm-tui is pointed at. */
	socketPath: string;
	/** Each connection: when it was taken, and when its first answer byte was passed on. */
	connections: Array<{acceptedAt: number; answeredAt?: number}>;
	close(): Promise<void>;
}

/**
 * A byte relay on a unix socket in front of a daemon's socket that holds the first answer of
 * each connection for `delayMs`: a host slow to connect, whose connecting can be seen from outside.
 */
export async function startDelayingProxy(upstream: string, socketPath: string, delayMs: number): Promise<DelayingProxy> {
	const sockets = new Set<net.Socket>();
	const state: DelayingProxy = {
		socketPath,
		connections: [],
		close: async () => {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
	const server = net.createServer(client => {
		const connection: DelayingProxy['connections'][number] = {acceptedAt: Date.now()};
		state.connections.push(connection);
		const daemon = net.connect(upstream);
		for (const socket of [client, daemon]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
			socket.on('error', () => {
				client.destroy();
				daemon.destroy();
			});
		}

		client.pipe(daemon);
		daemon.once('data', first => {
			daemon.pause();
			setTimeout(() => {
				connection.answeredAt = Date.now();
				client.write(first);
				daemon.pipe(client);
				daemon.resume();
			}, delayMs);
		});
		client.on('close', () => daemon.destroy());
		daemon.on('close', () => client.destroy());
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	return state;
}

/** The most intervals open at one moment. */
export function mostAtOnce(intervals: Array<{from: number; to: number}>): number {
	const edges = intervals.flatMap(({from, to}) => [
		{at: from, change: 1},
		{at: to, change: -1},
	]);
	// An interval that ends as another begins does not overlap it.
	edges.sort((a, b) => a.at - b.at || a.change - b.change);
	let open = 0;
	let most = 0;
	for (const edge of edges) {
		open += edge.change;
		most = Math.max(most, open);
	}

	return most;
}

const manifestV2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** A tag's manifest as the registry holds it: its bytes, and the digests of its config and layers. */
export async function readManifest(registry: string, repositoryPath: string, tag: string) {
	const response = await fetch(`http://${registry}/v2/${repositoryPath}/manifests/${tag}`, {headers: {Accept: manifestV2}});
	assert.equal(response.status, 200);
	const bytes = Buffer.from(await response.arrayBuffer());
	return {bytes, manifest: JSON.parse(bytes.toString('utf8')) as {config: {digest: string}; layers: Array<{digest: string}>}};
}

/** Moves `tag` to the build `target` names, straight in the registry (no proxy on the way). */
export async function retag(registry: string, repositoryPath: string, tag: string, target: string) {
	const {bytes} = await readManifest(registry, repositoryPath, target);
	const put = await fetch(`http://${registry}/v2/${repositoryPath}/manifests/${tag}`, {method: 'PUT', headers: {'Content-Type': manifestV2}, body: bytes});
	assert.equal(put.status, 201);
}

/** Passes the request on to the daemon's socket only once `release` settles: a listing that is slow to come. */
export function heldUntil(release: Promise<unknown>, socketPath: string) {
	return (request: http.IncomingMessage, response: http.ServerResponse) => {
		void release.finally(() => {
			const forward = http.request({socketPath, method: request.method, path: request.url, headers: request.headers}, upstreamResponse => {
				response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
				upstreamResponse.pipe(response);
			});
			forward.on('error', () => response.destroy());
			response.on('close', () => forward.destroy());
			forward.end();
		});
	};
}
