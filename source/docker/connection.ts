import fs from 'node:fs';
import path from 'node:path';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';

/** Where the daemon is and how to talk to it, before any connection is made. */
export interface EngineTarget {
	/** As people write it: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://ops@host`. */
	address: string;
	/** What chose it, shown when it cannot be reached. */
	source: 'flag' | 'env' | 'default';
	transport:
		| {kind: 'unix'; socketPath: string}
		| {kind: 'tcp'; host: string; port: number; tls?: {ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean}}
		| {kind: 'ssh'; host: string; port: number; username?: string};
}

export const defaultSocket = '/var/run/docker.sock';

export interface TargetOptions {
	host?: string;
	env?: NodeJS.ProcessEnv;
}

/** `--host` > `DOCKER_HOST` > the default socket. */
export function resolveTarget({host, env = process.env}: TargetOptions = {}): EngineTarget {
	if (host !== undefined) {
		return parseHost(host, 'flag', env);
	}

	if (env.DOCKER_HOST) {
		return parseHost(env.DOCKER_HOST, 'env', env);
	}

	return parseHost(`unix://${defaultSocket}`, 'default', env);
}

export function parseHost(input: string, source: EngineTarget['source'], env: NodeJS.ProcessEnv = process.env): EngineTarget {
	const text = input.trim();
	const fail = (why: string) =>
		new BadInput(`the Docker host "${safeText(text).slice(0, 200)}" ${why}: use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST`);

	if (text === '') {
		throw fail('is empty');
	}

	if (text.startsWith('/')) {
		return {address: `unix://${text}`, source, transport: {kind: 'unix', socketPath: text}};
	}

	const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
	if (scheme === 'unix') {
		const socketPath = text.slice('unix://'.length);
		if (!socketPath.startsWith('/')) {
			throw fail('needs an absolute socket path');
		}

		return {address: text, source, transport: {kind: 'unix', socketPath}};
	}

	if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
		let url: URL;
		try {
			url = new URL(text.replace(/^tcp:/, 'http:'));
		} catch {
			throw fail('is not a valid address');
		}

		const tlsVerify = Boolean(env.DOCKER_TLS_VERIFY) && env.DOCKER_TLS_VERIFY !== '0';
		const useTls = tlsVerify || scheme === 'https' || (url.port === '2376' && scheme !== 'http');
		const port = url.port ? Number(url.port) : useTls ? 2376 : 2375;
		const host = url.hostname.replace(/^\[|\]$/g, '');
		if (!host) {
			throw fail('has no host name');
		}

		return {
			address: `tcp://${url.host || host}${url.port ? '' : `:${port}`}`,
			source,
			transport: {kind: 'tcp', host, port, tls: useTls ? readTlsFiles(env, tlsVerify) : undefined},
		};
	}

	if (scheme === 'ssh') {
		let url: URL;
		try {
			url = new URL(text);
		} catch {
			throw fail('is not a valid address');
		}

		if (!url.hostname) {
			throw fail('has no host name');
		}

		return {
			address: text,
			source,
			transport: {
				kind: 'ssh',
				host: url.hostname,
				port: url.port ? Number(url.port) : 22,
				username: url.username ? decodeURIComponent(url.username) : undefined,
			},
		};
	}

	if (scheme === 'npipe') {
		throw fail('is a Windows named pipe, which this Linux tool cannot open');
	}

	throw fail(scheme ? `uses the unknown scheme ${safeText(scheme)}` : 'has no scheme');
}

/** The docker CLI's TLS files: ca.pem, cert.pem, key.pem in DOCKER_CERT_PATH (else ~/.docker). */
function readTlsFiles(env: NodeJS.ProcessEnv, verify: boolean) {
	const folder = env.DOCKER_CERT_PATH || path.join(env.HOME ?? '', '.docker');
	const read = (name: string) => {
		try {
			return fs.readFileSync(path.join(folder, name));
		} catch {
			return undefined;
		}
	};

	return {ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify};
}
