import net from 'node:net';

/**
 * A slow link on loopback, the project's own (this kernel has no netem): a TCP relay in front of
 * `port` on 127.0.0.1 that holds every chunk `delayMs` in each direction before passing it on, in
 * order. ssh through it pays the delay on each round trip of its handshake and of every request.
 */
export interface SlowLink {
	port: number;
	close(): Promise<void>;
}

/** Passes what `from` sends to `to`, each chunk `delayMs` after it came, in the order it came. */
function delayed(from: net.Socket, to: net.Socket, delayMs: number): void {
	const queue: Array<{due: number; chunk: Buffer | null}> = [];
	let timer: NodeJS.Timeout | undefined;
	const drain = () => {
		timer = undefined;
		while (queue.length > 0 && queue[0]!.due <= Date.now()) {
			const {chunk} = queue.shift()!;
			if (chunk === null) {
				to.end();
			} else if (!to.destroyed) {
				to.write(chunk);
			}
		}

		if (queue.length > 0) {
			timer = setTimeout(drain, queue[0]!.due - Date.now());
		}
	};

	const push = (chunk: Buffer | null) => {
		queue.push({due: Date.now() + delayMs, chunk});
		timer ??= setTimeout(drain, delayMs);
	};

	from.on('data', chunk => push(chunk as Buffer));
	from.on('end', () => push(null));
}

export async function startSlowLink(port: number, delayMs: number): Promise<SlowLink> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer({allowHalfOpen: true}, client => {
		const far = net.connect({host: '127.0.0.1', port, allowHalfOpen: true});
		for (const socket of [client, far]) {
			sockets.add(socket);
			socket.on('close', () => {
				sockets.delete(socket);
				client.destroy();
				far.destroy();
			});
			socket.on('error', () => {});
		}

		delayed(client, far, delayMs);
		delayed(far, client, delayMs);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		async close() {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}
