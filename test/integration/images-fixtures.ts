import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {CommandContext} from '../../source/commands/context.js';
import type {EngineTarget} from '../../source/docker/target.js';
import {copyTag, startPasswordRegistry, type AuthRegistry} from '../sandbox/auth-registry.js';
import {importImage, moveTag} from '../sandbox/fixtures.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {uniqueName} from '../sandbox/shared.js';

/**
 * What the image tests share: an environment that never reads the operator's docker credentials or
 * kasm-tui settings, a command context that keeps what a command prints, and builds pushed to a
 * registry the way a CI pipeline pushes them.
 */

/** A settings folder of the test's own (removed at exit), and the sandbox's docker config folder. */
export function isolateEnvironment(sandbox: Sandbox): {configDir: string} {
	const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-test-config-'));
	process.on('exit', () => fs.rmSync(configDir, {recursive: true, force: true}));
	process.env.KASM_TUI_CONFIG_DIR = configDir;
	process.env.DOCKER_CONFIG = sandbox.state.dockerConfig;
	return {configDir};
}

/** A docker config folder with `auths` for one registry, as `docker login` writes it. */
export function dockerConfigWith(registry: string, username: string, password: string): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-test-docker-'));
	process.on('exit', () => fs.rmSync(folder, {recursive: true, force: true}));
	const auth = Buffer.from(`${username}:${password}`).toString('base64');
	fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({auths: {[registry]: {auth}}}));
	return folder;
}

export interface Captured {
	context: CommandContext;
	stdout: string[];
	stderr: string[];
	/** Everything it printed, both streams. */
	all: () => string;
}

export function captureContext(target: EngineTarget, options: Partial<CommandContext> = {}): Captured {
	const stdout: string[] = [];
	const stderr: string[] = [];
	return {
		context: {
			target,
			json: false,
			yes: false,
			readOnly: false,
			print: text => stdout.push(text),
			warn: text => stderr.push(text),
			...options,
		},
		stdout,
		stderr,
		all: () => [...stdout, ...stderr].join('\n'),
	};
}

/** A build (busybox + a VERSION file) pushed to `registry/repository:tag`, then gone from the daemon. */
export async function pushBuild(sandbox: Sandbox, reference: string, version: string, changes: string[] = []): Promise<void> {
	await importImage(sandbox, reference, version, changes);
	await sandbox.docker(['push', reference]);
	await sandbox.docker(['image', 'rm', reference]);
}

/**
 * A CI pipeline pushing a new build under a tag the host already pulled: the build goes up under
 * a tag of its own, and the registry's tag is moved to it, so the daemon's copy is left alone.
 */
export async function pushNewBuildUnder(sandbox: Sandbox, repositoryPath: string, tag: string, version: string, changes: string[] = []): Promise<void> {
	const buildTag = `build-${Date.now().toString(36)}`;
	await pushBuild(sandbox, `${sandbox.registry}/${repositoryPath}:${buildTag}`, version, changes);
	await moveTag(sandbox, repositoryPath, tag, buildTag);
}

export async function removeImages(sandbox: Sandbox, references: string[]): Promise<void> {
	for (const reference of references) {
		await sandbox.docker(['image', 'rm', '--force', reference]).catch(() => {});
	}
}

export interface PrivateImage {
	registry: AuthRegistry;
	/** `127.0.0.1:PORT/repository:v1` on the registry that wants a password. */
	reference: string;
	/** Docker config folders: one that logs in, one with the wrong password. */
	rightConfig: string;
	wrongConfig: string;
	/** Both passwords, plain and in their Basic form: none may ever be printed. */
	secrets: string[];
}

/** A build on a registry with htpasswd auth (user `kasm`), and docker config folders for it; stop the registry after. */
export async function startPrivateImage(sandbox: Sandbox, repositoryPath: string): Promise<PrivateImage> {
	const password = `pw-${uniqueName('secret')}`;
	const wrongPassword = `wrong-${uniqueName('secret')}`;
	const registry = await startPasswordRegistry(sandbox, [{name: 'kasm', password}]);
	await pushBuild(sandbox, `${sandbox.registry}/${repositoryPath}:v1`, `private build ${repositoryPath}`);
	await copyTag(sandbox, registry, repositoryPath, 'v1');
	return {
		registry,
		reference: `${registry.address}/${repositoryPath}:v1`,
		rightConfig: dockerConfigWith(registry.address, 'kasm', password),
		wrongConfig: dockerConfigWith(registry.address, 'kasm', wrongPassword),
		secrets: [password, wrongPassword].flatMap(secret => [secret, Buffer.from(`kasm:${secret}`).toString('base64')]),
	};
}

export interface CountingRegistry {
	/** `127.0.0.1:PORT`: push through it, and what is checked against it is counted. */
	address: string;
	/** Every request that crossed it, as `HEAD /v2/repo/manifests/tag`. */
	requests: string[];
	stop(): Promise<void>;
}

export interface RelayOptions {
	/** Added to every answer, as Docker Hub adds `ratelimit-remaining`. */
	answerHeaders?: Record<string, string>;
	/** Requests whose credentials the registry never sees, so it refuses them (401). */
	dropCredentials?: (request: http.IncomingMessage) => boolean;
}

/**
 * A loopback relay in front of a real registry that notes every request: how many times kasm-tui
 * asked the registry about a tag is then seen from outside, whatever code path asked.
 */
export async function countingRegistry(upstream: string, options: RelayOptions = {}): Promise<CountingRegistry> {
	const [upstreamHost, upstreamPort] = upstream.split(':');
	const requests: string[] = [];
	const server = http.createServer((request, response) => {
		requests.push(`${request.method} ${request.url}`);
		const headers = {...request.headers};
		if (options.dropCredentials?.(request)) {
			delete headers.authorization;
		}

		// The Host header stays the relay's, so the registry's upload locations point back through it.
		const forwarded = http.request({host: upstreamHost, port: Number(upstreamPort), method: request.method, path: request.url, headers}, answer => {
			response.writeHead(answer.statusCode ?? 502, {...answer.headers, ...options.answerHeaders});
			answer.pipe(response);
		});
		forwarded.on('error', () => response.destroy());
		request.pipe(forwarded);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
		requests,
		stop: async () => {
			server.closeAllConnections();
			await new Promise(resolve => server.close(resolve));
		},
	};
}
