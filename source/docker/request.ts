import type {IncomingMessage} from 'node:http';
import type {EngineApi} from './transport.js';
import {safeText} from '../text.js';

/** Credentials for a registry, as the Engine API takes them in X-Registry-Auth. Never printed. */
export interface RegistryAuth {
	username?: string;
	password?: string;
	serveraddress?: string;
	identitytoken?: string;
	registrytoken?: string;
}

/** One Engine API request, spelled out, because dockerode's plugin methods get several wrong. */
export interface ApiRequest {
	method: 'GET' | 'POST' | 'DELETE';
	/** Path with its parameters already encoded, e.g. `/plugins/${encodeName(name)}/enable`. */
	path: string;
	query?: Record<string, string | number | boolean | undefined>;
	/** Sent as JSON; an empty array is sent too (the pull endpoints need `[]`). */
	body?: unknown;
	auth?: RegistryAuth;
	signal?: AbortSignal;
	/** On a connection of its own, not a kept-alive one: a daemon shutting down still answers on those. */
	fresh?: boolean;
}

/** A plugin name or reference as one path parameter; the daemon decodes it. */
export function encodeName(name: string): string {
	return encodeURIComponent(name);
}

/** Sends a request (unix, tcp, TLS or ssh alike) and resolves with the parsed answer. */
export async function dial<T>(api: EngineApi, request: ApiRequest): Promise<T> {
	return api.request<T>(request);
}

/** The same, resolving with the response stream as soon as the status says success. */
export async function dialStream(api: EngineApi, request: ApiRequest): Promise<IncomingMessage> {
	return api.stream(request);
}

/**
 * The daemon's own words from a failed request: `{"message": …}` when the answer was read whole;
 * for stream requests docker-modem folds them into its message behind `(HTTP code N) reason - `.
 */
export function daemonWords(error: unknown): string {
	const cause = error as {json?: unknown; message?: unknown; statusCode?: number};
	let words: unknown;
	if (cause.json && typeof cause.json === 'object' && 'message' in cause.json) {
		words = (cause.json as {message: unknown}).message;
	} else if (typeof cause.message === 'string') {
		words = cause.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
	}

	const text = safeText(words ?? '').trim();
	return (text || `HTTP ${cause.statusCode ?? 'error'}`).slice(0, 300);
}
