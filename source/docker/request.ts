import {safeText} from '../text.js';

/** Credentials for a registry, as the Engine API takes them in X-Registry-Auth. Never printed. */
export interface RegistryAuth {
	username?: string;
	password?: string;
	serveraddress?: string;
	identitytoken?: string;
	registrytoken?: string;
}

/**
 * A plugin, image or volume name as one path parameter; the daemon decodes it. dockerode puts
 * names into paths as they are, so they are handed to it encoded.
 */
export function encodeName(name: string): string {
	return encodeURIComponent(name);
}

/**
 * The daemon's own words from a failed request, as docker-modem reports it: `{"message": …}` in
 * `json` when the answer was read whole (the bytes, when it was not JSON); for stream requests
 * folded into its message behind `(HTTP code N) reason - `.
 */
export function daemonWords(error: unknown): string {
	const cause = error as {json?: unknown; message?: unknown; statusCode?: number};
	let words: unknown;
	if (cause.json && typeof cause.json === 'object' && !Buffer.isBuffer(cause.json) && 'message' in cause.json) {
		words = (cause.json as {message: unknown}).message;
	} else if (Buffer.isBuffer(cause.json) && cause.json.length > 0) {
		words = cause.json.toString('utf8');
	} else if (typeof cause.message === 'string') {
		words = cause.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
	}

	const text = safeText(words ?? '').trim();
	return (text || `HTTP ${cause.statusCode ?? 'error'}`).slice(0, 300);
}
