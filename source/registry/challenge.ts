/**
 * `WWW-Authenticate` challenges (RFC 7235), as registries send them:
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`
 * or `Basic realm="Registry Realm"`. One header may hold several challenges, comma-separated.
 */
export interface Challenge {
	/** Lowercase: `bearer`, `basic`. */
	scheme: string;
	/** Parameter names lowercase, values unquoted. */
	params: Record<string, string>;
}

const token = /^[!#$%&'*+.^_`|~\w-]+/;

export function parseChallenges(header: string | null | undefined): Challenge[] {
	const challenges: Challenge[] = [];
	let rest = (header ?? '').trim();
	let current: Challenge | undefined;
	while (rest !== '') {
		rest = rest.replace(/^[\s,]+/, '');
		const name = token.exec(rest)?.[0];
		if (!name) {
			break;
		}

		rest = rest.slice(name.length).replace(/^\s+/, '');
		if (rest.startsWith('=') && current) {
			const {value, remainder} = readValue(rest.slice(1).replace(/^\s+/, ''));
			current.params[name.toLowerCase()] = value;
			rest = remainder;
			continue;
		}

		// A name not followed by `=` starts the next challenge; `token68` forms carry no params we use.
		current = {scheme: name.toLowerCase(), params: {}};
		challenges.push(current);
	}

	return challenges;
}

function readValue(text: string): {value: string; remainder: string} {
	if (!text.startsWith('"')) {
		const value = /^[^,\s]*/.exec(text)?.[0] ?? '';
		return {value, remainder: text.slice(value.length)};
	}

	let value = '';
	for (let index = 1; index < text.length; index++) {
		const char = text[index]!;
		if (char === '\\' && index + 1 < text.length) {
			value += text[++index];
		} else if (char === '"') {
			return {value, remainder: text.slice(index + 1)};
		} else {
			value += char;
		}
	}

	return {value, remainder: ''};
}
