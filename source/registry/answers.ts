import {safeText} from '../text.js';
import {RegistryBadAnswer, RegistryError, RegistryRateLimited} from './errors.js';

/**
 * Reading what a registry answered: its JSON, its error list, an HTML page where the API should
 * be, and the rate-limit headers of a 429. Every string it sent is sanitised before use.
 */

export function looksLikeHtml(contentType: string | null, body: Buffer): boolean {
	if (contentType && /\btext\/html\b/i.test(contentType)) {
		return true;
	}

	return /^\s*</.test(body.subarray(0, 64).toString('utf8'));
}

export function htmlAnswer(registry: string, status: number, where: string): RegistryBadAnswer {
	return new RegistryBadAnswer(
		`registry ${safeText(registry)} answered an HTML page instead of the registry API (HTTP ${status} for ${safeText(where)}): check the registry address`,
		registry,
		status,
	);
}

/** A JSON answer, or one clear line saying it is not one. */
export function parseJson(registry: string, status: number, where: string, contentType: string | null, body: Buffer): unknown {
	if (looksLikeHtml(contentType, body)) {
		throw htmlAnswer(registry, status, where);
	}

	try {
		return JSON.parse(body.toString('utf8'));
	} catch {
		throw new RegistryBadAnswer(
			`registry ${safeText(registry)} answered something that is not JSON (HTTP ${status} for ${safeText(where)}): is it a registry?`,
			registry,
			status,
		);
	}
}

/** The registry's own words from `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}`, sanitised and short. */
export function registryErrorText(body: Buffer): {code?: string; text: string} {
	try {
		const parsed = JSON.parse(body.toString('utf8')) as {errors?: Array<{code?: unknown; message?: unknown}>};
		const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
		if (first) {
			const code = typeof first.code === 'string' ? safeText(first.code).slice(0, 40) : undefined;
			const message = typeof first.message === 'string' ? safeText(first.message).slice(0, 160) : '';
			return {code, text: [code, message].filter(Boolean).join(' ')};
		}
	} catch {}

	return {text: ''};
}

/** `90` → `2 min`; `21600` → `6 h`. */
export function formatWait(seconds: number): string {
	if (seconds < 90) {
		return `${Math.max(1, Math.ceil(seconds))} s`;
	}

	if (seconds < 90 * 60) {
		return `${Math.ceil(seconds / 60)} min`;
	}

	const hours = Math.floor(seconds / 3600);
	const minutes = Math.ceil((seconds - hours * 3600) / 60);
	return minutes > 0 && minutes < 60 ? `${hours} h ${minutes} min` : `${Math.ceil(seconds / 3600)} h`;
}

/**
 * Seconds until a rate limit lifts, from `Retry-After` (seconds or a date), `RateLimit-Reset`
 * (seconds, or an epoch time when it is that large), or Docker Hub's `ratelimit-remaining: 0;w=21600`
 * (at worst the whole window).
 */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
	const retryAfter = headers.get('retry-after')?.trim();
	if (retryAfter) {
		if (/^\d+$/.test(retryAfter)) {
			return Number(retryAfter);
		}

		const at = Date.parse(retryAfter);
		if (Number.isFinite(at)) {
			return Math.max(0, (at - now) / 1000);
		}
	}

	for (const name of ['ratelimit-reset', 'x-ratelimit-reset']) {
		const reset = /^\s*(\d+)/.exec(headers.get(name) ?? '')?.[1];
		if (reset) {
			const value = Number(reset);
			// Past a billion it is a moment (epoch seconds), not a duration.
			return value > 1_000_000_000 ? Math.max(0, value - now / 1000) : value;
		}
	}

	const remaining = /^\s*(\d+)\s*(?:;\s*w=(\d+))?/.exec(headers.get('ratelimit-remaining') ?? '');
	if (remaining && Number(remaining[1]) === 0 && remaining[2]) {
		return Number(remaining[2]);
	}

	return undefined;
}

export function rateLimited(registry: string, headers: Headers, loggedIn: boolean, now = Date.now()): RegistryRateLimited {
	const wait = retryAfterSeconds(headers, now);
	const limit = /^\s*(\d+)\s*(?:;\s*w=(\d+))?/.exec(headers.get('ratelimit-limit') ?? '');
	const quota = limit ? ` (${limit[1]} requests per ${limit[2] ? formatWait(Number(limit[2])) : 'window'})` : '';
	const when = wait === undefined ? 'try again later' : `try again in ${formatWait(wait)}`;
	const login = loggedIn ? '' : `, or log in with "docker login${registry === 'docker.io' ? '' : ` ${registry}`}" for a higher limit`;
	return new RegistryRateLimited(`registry ${safeText(registry)} is rate-limiting us${quota}: ${when}${login}`, registry, wait);
}

/** Any other failure status, with the registry's own words when it gave some. */
export function unexpectedStatus(registry: string, status: number, what: string, body: Buffer): RegistryError {
	const {text} = registryErrorText(body);
	return new RegistryError(`registry ${safeText(registry)} answered HTTP ${status} when asked to ${what}${text ? `: ${text}` : ''}`, registry, status);
}
