/**
 * Which daemon a single-host command talks to, as the docker CLI picks it: --host, DOCKER_HOST,
 * DOCKER_CONTEXT or the config's current context, else the default socket; and an address read
 * into the EngineTarget that source/docker/ connects to.
 */
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';
import type {EngineTarget} from '../docker/target.js';

export const defaultSocket = '/var/run/docker.sock';

export interface TargetOptions {
	host?: string;
	env?: NodeJS.ProcessEnv;
	/** The docker CLI's config folder; default DOCKER_CONFIG, else ~/.docker. */
	configDir?: string;
	/** `--tls-insecure`: TLS whose certificate nothing checks is allowed, not refused. */
	tlsInsecure?: boolean;
}

/** `--host` > `DOCKER_HOST` > `DOCKER_CONTEXT` > the config's `currentContext` > the default socket. */
export function resolveTarget({host, env = process.env, configDir, tlsInsecure}: TargetOptions = {}): EngineTarget {
	if (host !== undefined) {
		return parseHost(host, 'flag', env, {tlsInsecure});
	}

	if (env.DOCKER_HOST) {
		return parseHost(env.DOCKER_HOST, 'env', env, {tlsInsecure});
	}

	const folder = configDir ?? dockerConfigDir(env);
	const context = env.DOCKER_CONTEXT || currentContext(folder);
	if (context && context !== 'default') {
		return contextTarget(context, folder);
	}

	return parseHost(`unix://${defaultSocket}`, 'default', env);
}

/** Where the docker CLI keeps config.json and contexts. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
	return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/** The context `docker context use` chose, from config.json; none when the file is absent. */
function currentContext(folder: string): string | undefined {
	const file = path.join(folder, 'config.json');
	const config = readJson(file, 'the docker config') as {currentContext?: unknown} | undefined;
	return typeof config?.currentContext === 'string' && config.currentContext !== '' ? config.currentContext : undefined;
}

interface ContextMeta {
	Name?: string;
	Endpoints?: {docker?: {Host?: string; SkipTLSVerify?: boolean}};
}

// node:crypto costs ~5 ms to load and only a named context needs it: not every command's start.
const lazy = {crypto: () => createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')};

/** The names of the contexts `docker context create` made, sorted (the built-in "default" is not one). */
export function listContexts(folder: string): string[] {
	let ids: string[];
	try {
		ids = fs.readdirSync(path.join(folder, 'contexts', 'meta'));
	} catch {
		return [];
	}

	const names = ids.map(id => (readJson(path.join(folder, 'contexts', 'meta', id, 'meta.json'), 'a docker context') as ContextMeta | undefined)?.Name);
	return names.filter((name): name is string => typeof name === 'string' && name !== '').sort();
}

/** A context as the docker CLI stores it: meta and TLS files under the sha256 of its name. */
export function contextTarget(name: string, folder: string): EngineTarget {
	const id = lazy.crypto().createHash('sha256').update(name).digest('hex');
	const metaFile = path.join(folder, 'contexts', 'meta', id, 'meta.json');
	const meta = readJson(metaFile, `the docker context ${safeText(name).slice(0, 100)}`) as ContextMeta | undefined;
	if (!meta) {
		throw new BadInput(
			`no docker context named "${safeText(name).slice(0, 100)}" in ${safeText(folder).slice(0, 200)}: run "docker context ls" to see the contexts, or pass --host`,
		);
	}

	const endpoint = meta.Endpoints?.docker ?? {};
	const host = typeof endpoint.Host === 'string' && endpoint.Host !== '' ? endpoint.Host : `unix://${defaultSocket}`;
	// Whether and how a context speaks TLS is decided below, from its TLS files and SkipTLSVerify.
	const target = parseHost(host, 'context', {}, {tlsInsecure: true});
	target.context = name;
	if (target.transport.kind === 'tcp') {
		const tls = readTlsFolder(path.join(folder, 'contexts', 'tls', id, 'docker'));
		const skipVerify = endpoint.SkipTLSVerify === true;
		// The docker CLI speaks TLS to a context that has TLS files or says to skip verifying them.
		target.transport.tls = tls.ca || tls.cert || tls.key || skipVerify ? {...tls, verify: !skipVerify} : undefined;
	}

	return target;
}

/** A JSON file that may be absent (undefined) but, when present, must parse. */
function readJson(file: string, what: string): unknown {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
			return undefined;
		}

		throw new BadInput(`cannot read ${what} (${safeText(file).slice(0, 200)}): ${safeText((error as NodeJS.ErrnoException).code ?? (error as Error).message).slice(0, 100)}`);
	}

	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new BadInput(`${what} (${safeText(file).slice(0, 200)}) is not valid JSON: fix or remove it, or pass --host`);
	}
}

/** Whether kasm-tui speaks TLS to it without checking its certificate (--tls-insecure, or a context's SkipTLSVerify). */
export function tlsUnverified(target: EngineTarget): boolean {
	return target.transport.kind === 'tcp' && target.transport.tls?.verify === false;
}

export function parseHost(input: string, source: EngineTarget['source'], env: NodeJS.ProcessEnv = process.env, {tlsInsecure = false}: {tlsInsecure?: boolean} = {}): EngineTarget {
	const target = readHost(input, source, env, tlsInsecure);
	// The address is shown (the header, every "cannot reach"), and it is the operator's text: make it safe once.
	return {...target, address: safeText(target.address).slice(0, 300)};
}

function readHost(input: string, source: EngineTarget['source'], env: NodeJS.ProcessEnv, tlsInsecure: boolean): EngineTarget {
	const text = input.trim();
	// A password typed into an address is never repeated back.
	const shown = text.replace(/^([a-z]+:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
	const fail = (why: string) =>
		new BadInput(`the Docker host "${safeText(shown).slice(0, 200)}" ${why}: use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST`);

	if (text === '') {
		throw fail('is empty');
	}

	// A unix socket's path fits in 108 bytes with its NUL; a DNS name in 253 characters, 63 a label.
	const unixSocket = (socketPath: string) => {
		if (Buffer.byteLength(socketPath) > 107) {
			throw fail('has a socket path longer than a unix socket path can be (107 bytes)');
		}

		return socketPath;
	};

	const hostName = (host: string) => {
		if (host.length > 253 || host.split('.').some(label => label.length > 63)) {
			throw fail('has a host name longer than a host name can be');
		}

		return host;
	};

	if (text.startsWith('/')) {
		return {address: `unix://${text}`, source, transport: {kind: 'unix', socketPath: unixSocket(text)}};
	}

	const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
	if (scheme === 'unix') {
		const socketPath = text.slice('unix://'.length);
		if (!socketPath.startsWith('/')) {
			throw fail('needs an absolute socket path');
		}

		return {address: text, source, transport: {kind: 'unix', socketPath: unixSocket(socketPath)}};
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
		// Unchecked, anyone on the way could pose as the daemon and read the registry credentials sent to it.
		if (useTls && !tlsVerify && !tlsInsecure) {
			throw new BadInput(
				`the Docker host "${safeText(shown).slice(0, 200)}" speaks TLS, and nothing would check its certificate: set DOCKER_TLS_VERIFY=1 (and DOCKER_CERT_PATH) to check it, or pass --tls-insecure to go on without`,
			);
		}

		const port = url.port ? Number(url.port) : useTls ? 2376 : 2375;
		const host = url.hostname.replace(/^\[|\]$/g, '');
		if (!host) {
			throw fail('has no host name');
		}

		hostName(host);

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

		// As the docker CLI refuses them (cli/connhelper/ssh): a password belongs in ssh's own keys or agent.
		if (url.password) {
			throw fail('holds a password, which is not supported: use a key or ssh-agent, as docker -H ssh:// does');
		}

		if (url.search || url.hash) {
			throw fail('has a query or fragment, which ssh:// addresses do not take');
		}

		hostName(url.hostname);
		// The far side runs `docker --host=unix://PATH system dial-stdio` through a shell: a plain path only.
		const socketPath = url.pathname && url.pathname !== '/' ? decodeURIComponent(url.pathname) : undefined;
		if (socketPath !== undefined && !/^\/[\w./-]+$/.test(socketPath)) {
			throw fail('has a socket path with characters other than letters, digits and . _ - /');
		}

		return {
			address: text,
			source,
			transport: {
				kind: 'ssh',
				host: url.hostname,
				...(url.port ? {port: Number(url.port)} : {}),
				...(url.username ? {username: decodeURIComponent(url.username)} : {}),
				...(socketPath ? {socketPath: unixSocket(socketPath)} : {}),
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
	return {...readTlsFolder(folder), verify};
}

function readTlsFolder(folder: string) {
	const read = (name: string) => {
		try {
			return fs.readFileSync(path.join(folder, name));
		} catch {
			return undefined;
		}
	};

	return {ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem')};
}
