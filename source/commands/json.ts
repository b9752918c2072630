import {redactedJson} from '../secrets.js';

/** A --json document: redacted before it is JSON, since JSON escapes what redacting its text would look for. */
export function jsonText(value: unknown): string {
	return redactedJson(value, 2);
}
