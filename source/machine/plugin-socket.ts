import http from 'node:http';
import path from 'node:path';
import {safeText} from '../text.js';
import type {Plugin} from '../docker/plugins.js';
import type {EngineTarget} from '../docker/target.js';

/**
 * The checks Docker's plugin docs suggest (`curl --unix-socket … Plugin.Activate`), without curl:
 * ask the plugin itself, on its socket, whether it answers and how fast. Only possible on the
 * daemon's own host, where dockerd (Linux) keeps every plugin's socket under
 * /run/docker/plugins/<id>/ whatever its exec-root.
 */

export type HealthState = 'healthy' | 'disabled' | 'unresponsive' | 'error' | 'not-local';

export interface PluginCall {
	/** `Plugin.Activate`, `VolumeDriver.Capabilities` … */
	call: string;
	ms: number;
	ok: boolean;
}

export interface PluginHealth {
	state: HealthState;
	/** What the plugin says it implements (its Plugin.Activate answer): `VolumeDriver` … */
	implements: string[];
	activateMs?: number;
	/** The slowest of the driver calls. */
	callMs?: number;
	/** Every call made, in order; none for a disabled plugin or another host's. */
	calls: PluginCall[];
	/** One line for people, safe to print. */
	detail: string;
}

export interface HealthOptions {
	/** For each call. Default 2000 ms. */
	timeoutMs?: number;
	/** Where the plugin sockets are. Default /run/docker/plugins (dockerd on Linux). */
	socketRoot?: string;
}

export const pluginSocketRoot = '/run/docker/plugins';
const accept = 'application/vnd.docker.plugins.v1.2+json';
const maxAnswer = 256 * 1024;

/** The cheapest call of each driver interface: it reads capabilities and changes nothing. */
const driverCalls: Record<string, string> = {
	volumedriver: 'VolumeDriver.Capabilities',
	networkdriver: 'NetworkDriver.GetCapabilities',
	ipamdriver: 'IpamDriver.GetCapabilities',
};

const driverOfImplements: Record<string, string> = {
	VolumeDriver: 'volumedriver',
	NetworkDriver: 'networkdriver',
	IpamDriver: 'ipamdriver',
};

/** The driver calls for a plugin's interface types (`docker.volumedriver/1.0` …); none for others. */
export function driverCallsFor(types: readonly string[]): string[] {
	const calls = types
		.map(type => /^docker\.([a-z]+)\/[\w.]+$/i.exec(type.trim())?.[1]?.toLowerCase())
		.map(kind => (kind ? driverCalls[kind] : undefined))
		.filter((call): call is string => call !== undefined);
	return [...new Set(calls)];
}

export type HealthSubject = Pick<Plugin, 'id' | 'socket' | 'types' | 'enabled'>;

/**
 * Calls `Plugin.Activate`, then the driver's capabilities call for each interface type, each
 * within the timeout. Never throws: what went wrong is the result. A disabled plugin is not
 * called; a daemon reached over tcp or ssh is another host's, whose sockets we cannot reach.
 */
export async function checkPluginHealth(
	engine: {target: EngineTarget},
	plugin: HealthSubject,
	{timeoutMs = 2000, socketRoot = pluginSocketRoot}: HealthOptions = {},
): Promise<PluginHealth> {
	if (!plugin.enabled) {
		return {state: 'disabled', implements: [], calls: [], detail: 'disabled: not called'};
	}

	const {target} = engine;
	if (target.transport.kind !== 'unix') {
		return {
			state: 'not-local',
			implements: [],
			calls: [],
			detail: `not on this host: the daemon is at ${safeText(target.address).slice(0, 200)}, and a plugin's socket can only be reached on the daemon's own host`,
		};
	}

	const socketPath = pluginSocketPath(plugin, socketRoot);
	if (!socketPath) {
		return {state: 'error', implements: [], calls: [], detail: `the plugin's id or socket name is not one dockerd would use (${safeText(plugin.socket).slice(0, 100)})`};
	}

	const calls: PluginCall[] = [];
	const activate = await callPlugin(socketPath, 'Plugin.Activate', timeoutMs);
	calls.push({call: 'Plugin.Activate', ms: activate.ms, ok: activate.kind === 'answer'});
	if (activate.kind !== 'answer' && activate.kind !== 'not-implemented') {
		return {...failure(activate, 'Plugin.Activate', socketPath, timeoutMs), implements: [], calls};
	}

	const implemented = activate.kind === 'answer' ? implementsOf(activate.body) : [];
	let driverCallList = driverCallsFor(plugin.types);
	if (driverCallList.length === 0) {
		driverCallList = driverCallsFor(implemented.map(name => `docker.${driverOfImplements[name] ?? 'unknown'}/1.0`));
	}

	for (const call of driverCallList) {
		const answer = await callPlugin(socketPath, call, timeoutMs);
		calls.push({call, ms: answer.ms, ok: answer.kind === 'answer'});
		if (answer.kind !== 'answer') {
			return {...failure(answer, call, socketPath, timeoutMs), implements: implemented, activateMs: activate.ms, callMs: slowest(calls.slice(1)), calls};
		}
	}

	const notes = activate.kind === 'not-implemented' ? '; it does not implement Plugin.Activate (404), which dockerd does not need' : '';
	return {
		state: 'healthy',
		implements: implemented,
		activateMs: activate.ms,
		...(calls.length > 1 ? {callMs: slowest(calls.slice(1))} : {}),
		calls,
		detail: `answers: ${calls.map(call => `${call.call} ${formatMs(call.ms)}`).join(', ')}${notes}`,
	};
}

/** /run/docker/plugins/<id>/<socket>, or undefined when either part would leave that folder. */
export function pluginSocketPath(plugin: Pick<Plugin, 'id' | 'socket'>, socketRoot = pluginSocketRoot): string | undefined {
	if (!/^[a-f\d]{12,128}$/i.test(plugin.id)) {
		return undefined;
	}

	const socket = plugin.socket.trim();
	if (socket === '' || path.isAbsolute(socket) || socket.split('/').some(part => part === '..' || part === '.')) {
		return undefined;
	}

	return path.join(socketRoot, plugin.id, socket);
}

type Answer =
	| {kind: 'answer'; ms: number; body: unknown}
	| {kind: 'not-implemented'; ms: number}
	| {kind: 'timeout'; ms: number}
	| {kind: 'refused'; ms: number; code: string}
	| {kind: 'failed'; ms: number; why: string};

/** One POST to the plugin's socket, with the body `{}`; a fresh connection, no agent. */
function callPlugin(socketPath: string, call: string, timeoutMs: number): Promise<Answer> {
	// process.hrtime, not perf_hooks (~1–3 ms to load): every command loads this module (source/cli/commands.ts).
	const started = process.hrtime.bigint();
	const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
	return new Promise(resolve => {
		let settled = false;
		const settle = (answer: Answer) => {
			if (!settled) {
				settled = true;
				clearTimeout(timer);
				request.destroy();
				resolve(answer);
			}
		};

		const body = '{}';
		const request = http.request(
			{
				socketPath,
				path: `/${call}`,
				method: 'POST',
				agent: false,
				headers: {Accept: accept, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)},
			},
			response => {
				const chunks: Buffer[] = [];
				let size = 0;
				response.on('data', (chunk: Buffer) => {
					size += chunk.length;
					if (size > maxAnswer) {
						settle({kind: 'failed', ms: elapsed(), why: `answered ${call} with more than ${maxAnswer / 1024} KiB`});
					} else {
						chunks.push(chunk);
					}
				});
				response.on('error', error => settle({kind: 'failed', ms: elapsed(), why: safeText(error.message)}));
				response.on('end', () => settle(readAnswer(call, response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), elapsed())));
			},
		);
		const timer = setTimeout(() => settle({kind: 'timeout', ms: elapsed()}), timeoutMs);
		request.on('error', (error: NodeJS.ErrnoException) => {
			const code = error.code ?? '';
			settle(code === 'ECONNREFUSED' ? {kind: 'refused', ms: elapsed(), code} : {kind: 'failed', ms: elapsed(), why: socketProblem(code, socketPath) ?? safeText(error.message)});
		});
		request.end(body);
	});
}

/** A plugin says what failed in `Err`, with status 200 or 500. */
function readAnswer(call: string, status: number, text: string, ms: number): Answer {
	let body: unknown;
	try {
		body = text.trim() === '' ? {} : JSON.parse(text);
	} catch {
		body = undefined;
	}

	const err = body && typeof body === 'object' && 'Err' in body ? safeText((body as {Err: unknown}).Err).slice(0, 200) : '';
	if (status === 404 && call === 'Plugin.Activate') {
		return {kind: 'not-implemented', ms};
	}

	if (status < 200 || status > 299) {
		return {kind: 'failed', ms, why: `answered ${call} with HTTP ${status}${err ? `: ${err}` : ''}`};
	}

	if (body === undefined) {
		return {kind: 'failed', ms, why: `answered ${call} with something that is not JSON`};
	}

	if (err) {
		return {kind: 'failed', ms, why: `answered ${call} with an error: ${err}`};
	}

	return {kind: 'answer', ms, body};
}

function socketProblem(code: string, socketPath: string): string | undefined {
	switch (code) {
		case 'ENOENT': {
			return `no socket at ${safeText(socketPath)}: the plugin's process is gone, or this is not the daemon's host`;
		}

		case 'EACCES':
		case 'EPERM': {
			return `permission denied on ${safeText(socketPath)}: run as root to check plugins`;
		}

		default: {
			return undefined;
		}
	}
}

function failure(answer: Exclude<Answer, {kind: 'answer'}>, call: string, socketPath: string, timeoutMs: number): Pick<PluginHealth, 'state' | 'detail'> {
	switch (answer.kind) {
		case 'timeout': {
			return {state: 'unresponsive', detail: `did not answer ${call} within ${formatMs(timeoutMs)}`};
		}

		case 'refused': {
			return {state: 'unresponsive', detail: `nothing listens on ${safeText(socketPath)} (connection refused)`};
		}

		case 'failed': {
			return {state: 'error', detail: answer.why.slice(0, 300)};
		}

		case 'not-implemented': {
			return {state: 'error', detail: `does not implement ${call} (HTTP 404)`};
		}
	}
}

function implementsOf(body: unknown): string[] {
	const list = body && typeof body === 'object' ? (body as {Implements?: unknown}).Implements : undefined;
	return Array.isArray(list) ? list.slice(0, 16).map(item => safeText(item).slice(0, 100)).filter(Boolean) : [];
}

function slowest(calls: PluginCall[]): number | undefined {
	return calls.length === 0 ? undefined : Math.max(...calls.map(call => call.ms));
}

function formatMs(ms: number): string {
	return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
