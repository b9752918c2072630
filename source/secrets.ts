/**
 * Every secret kasm-tui holds (registry passwords, identity and bearer tokens, `_json_key`
 * contents) is registered here the moment it is read, and every line that leaves the process
 * as an error or a debug log line goes through redact(): whatever a registry or the daemon
 * echoes back, the secret itself never reaches an operator's screen or a file.
 */
const secrets = new Set<string>();
/** Longest first, so a secret inside another's encoding is not half-replaced; kept sorted as secrets come. */
let longestFirst: string[] = [];

const minimumLength = 4;

export function registerSecret(value: string | undefined, username?: string): void {
	if (typeof value !== 'string' || value.length < minimumLength) {
		return;
	}

	const before = secrets.size;
	addForms(value, username);
	if (secrets.size !== before) {
		longestFirst = [...secrets].sort((a, b) => b.length - a.length);
	}
}

function addForms(value: string, username?: string): void {

	secrets.add(value);
	// The forms it travels in: Basic auth and docker's `auth` field.
	secrets.add(Buffer.from(value).toString('base64'));
	if (username !== undefined) {
		secrets.add(Buffer.from(`${username}:${value}`).toString('base64'));
	}

	// A Google `_json_key` is a JSON document: its private key on its own is a secret too.
	if (value.trimStart().startsWith('{')) {
		try {
			const key = (JSON.parse(value) as {private_key?: unknown}).private_key;
			if (typeof key === 'string' && key.length >= minimumLength) {
				secrets.add(key);
				for (const line of key.split('\n')) {
					if (line.length >= 16 && !line.startsWith('-----')) {
						secrets.add(line);
					}
				}
			}
		} catch {}
	}
}

/**
 * Whether what follows "Basic" or "Bearer" is a credential (base64, a JWT) rather than a word of
 * text that is drawn ("Basic authentication", a plugin's description): a digit, `+ / =`, a dot
 * inside it, or a capital letter after its first.
 */
function looksLikeCredential(token: string): boolean {
	return /[\d+/=]|\.\w|.[A-Z]/.test(token);
}

/** The text with every registered secret, and anything shaped like credentials, replaced by `***`. */
export function redact(text: string): string {
	let clean = text;
	for (const secret of longestFirst) {
		if (clean.includes(secret)) {
			clean = clean.split(secret).join('***');
		}
	}

	return clean
		.replaceAll(/\b(Basic|Bearer)(\s+)([\w+/=.-]{8,})/gi, (whole, scheme: string, space: string, token: string) => (looksLikeCredential(token) ? `${scheme}${space}***` : whole))
		.replaceAll(/("(?:password|secret|auth|identitytoken|registrytoken|token|access_token|refresh_token)"\s*:\s*)"[^"]*"/gi, '$1"***"');
}

const secretField = /^(?:password|secret|auth|identitytoken|registrytoken|token|access_token|refresh_token)$/i;

/**
 * A value with every string in it redacted and every secret-named field blanked, for writing as
 * JSON: redacting the JSON text instead would miss a secret holding `"` or `\`, which JSON escapes.
 */
export function redactDeep(value: unknown): unknown {
	if (typeof value === 'string') {
		return redact(value);
	}

	if (Array.isArray(value)) {
		return value.map(item => redactDeep(item));
	}

	if (value && typeof value === 'object' && !(value instanceof Date)) {
		return Object.fromEntries(
			Object.entries(value).map(([key, field]) => [key, secretField.test(key) && typeof field === 'string' ? '***' : redactDeep(field)]),
		);
	}

	return value;
}
