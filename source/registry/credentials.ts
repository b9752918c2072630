import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {registerSecret} from '../secrets.js';
import {safeText} from '../text.js';
import {CredentialHelperFailed, DockerConfigUnusable} from './errors.js';
import {dockerHub} from '../docker/reference.js';

/**
 * Registry credentials found the way the docker CLI finds them, so `docker login` is all an
 * operator needs. The secret fields never go into a message; `source` says where they came from.
 */
export interface Credentials {
	username?: string;
	password?: string;
	/** An OAuth refresh token (`docker login` with SSO, or a helper's `<token>` user). */
	identityToken?: string;
	/** For messages: `docker-credential-pass`, `/root/.docker/config.json`. */
	source: string;
}

export interface CredentialOptions {
	/** The docker config folder; default DOCKER_CONFIG, else ~/.docker. */
	configDir?: string;
	env?: NodeJS.ProcessEnv;
	/** How long a credential helper may take; default 15 s. */
	helperTimeoutMs?: number;
}

interface DockerConfigFile {
	auths?: Record<string, {auth?: string; username?: string; password?: string; identitytoken?: string} | undefined>;
	credsStore?: string;
	credHelpers?: Record<string, string | undefined>;
}

/** The key `docker login` writes for Docker Hub, and the server URL its helpers are asked about. */
export const dockerHubAuthKey = 'https://index.docker.io/v1/';
const dockerHubHosts = new Set([dockerHub, 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const helperName = /^[\w.-]{1,64}$/;

export function dockerConfigDir(options: CredentialOptions = {}): string {
	const env = options.env ?? process.env;
	return options.configDir ?? (env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'));
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://r.example.com:5000/v2/` → `r.example.com:5000`. */
export function registryHostOf(key: string): string {
	const host = key
		.trim()
		.replace(/^[a-z][a-z\d+.-]*:\/\//i, '')
		.replace(/\/.*$/, '')
		.toLowerCase();
	return dockerHubHosts.has(host) ? dockerHub : host;
}

/** The server address a credential helper is asked about: Docker Hub's legacy URL, else the host. */
export function serverAddressOf(registry: string): string {
	return registryHostOf(registry) === dockerHub ? dockerHubAuthKey : registry;
}

/** Reads the credentials for registries once each; helpers run only when a registry asks. */
export class DockerCredentials {
	private readonly found = new Map<string, Promise<Credentials | undefined>>();
	private config?: DockerConfigFile;

	constructor(readonly options: CredentialOptions = {}) {}

	get configFile(): string {
		return path.join(dockerConfigDir(this.options), 'config.json');
	}

	/** The credentials for a registry host (`docker.io`, `127.0.0.1:5000`), or undefined when there are none. */
	get(registry: string): Promise<Credentials | undefined> {
		const host = registryHostOf(registry);
		let pending = this.found.get(host);
		if (!pending) {
			pending = this.lookUp(host).then(found => {
				// From here on, redact() keeps these out of every error and log line.
				registerSecret(found?.password, found?.username);
				registerSecret(found?.identityToken);
				return found;
			});
			this.found.set(host, pending);
			// A failed helper may work on the next try (an unlocked keychain); do not keep the failure.
			pending.catch(() => this.found.delete(host));
		}

		return pending;
	}

	private async lookUp(host: string): Promise<Credentials | undefined> {
		const config = this.readConfig();
		const helper = entryFor(config.credHelpers ?? {}, host) ?? config.credsStore;
		if (helper) {
			const fromHelper = await runCredentialHelper(helper, serverAddressOf(host), this.options);
			if (fromHelper) {
				return fromHelper;
			}
		}

		const auth = entryFor(config.auths ?? {}, host);
		return auth ? fromAuthEntry(auth, this.configFile) : undefined;
	}

	private readConfig(): DockerConfigFile {
		if (this.config) {
			return this.config;
		}

		let text: string;
		try {
			text = fs.readFileSync(this.configFile, 'utf8');
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT' || code === 'ENOTDIR') {
				return (this.config = {});
			}

			throw new DockerConfigUnusable(`cannot read the docker config ${this.configFile} (${code ?? 'unknown error'}): fix its permissions or set DOCKER_CONFIG`);
		}

		let parsed: unknown;
		try {
			parsed = text.trim() === '' ? {} : JSON.parse(text);
		} catch {
			// The parser's message may quote the file, and the file holds secrets: say only where.
			throw new DockerConfigUnusable(`the docker config ${this.configFile} is not valid JSON: fix it, or log in again with "docker login"`);
		}

		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
			throw new DockerConfigUnusable(`the docker config ${this.configFile} is not a JSON object: fix it, or log in again with "docker login"`);
		}

		return (this.config = parsed as DockerConfigFile);
	}
}

/** An entry keyed by a registry however it was written: `host`, `https://host`, `https://host/v1/`. */
function entryFor<T>(entries: Record<string, T | undefined>, host: string): T | undefined {
	const exact = entries[host === dockerHub ? dockerHubAuthKey : host];
	if (exact !== undefined) {
		return exact;
	}

	for (const [key, value] of Object.entries(entries)) {
		if (value !== undefined && registryHostOf(key) === host) {
			return value;
		}
	}

	return undefined;
}

function fromAuthEntry(entry: NonNullable<DockerConfigFile['auths']>[string], source: string): Credentials | undefined {
	if (!entry || typeof entry !== 'object') {
		return undefined;
	}

	const credentials: Credentials = {source};
	if (typeof entry.auth === 'string' && entry.auth !== '') {
		const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		if (colon > 0) {
			// Split at the first colon only: a `_json_key` password is JSON full of colons.
			credentials.username = decoded.slice(0, colon);
			credentials.password = decoded.slice(colon + 1);
		}
	} else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
		credentials.username = entry.username;
		credentials.password = entry.password;
	}

	if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
		credentials.identityToken = entry.identitytoken;
	}

	return credentials.password !== undefined || credentials.identityToken !== undefined ? credentials : undefined;
}

interface HelperAnswer {
	ServerURL?: string;
	Username?: string;
	Secret?: string;
}

/**
 * `docker-credential-<name> get` with the server address on stdin, as the docker CLI runs it.
 * "credentials not found" is no credentials, not a failure. The helper's output is never
 * quoted, on success or on failure: a helper that fails may still print what it holds.
 */
export async function runCredentialHelper(name: string, serverAddress: string, options: CredentialOptions = {}): Promise<Credentials | undefined> {
	const helper = `docker-credential-${safeText(name)}`;
	if (!helperName.test(name)) {
		throw new CredentialHelperFailed(`the credential helper name "${safeText(name).slice(0, 64)}" in the docker config is not a program name: fix credsStore or credHelpers`, helper);
	}

	const {code, stdout, stderr, failure} = await run(helper, serverAddress, options);
	if (failure) {
		const why = failure.code === 'ENOENT' ? 'is not installed or not on PATH' : failure.code === 'ETIMEDOUT' ? `did not answer within ${(options.helperTimeoutMs ?? 15_000) / 1000} s` : `could not be run (${failure.code ?? failure.message})`;
		throw new CredentialHelperFailed(
			`the credential helper ${helper} ${why}: install it, or remove it from credsStore/credHelpers in ${path.join(dockerConfigDir(options), 'config.json')}`,
			helper,
		);
	}

	const said = `${stdout}\n${stderr}`;
	if (code !== 0) {
		if (/credentials not found/i.test(said)) {
			return undefined;
		}

		// What a failing helper says may be what it holds: never quoted, only how to see it.
		throw new CredentialHelperFailed(
			`the credential helper ${helper} failed for ${safeText(serverAddress)} (exit ${code}): run "echo ${safeText(serverAddress)} | ${helper} get" to see what it says`,
			helper,
		);
	}

	let answer: HelperAnswer;
	try {
		answer = JSON.parse(stdout) as HelperAnswer;
	} catch {
		throw new CredentialHelperFailed(`the credential helper ${helper} answered something that is not JSON for ${safeText(serverAddress)}`, helper);
	}

	if (!answer || typeof answer !== 'object' || typeof answer.Secret !== 'string' || answer.Secret === '') {
		return undefined;
	}

	if (answer.Username === '<token>') {
		return {identityToken: answer.Secret, source: helper};
	}

	return {username: typeof answer.Username === 'string' ? answer.Username : '', password: answer.Secret, source: helper};
}

interface HelperRun {
	code: number | null;
	stdout: string;
	stderr: string;
	failure?: NodeJS.ErrnoException;
}

function run(command: string, input: string, options: CredentialOptions): Promise<HelperRun> {
	return new Promise(resolve => {
		// node:child_process is loaded here, not with this module: every command loads it (source/cli/commands.ts).
		const child = (process.getBuiltinModule('node:child_process') as typeof import('node:child_process')).spawn(command, ['get'], {env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		let settled = false;
		const finish = (result: HelperRun) => {
			if (!settled) {
				settled = true;
				clearTimeout(timer);
				resolve(result);
			}
		};

		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			finish({code: null, stdout, stderr, failure: Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})});
		}, options.helperTimeoutMs ?? 15_000);
		// A helper's answer is a few hundred bytes; a runaway one must not fill memory.
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			stdout = (stdout + chunk).slice(0, 1_000_000);
		});
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(0, 100_000);
		});
		child.on('error', error => finish({code: null, stdout, stderr, failure: error}));
		child.on('close', code => finish({code, stdout, stderr}));
		// A helper that exits before reading its input must not crash us with EPIPE.
		child.stdin.on('error', () => {});
		child.stdin.end(input);
	});
}
