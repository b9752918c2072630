import http from 'node:http';

/**
 * The Engine API straight over the sandbox's socket, for seeding only: a `docker tag` or
 * `docker create` is one process per call (~40 ms of CLI start each), the same request over
 * a keep-alive agent costs the daemon's work alone.
 */
export class EngineApi {
	private readonly agent = new http.Agent({keepAlive: true, maxSockets: 16});

	constructor(private readonly socketPath: string) {}

	async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
		return new Promise((resolve, reject) => {
			const call = http.request(
				{
					socketPath: this.socketPath,
					agent: this.agent,
					method,
					path,
					headers: payload ? {'Content-Type': 'application/json', 'Content-Length': payload.length} : {},
				},
				response => {
					const chunks: Buffer[] = [];
					response.on('data', chunk => chunks.push(chunk as Buffer));
					response.on('end', () => {
						const text = Buffer.concat(chunks).toString('utf8');
						if ((response.statusCode ?? 500) >= 300) {
							reject(new Error(`${method} ${path}: HTTP ${response.statusCode}: ${text.trim().slice(0, 300)}`));
							return;
						}

						resolve((text && /json/.test(response.headers['content-type'] ?? '') ? JSON.parse(text) : text) as T);
					});
				},
			);
			call.on('error', reject);
			call.end(payload);
		});
	}

	close(): void {
		this.agent.destroy();
	}
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure rejects. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			await work(items[index]!, index);
		}
	};

	await Promise.all(Array.from({length: Math.min(limit, items.length)}, () => worker()));
}
