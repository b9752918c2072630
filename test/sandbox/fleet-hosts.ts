import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {EngineKind} from './engines.js';
import {freePort, Sandbox, sandboxState, startDaemon, stopSandbox, waitForDaemon} from './sandbox.js';

/**
 * More daemons beside the sandbox's, for fleet tests: each a private dockerd of its own (socket,
 * data-root, exec-root, containerd namespaces) pulling from the sandbox's registry; one can also
 * listen on tcp://127.0.0.1:PORT with --tlsverify and certificates made with openssl. And an
 * address that takes connections and never answers. Each is recorded like a sandbox (state.json
 * in a /tmp/kt-* folder), so a killed test run's daemons are reaped by the next start.
 */

export interface TlsMaterial {
	/** What DOCKER_CERT_PATH or a docker context's TLS folder holds: ca.pem, cert.pem, key.pem. */
	clientFolder: string;
	ca: string;
	serverCert: string;
	serverKey: string;
}

export interface ExtraDaemon {
	/** The docker CLI and state, as for the sandbox. */
	sandbox: Sandbox;
	/** `unix://…/docker.sock`. */
	host: string;
	/** `tcp://127.0.0.1:PORT`, when it listens with TLS. */
	tcpHost?: string;
	tls?: TlsMaterial;
	stop(): Promise<void>;
}

function openssl(args: string[]): void {
	execFileSync('openssl', args, {stdio: ['ignore', 'ignore', 'pipe']});
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker --tlsverify` wants them. */
export function makeTlsMaterial(folder: string): TlsMaterial {
	fs.mkdirSync(folder, {recursive: true, mode: 0o700});
	const file = (name: string) => path.join(folder, name);
	const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
	openssl(['req', '-x509', ...key, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=kasm-tui test CA']);
	const sign = (name: string, subject: string, extensions: string) => {
		fs.writeFileSync(file(`${name}.ext`), extensions);
		openssl(['req', ...key, '-keyout', file(`${name}-key.pem`), '-out', file(`${name}.csr`), '-subj', subject]);
		openssl(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial', '-out', file(`${name}-cert.pem`), '-days', '2', '-extfile', file(`${name}.ext`)]);
	};

	sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
	sign('client', '/CN=kasm-tui test client', 'extendedKeyUsage=clientAuth\n');
	const clientFolder = file('client');
	fs.mkdirSync(clientFolder, {mode: 0o700});
	fs.copyFileSync(file('ca.pem'), path.join(clientFolder, 'ca.pem'));
	fs.copyFileSync(file('client-cert.pem'), path.join(clientFolder, 'cert.pem'));
	fs.copyFileSync(file('client-key.pem'), path.join(clientFolder, 'key.pem'));
	return {clientFolder, ca: file('ca.pem'), serverCert: file('server-cert.pem'), serverKey: file('server-key.pem')};
}

/** dockerd before 23 keeps its ID in key.json, not in its data-root's engine-id. */
function legacyDaemonId(kind: EngineKind): boolean {
	return kind === '20.10';
}

/**
 * Starts another daemon that pulls from the sandbox's registry; `tls` also puts it on tcp with
 * --tlsverify. `engineIdOf`: a clone of that daemon's machine, as a VM template makes them: its
 * engine ID copied (key.json before Docker 23, `<data-root>/engine-id` since), with a data root of its own.
 */
export async function startExtraDaemon(
	main: Sandbox,
	{tls = false, kind = main.state.kind, engineIdOf}: {tls?: boolean; kind?: EngineKind; engineIdOf?: ExtraDaemon} = {},
): Promise<ExtraDaemon> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-'));
	fs.chmodSync(dir, 0o711);
	const state = sandboxState(dir, main.registry, kind);
	if (engineIdOf) {
		if (engineIdOf.sandbox.state.kind !== kind) {
			throw new Error(`a clone is of the same engine kind as its original (${engineIdOf.sandbox.state.kind}, not ${kind})`);
		}

		if (legacyDaemonId(kind)) {
			fs.copyFileSync(path.join(engineIdOf.sandbox.state.dir, 'key.json'), path.join(dir, 'key.json'));
		} else {
			fs.mkdirSync(state.dataRoot, {recursive: true, mode: 0o710});
			fs.copyFileSync(path.join(engineIdOf.sandbox.state.dataRoot, 'engine-id'), path.join(state.dataRoot, 'engine-id'));
		}
	}

	// dockerd before 23 takes its ID from /etc/docker/key.json, the same for every daemon of the
	// machine; a key of its own (a daemon.json setting, no flag) makes it another daemon, as
	// another host's would be. Later ones keep their ID in the data-root.
	state.daemonArgs = [];
	if (legacyDaemonId(kind)) {
		const configFile = path.join(dir, 'daemon.json');
		fs.writeFileSync(configFile, JSON.stringify({'deprecated-key-path': path.join(dir, 'key.json')}) + '\n');
		state.daemonArgs.push('--config-file', configFile);
	}

	let material: TlsMaterial | undefined;
	let tcpHost: string | undefined;
	if (tls) {
		material = makeTlsMaterial(path.join(dir, 'tls'));
		tcpHost = `tcp://127.0.0.1:${await freePort()}`;
		state.daemonArgs.push('--host', tcpHost, '--tlsverify', '--tlscacert', material.ca, '--tlscert', material.serverCert, '--tlskey', material.serverKey);
	}

	const writeState = () => fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
	writeState();
	try {
		state.pids.dockerd = startDaemon(state);
		writeState();
		await waitForDaemon(state);
	} catch (error) {
		await stopSandbox(state);
		throw error;
	}

	return {sandbox: new Sandbox(state), host: state.host, tcpHost, tls: material, stop: async () => stopSandbox(state)};
}

/** tcp://127.0.0.1:PORT that accepts every connection and never says a word: a host that hangs. */
export async function startSilentHost(): Promise<{address: string; close(): Promise<void>}> {
	const held = new Set<net.Socket>();
	const server = net.createServer(socket => {
		held.add(socket);
		socket.on('close', () => held.delete(socket));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		address: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
		async close() {
			for (const socket of held) {
				socket.destroy();
			}

			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}
