import fs from 'node:fs';
import net from 'node:net';
import {performance} from 'node:perf_hooks';

export interface SeenRequest {
	method: string;
	/** As sent, query included. */
	path: string;
	/** `GET /plugins`: the API version prefix, the query and ids taken out. */
	endpoint: string;
	/** performance.now() when its head arrived. */
	at: number;
}

/**
 * A unix socket in front of the daemon's that counts Engine API requests black-box: whatever
 * kasm-tui (or dockerode under it) does, every request it sends crosses here. It reads the
 * client-to-daemon direction as HTTP/1.1, keep-alive aware: request line and headers, then
 * the body by Content-Length or chunked encoding, then the next request on the same connection.
 * After a protocol upgrade (attach, exec) it stops parsing that connection.
 */
export class ApiProxy {
	readonly requests: SeenRequest[] = [];
	connections = 0;
	private readonly server: net.Server;
	private readonly sockets = new Set<net.Socket>();

	private constructor(
		readonly socketPath: string,
		private readonly upstream: string,
	) {
		this.server = net.createServer(client => this.onClient(client));
	}

	static async start(socketPath: string, upstream: string): Promise<ApiProxy> {
		fs.rmSync(socketPath, {force: true});
		const proxy = new ApiProxy(socketPath, upstream);
		await new Promise<void>((resolve, reject) => {
			proxy.server.once('error', reject);
			proxy.server.listen(socketPath, () => resolve());
		});
		return proxy;
	}

	get host(): string {
		return `unix://${this.socketPath}`;
	}

	reset(): void {
		this.requests.length = 0;
		this.connections = 0;
	}

	/** Each request as `+123 GET /plugins`, ms after `since`, in order. */
	timeline(since: number): string[] {
		return this.requests.map(request => `+${Math.round(request.at - since)} ${request.endpoint}`);
	}

	/** Requests per endpoint, most first. */
	byEndpoint(): Record<string, number> {
		const counts = new Map<string, number>();
		for (const request of this.requests) {
			counts.set(request.endpoint, (counts.get(request.endpoint) ?? 0) + 1);
		}

		return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) {
			socket.destroy();
		}

		await new Promise<void>(resolve => this.server.close(() => resolve()));
		fs.rmSync(this.socketPath, {force: true});
	}

	private onClient(client: net.Socket) {
		this.connections++;
		const daemon = net.connect(this.upstream);
		this.sockets.add(client).add(daemon);
		const parser = new RequestParser(request => this.requests.push(request));
		client.on('data', chunk => {
			parser.push(chunk);
			daemon.write(chunk);
		});
		daemon.on('data', chunk => client.write(chunk));
		const end = () => {
			client.destroy();
			daemon.destroy();
			this.sockets.delete(client);
			this.sockets.delete(daemon);
		};

		client.on('end', () => daemon.end());
		daemon.on('end', () => client.end());
		client.on('close', end);
		daemon.on('close', end);
		client.on('error', end);
		daemon.on('error', end);
	}
}

const requestLine = /^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) (\S+) HTTP\/1\.[01]$/;

/** Splits a client's byte stream into requests. */
export class RequestParser {
	private buffer = Buffer.alloc(0);
	private state: {kind: 'head'} | {kind: 'body'; remaining: number} | {kind: 'chunked'} | {kind: 'raw'} = {kind: 'head'};

	constructor(private readonly onRequest: (request: SeenRequest) => void) {}

	push(chunk: Buffer): void {
		if (this.state.kind === 'raw') {
			return;
		}

		this.buffer = Buffer.concat([this.buffer, chunk]);
		for (;;) {
			if (this.state.kind === 'head') {
				const end = this.buffer.indexOf('\r\n\r\n');
				if (end < 0) {
					return;
				}

				const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
				this.buffer = this.buffer.subarray(end + 4);
				const match = requestLine.exec(lines[0] ?? '');
				if (!match) {
					// Not HTTP we understand: stop counting on this connection rather than guess.
					this.state = {kind: 'raw'};
					return;
				}

				this.onRequest({method: match[1]!, path: match[2]!, endpoint: endpointOf(match[1]!, match[2]!), at: performance.now()});
				const headers = new Map(
					lines.slice(1).map(line => {
						const colon = line.indexOf(':');
						return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
					}),
				);
				if (headers.has('upgrade') || /upgrade/i.test(headers.get('connection') ?? '')) {
					this.state = {kind: 'raw'};
					return;
				}

				if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
					this.state = {kind: 'chunked'};
				} else {
					this.state = {kind: 'body', remaining: Number(headers.get('content-length') ?? 0) || 0};
				}
			}

			if (this.state.kind === 'body') {
				const take = Math.min(this.state.remaining, this.buffer.length);
				this.buffer = this.buffer.subarray(take);
				this.state.remaining -= take;
				if (this.state.remaining > 0) {
					return;
				}

				this.state = {kind: 'head'};
				continue;
			}

			if (this.state.kind === 'chunked') {
				// Chunk by chunk: "<hex size>\r\n<data>\r\n", ending with a zero-size chunk and a blank line.
				const lineEnd = this.buffer.indexOf('\r\n');
				if (lineEnd < 0) {
					return;
				}

				const size = Number.parseInt(this.buffer.subarray(0, lineEnd).toString('latin1'), 16);
				if (Number.isNaN(size)) {
					this.state = {kind: 'raw'};
					return;
				}

				if (size === 0) {
					const trailerEnd = this.buffer.indexOf('\r\n\r\n', lineEnd);
					if (trailerEnd < 0 && this.buffer.length < lineEnd + 4) {
						return;
					}

					this.buffer = this.buffer.subarray(trailerEnd < 0 ? lineEnd + 4 : trailerEnd + 4);
					this.state = {kind: 'head'};
					continue;
				}

				if (this.buffer.length < lineEnd + 2 + size + 2) {
					return;
				}

				this.buffer = this.buffer.subarray(lineEnd + 2 + size + 2);
				continue;
			}

			return;
		}
	}
}

/** `GET /v1.41/plugins/3f2a…/json?x=1` → `GET /plugins/:id/json`. */
export function endpointOf(method: string, path: string): string {
	const bare = path
		.split('?')[0]!
		.replace(/^\/v\d+\.\d+/, '')
		.split('/')
		.map(part => (/^[a-f\d]{12,64}$/.test(part) || part.includes('%') || part.includes(':') ? ':id' : part))
		.join('/');
	return `${method} ${bare}`;
}
