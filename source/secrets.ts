/**
 * Every secret kasm-tui holds (registry passwords, identity and bearer tokens, `_json_key`
 * contents) is registered here the moment it is read, and every line that leaves the process
 * as an error or a debug log line goes through redact(): whatever a registry or the daemon
 * echoes back, the secret itself never reaches an operator's screen or a file.
 */
const secrets = new Set<string>();
/** The values as registered (not their encodings): what a decoded base64 run is searched for. */
const values = new Set<string>();
/** Long or varied secrets, longest first: masked wherever they appear, even run into other text. */
let anywhere: string[] = [];
/** Short plain ones (a password `kasm`): masked only where they stand alone, never inside `kasmweb/…`. */
let standingAlone: RegExp | undefined;
let valueStandingAlone: RegExp | undefined;

const minimumLength = 4;

export function registerSecret(value: string | undefined, username?: string): void {
	if (typeof value !== 'string' || value.length < minimumLength) {
		return;
	}

	const before = secrets.size;
	values.add(value);
	addForms(value, username);
	if (secrets.size !== before) {
		const all = [...secrets].sort((a, b) => b.length - a.length);
		anywhere = all.filter(secret => isDistinctive(secret));
		standingAlone = aloneMatcher(all.filter(secret => !isDistinctive(secret)));
		valueStandingAlone = aloneMatcher([...values].filter(secret => !isDistinctive(secret)));
	}
}

/**
 * Whether a secret is unlike any run of ordinary text, so it is masked even inside a longer word:
 * 12 characters or more, or 8 or more of at least three kinds (lower, upper, digit, other).
 */
function isDistinctive(secret: string): boolean {
	const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^a-zA-Z\d]/].filter(kind => kind.test(secret)).length;
	return secret.length >= 12 || (secret.length >= 8 && kinds >= 3);
}

/**
 * The secrets where nothing that continues a word, a path or a name touches them: a letter,
 * digit, `_`, `-`, `/`, or a `.` inside a name (a sentence's last `.` does not count).
 */
function aloneMatcher(secretsLongestFirst: string[]): RegExp | undefined {
	if (secretsLongestFirst.length === 0) {
		return undefined;
	}

	const alternatives = secretsLongestFirst.map(secret => secret.replaceAll(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|');
	return new RegExp(`(?<![\\w/.-])(?:${alternatives})(?![\\w/-]|\\.\\w)`, 'g');
}

function addForms(value: string, username?: string): void {
	secrets.add(value);
	// The forms it travels in: Basic auth and docker's `auth` field, and a URL's user:password@.
	secrets.add(Buffer.from(value).toString('base64'));
	secrets.add(encodeURIComponent(value));
	if (username !== undefined) {
		secrets.add(Buffer.from(`${username}:${value}`).toString('base64'));
	}

	// A Google `_json_key` is a JSON document: its private key on its own is a secret too.
	if (value.trimStart().startsWith('{')) {
		try {
			const key = (JSON.parse(value) as {private_key?: unknown}).private_key;
			if (typeof key === 'string' && key.length >= minimumLength) {
				secrets.add(key);
				values.add(key);
				for (const line of key.split('\n')) {
					if (line.length >= 16 && !line.startsWith('-----')) {
						secrets.add(line);
						values.add(line);
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
	for (const secret of anywhere) {
		if (clean.includes(secret)) {
			clean = clean.split(secret).join('***');
		}
	}

	if (standingAlone) {
		clean = clean.replaceAll(standingAlone, '***');
	}

	if (values.size > 0) {
		clean = clean.replaceAll(base64Run, run => (holdsSecret(run) ? '***' : run));
	}

	// The shapes below need one of these words: most text (a fleet's image rows) has none, and one test costs less than two replaces.
	if (!credentialWords.test(clean)) {
		return clean;
	}

	return clean
		.replaceAll(/\b(Basic|Bearer)(\s+)([\w+/=.-]{8,})/gi, (whole, scheme: string, space: string, token: string) => (looksLikeCredential(token) ? `${scheme}${space}***` : whole))
		.replaceAll(/("(?:password|secret|auth|identitytoken|registrytoken|token|access_token|refresh_token)"\s*:\s*)"[^"]*"/gi, '$1"***"');
}

/** Every credential shape redact looks for holds one of these (the field names all hold password, secret, auth or token). */
const credentialWords = /basic|bearer|password|secret|auth|token/i;

/** Base64 long enough to carry a credential (X-Registry-Auth's JSON, an `auth` field), either alphabet. */
const base64Run = /[\w+/-]{16,}={0,2}/g;

/** Whether base64 decodes to text holding a secret: its own encoding lines up with the secret only one time in three. */
function holdsSecret(run: string): boolean {
	const decoded = Buffer.from(run, 'base64').toString('latin1');
	for (const value of values) {
		if (isDistinctive(value) && decoded.includes(value)) {
			return true;
		}
	}

	if (valueStandingAlone) {
		valueStandingAlone.lastIndex = 0;
		return valueStandingAlone.test(decoded);
	}

	return false;
}

const secretField = /^(?:password|secret|auth|identitytoken|registrytoken|token|access_token|refresh_token)$/i;

/**
 * A value as JSON text with every string in it redacted and every secret-named field blanked.
 * Redacted as it is written, not as text after: JSON escapes a secret holding `"` or `\`, which
 * redacting the text would then miss; and no copy of the value is made (a fleet's images are tens
 * of thousands of strings).
 */
export function redactedJson(value: unknown, indent?: number): string {
	return JSON.stringify(value, (key, field: unknown) => (typeof field === 'string' ? (secretField.test(key) ? '***' : redact(field)) : field), indent);
}

/** Whether redact could change anything of `text`: false when no secret is known and nothing in it is shaped like a credential. */
export function mayHoldSecret(text: string): boolean {
	return anywhere.length > 0 || standingAlone !== undefined || values.size > 0 || credentialWords.test(text);
}

