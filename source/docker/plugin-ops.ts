import type {IncomingMessage} from 'node:http';
import type {EngineApi} from './api.js';
import {DaemonError, KasmTuiError, PluginNotFound} from '../errors.js';
import {safeText} from '../text.js';
import {daemonSupportsDigestReferences, isDigestReference} from './digest-support.js';
import type {Engine} from './engine.js';
import {
	DaemonRejectedInput,
	DigestReferenceUnsupported,
	PluginAlreadyDisabled,
	PluginAlreadyEnabled,
	PluginEnabled,
	PluginExists,
	PluginInUse,
	PluginPullFailed,
} from './errors.js';
import {toPlugin, type Plugin, type Privilege, type RawPlugin} from './plugins.js';
import {daemonWords, encodeName, type RegistryAuth} from './request.js';
import {isInUse, usageIndex} from './usage.js';

/**
 * Every change to a plugin goes through here, through dockerode: its Plugin methods where they
 * send what the daemon needs (inspect, enable, configure, remove), modem.dial with the request
 * spelled out where they do not (pull and upgrade need the privileges as the body, `remote` in the
 * query, X-Registry-Auth and their progress read to the end; upgrade() sends no body, "failed to
 * parse privileges: EOF"; disable() drops `force`; privileges() sends no credentials). Errors come
 * back typed, with the daemon's words where we have no better ones.
 */

/** One line of a pull or upgrade's progress, safe to print. */
export interface PluginProgress {
	/** `Pulling from …`, `Digest: sha256:…`, `Downloading`, `Extracting`, `Complete`… */
	status: string;
	/** The layer (short id) or tag the line is about. */
	id?: string;
	current?: number;
	total?: number;
	/** The daemon's progress bar text. */
	progress?: string;
}

export interface PullResult {
	/** The manifest digest of what was pulled (`Digest: sha256:…` in the progress), when the daemon said. */
	digest?: string;
}

export interface PullOptions {
	/** Where to pull from: `registry/repo:tag`. */
	remote: string;
	/** The local name (alias); the daemon uses the remote when none is given. */
	name?: string;
	/** What the operator granted: exactly what pluginPrivileges returned, or the daemon refuses. */
	privileges: Privilege[];
	onProgress?: (progress: PluginProgress) => void;
	auth?: RegistryAuth;
	signal?: AbortSignal;
}

export type UpgradeOptions = Omit<PullOptions, 'name'>;

/** What installing `remote` would ask the operator to grant (`docker plugin install` shows the same). */
export async function pluginPrivileges(engine: Engine, remote: string, options: {auth?: RegistryAuth} = {}): Promise<Privilege[]> {
	await refuseDigestOnBuggyDaemon(engine, remote);
	const raw = await pluginRead(engine, `read the privileges of ${remote}`, {}, async api =>
		api.dial<unknown>({method: 'GET', path: '/plugins/privileges', query: {remote}, auth: options.auth, signal: api.signal}),
	);
	// Go sends no privileges as null (docker-modem hands back its bytes); anything but a list of objects is not the Engine API's answer.
	const list = raw === undefined || (Buffer.isBuffer(raw) && raw.toString('utf8').trim() === 'null') ? [] : raw;
	if (!Array.isArray(list) || !list.every(item => item !== null && typeof item === 'object')) {
		throw new DaemonError(`the daemon answered "read the privileges of ${safeText(remote).slice(0, 200)}" with something that is not a list of privileges: is it a Docker daemon, or is something in between?`);
	}

	return (list as Array<{Name?: unknown; Description?: unknown; Value?: unknown}>).map(privilege => ({
		name: safeText(privilege.Name),
		description: safeText(privilege.Description),
		value: Array.isArray(privilege.Value) ? privilege.Value.map(value => safeText(value)) : [],
	}));
}

/** Installs a plugin, disabled (`docker plugin install --disable`); enable it with enablePlugin. */
export async function pullPlugin(engine: Engine, options: PullOptions): Promise<PullResult> {
	await refuseDigestOnBuggyDaemon(engine, options.remote);
	const subject = options.name ?? options.remote;
	return pluginCall(engine, `install the plugin ${subject}`, {plugin: subject, action: 'install'}, async (api, alive) => {
		const stream = await api.dialStream({
			method: 'POST',
			path: '/plugins/pull',
			query: {remote: options.remote, name: options.name},
			body: grantBody(options.privileges),
			auth: options.auth,
			signal: eitherSignal(options.signal, api.signal),
		});
		return followProgress(stream, options.remote, options.onProgress, alive);
	});
}

/** Replaces a disabled plugin's rootfs with `remote`'s, keeping its name and settings. */
export async function upgradePlugin(engine: Engine, name: string, options: UpgradeOptions): Promise<PullResult> {
	await refuseDigestOnBuggyDaemon(engine, options.remote);
	return pluginCall(engine, `upgrade the plugin ${name}`, {plugin: name, installed: true, action: 'upgrade'}, async (api, alive) => {
		const stream = await api.dialStream({
			method: 'POST',
			path: `/plugins/${encodeName(name)}/upgrade`,
			query: {remote: options.remote},
			body: grantBody(options.privileges),
			auth: options.auth,
			signal: eitherSignal(options.signal, api.signal),
		});
		return followProgress(stream, options.remote, options.onProgress, alive);
	});
}

/**
 * `timeout` is how long (seconds) the daemon waits for the plugin to answer; 0 is its default. In
 * the query only, as `docker plugin enable` sends it: dockerode's enable sends it as a JSON body
 * too, which the API does not define (and a proxy that passes on headers but not bodies hangs).
 */
export async function enablePlugin(engine: Engine, name: string, {timeout = 0}: {timeout?: number} = {}): Promise<void> {
	await pluginCall(engine, `enable the plugin ${name}`, {plugin: name, installed: true, action: 'enable'}, async api =>
		api.dial({method: 'POST', path: `/plugins/${encodeName(name)}/enable`, query: {timeout}, signal: api.signal}),
	);
}

/**
 * Changes a disabled plugin's settings (`docker plugin set`): `KEY=VALUE` for an env variable,
 * `NAME.source=…` / `NAME.path=…` for a mount or device, `NAME=…` for its args. The daemon
 * refuses an enabled plugin (PluginEnabled) and a setting that is unknown or not settable.
 */
export async function setPluginSettings(engine: Engine, name: string, settings: string[]): Promise<void> {
	await pluginCall(engine, `change the settings of the plugin ${name}`, {plugin: name, installed: true, action: 'change the settings of'}, async ({docker, signal}) =>
		docker.getPlugin(encodeName(name)).configure({_body: settings, ...(signal ? {abortSignal: signal} : {})}),
	);
}

/** Refused with PluginInUse, naming what uses it, while a network, volume or container does; unless forced. */
export async function disablePlugin(engine: Engine, name: string, {force = false}: {force?: boolean} = {}): Promise<void> {
	await explainInUse(
		engine,
		pluginCall(engine, `disable the plugin ${name}`, {plugin: name, installed: true, action: 'disable'}, async api =>
			api.dial({method: 'POST', path: `/plugins/${encodeName(name)}/disable`, query: force ? {force: true} : {}, signal: api.signal}),
		),
	);
}

export async function removePlugin(engine: Engine, name: string, {force = false}: {force?: boolean} = {}): Promise<void> {
	await explainInUse(
		engine,
		pluginCall(engine, `remove the plugin ${name}`, {plugin: name, installed: true, action: 'remove'}, async ({docker, signal}) =>
			docker.getPlugin(encodeName(name)).remove({...(force ? {force: true} : {}), ...(signal ? {abortSignal: signal} : {})}),
		),
	);
}

/** The daemon says only "in use"; one usage index (three listings, on refusal only) says by what. */
async function explainInUse<T>(engine: Engine, request: Promise<T>): Promise<T> {
	try {
		return await request;
	} catch (error) {
		if (!(error instanceof PluginInUse) || error.usedBy) {
			throw error;
		}

		const usage = await usageIndex(engine, [{name: error.plugin}]).then(
			index => index.get(error.plugin),
			() => undefined,
		);
		throw usage && isInUse(usage) ? new PluginInUse(error.plugin, usage) : error;
	}
}

export async function inspectPlugin(engine: Engine, name: string): Promise<Plugin> {
	const raw = await pluginRead(engine, `inspect the plugin ${name}`, {plugin: name, installed: true, action: 'inspect'}, async ({docker, signal}) =>
		docker.getPlugin(encodeName(name)).inspect({abortSignal: signal}),
	);
	return toPlugin(raw && typeof raw === 'object' && !Buffer.isBuffer(raw) ? (raw as RawPlugin) : {});
}

/** Never hand a digest reference to a daemon that dies of it (moby/moby#47299). */
async function refuseDigestOnBuggyDaemon(engine: Engine, remote: string): Promise<void> {
	if (!isDigestReference(remote)) {
		return;
	}

	const {version} = await engine.version();
	if (!daemonSupportsDigestReferences(version)) {
		throw new DigestReferenceUnsupported(remote, version);
	}
}

/**
 * The daemon compares the grant with its own list field by field, so send its shape back. Values were
 * made safe for display; one that needed cleaning then fails the grant, the safe way round.
 */
function grantBody(privileges: Privilege[]) {
	return privileges.map(privilege => ({Name: privilege.name, Description: privilege.description, Value: privilege.value}));
}

interface Subject {
	/** The plugin the request is about, named in errors. */
	plugin?: string;
	/** It must already be installed, so a 404 means it is not. */
	installed?: boolean;
	/** What we were doing to it, for "cannot X while it is enabled". */
	action?: string;
}

/** A change, under the host's step deadline when it has one (a fleet's): `alive` is each sign of progress. */
async function pluginCall<T>(engine: Engine, what: string, subject: Subject, request: (api: EngineApi, alive: (progressed: boolean) => void) => Promise<T>): Promise<T> {
	return engine.change(safeText(what), async (api, alive) => typedPluginErrors(request(api, alive), what, subject));
}

function eitherSignal(first: AbortSignal | undefined, second: AbortSignal | undefined): AbortSignal | undefined {
	return first && second ? AbortSignal.any([first, second]) : (first ?? second);
}

/** The same for a read, which has the read deadline. */
async function pluginRead<T>(engine: Engine, what: string, subject: Subject, request: (api: EngineApi) => Promise<T>): Promise<T> {
	return engine.read(safeText(what), async api => typedPluginErrors(request(api), what, subject));
}

async function typedPluginErrors<T>(request: Promise<T>, what: string, subject: Subject): Promise<T> {
	try {
		return await request;
	} catch (error) {
		throw pluginError(error, safeText(what), subject) ?? error;
	}
}

/** Maps the daemon's plugin answers to typed errors; anything else is left to engineError. */
export function pluginError(error: unknown, what: string, {plugin, installed = false, action = 'change'}: Subject): KasmTuiError | undefined {
	if (error instanceof KasmTuiError) {
		return error;
	}

	const status = (error as {statusCode?: unknown}).statusCode;
	if (typeof status !== 'number') {
		return undefined;
	}

	const words = daemonWords(error);
	const name = safeText(plugin ?? '');
	if (status === 404 && installed) {
		return new PluginNotFound(name);
	}

	if (/\bis in use\b/i.test(words)) {
		return new PluginInUse(name);
	}

	if (/already enabled/i.test(words)) {
		return new PluginAlreadyEnabled(name);
	}

	if (/already disabled/i.test(words)) {
		return new PluginAlreadyDisabled(name);
	}

	if (/\bis enabled\b/i.test(words)) {
		return new PluginEnabled(name, action);
	}

	if (/already exists/i.test(words)) {
		return new PluginExists(name);
	}

	if (status === 400 || /invalid reference format/i.test(words)) {
		return new DaemonRejectedInput(`the daemon refused to ${what}: ${words}`);
	}

	return new DaemonError(`the daemon refused to ${what}: ${words}`, status);
}

/**
 * Reads a pull or upgrade's JSON-lines progress to the end. The daemon reports a failure after the
 * first line as an `error` line in a 200 answer, so that line, not the status, decides the outcome.
 */
export async function followProgress(
	stream: IncomingMessage | AsyncIterable<string | Buffer>,
	remote: string,
	onProgress: (progress: PluginProgress) => void = () => {},
	/** Each line the daemon sends: whether it says something new (a repeated line is a stalled download, not progress). */
	alive: (progressed: boolean) => void = () => {},
): Promise<PullResult> {
	let digest: string | undefined;
	let failure: string | undefined;
	let pending = '';
	// The last line said about each layer: dockerd repeats it every 100 ms while a download stalls.
	const lastSaid = new Map<string, string>();
	const handle = (line: string) => {
		if (line.trim() === '') {
			return;
		}

		const about = /"id":"([^"]*)"/.exec(line)?.[1] ?? '';
		alive(lastSaid.get(about) !== line);
		lastSaid.set(about, line);

		let message: Record<string, unknown>;
		try {
			message = JSON.parse(line) as Record<string, unknown>;
		} catch {
			// The daemon writes only JSON here: anything else is not its answer, and not a success.
			failure ??= `its answer was not understood: ${safeText(line).slice(0, 200)}`;
			return;
		}

		const detail = message.errorDetail as {message?: unknown} | undefined;
		if (message.error !== undefined || detail !== undefined) {
			failure ??= safeText(detail?.message ?? message.error ?? 'unknown error');
			return;
		}

		const status = safeText(message.status);
		const found = /^Digest: (sha256:[a-f\d]{64})$/.exec(status);
		if (found) {
			digest = found[1];
		}

		const detailNumbers = (message.progressDetail ?? {}) as {current?: unknown; total?: unknown};
		onProgress({
			status,
			...(message.id === undefined ? {} : {id: safeText(message.id)}),
			...(typeof detailNumbers.current === 'number' ? {current: detailNumbers.current} : {}),
			...(typeof detailNumbers.total === 'number' ? {total: detailNumbers.total} : {}),
			...(message.progress === undefined ? {} : {progress: safeText(message.progress)}),
		});
	};

	if ('setEncoding' in stream) {
		stream.setEncoding('utf8');
	}

	for await (const chunk of stream) {
		pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
		const lines = pending.split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) {
			handle(line);
		}
	}

	handle(pending);
	if (failure !== undefined) {
		const hint = /incorrect privileges/i.test(failure) ? ' (the remote asks for other privileges than those granted: read them again)' : '';
		throw new PluginPullFailed(remote, failure + hint);
	}

	return digest ? {digest} : {};
}
