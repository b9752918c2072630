/**
 * Just enough of the Chrome DevTools protocol to force a garbage collection in another Node
 * process started with `--inspect=127.0.0.1:0` and read its memory: RSS alone cannot tell a leak
 * from garbage V8 has not collected yet. It uses `ws` (installed with ink); without it the
 * benchmark skips these figures.
 */
export interface HeapFigures {
	/** RSS before and after the forced collection, MiB. */
	rssMiB: number;
	rssAfterGcMiB: number;
	/** process.memoryUsage() after it, MiB. */
	heapUsedMiB: number;
	heapTotalMiB: number;
	externalMiB: number;
}

interface Socket {
	on(event: 'message', listener: (data: Buffer) => void): void;
	off(event: 'message', listener: (data: Buffer) => void): void;
	once(event: 'open' | 'error', listener: (error?: Error) => void): void;
	send(data: string): void;
	close(): void;
}

export class InspectorClient {
	private id = 0;

	private constructor(private readonly socket: Socket) {}

	/** Connects to `ws://127.0.0.1:PORT/ID` as printed by `--inspect`; undefined when `ws` is not installed. */
	static async connect(url: string): Promise<InspectorClient | undefined> {
		let WebSocket: new (url: string) => Socket;
		try {
			// @ts-expect-error: ws has no types installed; it is ink's dependency, not ours.
			WebSocket = ((await import('ws')) as {default: new (url: string) => Socket}).default;
		} catch {
			return undefined;
		}

		const socket = new WebSocket(url);
		await new Promise<void>((resolve, reject) => {
			socket.once('open', () => resolve());
			socket.once('error', error => reject(error));
		});
		return new InspectorClient(socket);
	}

	async call<T = unknown>(method: string, params: object = {}): Promise<T> {
		const id = ++this.id;
		return new Promise(resolve => {
			const onMessage = (data: Buffer) => {
				const message = JSON.parse(data.toString('utf8')) as {id?: number; result: T};
				if (message.id === id) {
					this.socket.off('message', onMessage);
					resolve(message.result);
				}
			};

			this.socket.on('message', onMessage);
			this.socket.send(JSON.stringify({id, method, params}));
		});
	}

	/** Collects garbage (twice: the second pass frees what the first only finalised) and reads memory. */
	async heapAfterGc(rss: () => number): Promise<HeapFigures> {
		const rssMiB = rss();
		await this.call('HeapProfiler.collectGarbage');
		await this.call('HeapProfiler.collectGarbage');
		const {result} = await this.call<{result: {value: string}}>('Runtime.evaluate', {expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true});
		const usage = JSON.parse(result.value) as {heapUsed: number; heapTotal: number; external: number};
		const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
		return {rssMiB: Math.round(rssMiB * 10) / 10, rssAfterGcMiB: Math.round(rss() * 10) / 10, heapUsedMiB: mib(usage.heapUsed), heapTotalMiB: mib(usage.heapTotal), externalMiB: mib(usage.external)};
	}

	close(): void {
		this.socket.close();
	}
}
