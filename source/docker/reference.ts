import {BadInput} from '../errors.js';
import {safeText} from '../text.js';

/**
 * An image or plugin reference, `[registry/]repository[:tag][@digest]`, read the way the docker
 * CLI reads it (distribution/reference): the first path component is a registry only when it
 * has a dot or a port or is `localhost`; Docker Hub's official images live under `library/`.
 */
export interface Reference {
	/** Host and optional port, e.g. `docker.io`, `127.0.0.1:5000`. */
	registry: string;
	/** Path inside the registry, e.g. `kasmweb/sidecar`, `library/alpine`. */
	repository: string;
	/** Tag, `latest` when none was written and there is no digest. */
	tag?: string;
	digest?: string;
}

export const dockerHub = 'docker.io';

const pathComponent = /^[a-z\d]+(?:(?:[._]|__|-+)[a-z\d]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z\d]+(?:[.+_-][a-z\d]+)*:[a-fA-F\d]{32,}$/;
const hostPattern = /^(?:[a-zA-Z\d](?:[a-zA-Z\d-]*[a-zA-Z\d])?(?:\.[a-zA-Z\d](?:[a-zA-Z\d-]*[a-zA-Z\d])?)*|\[[a-fA-F\d:]+\])(?::\d{1,5})?$/;

export function parseReference(input: string): Reference {
	// A fleet's hosts hold the same references: each read once (a copy handed out, so no caller shares one).
	const known = parsedReferences.get(input);
	if (known) {
		return {...known};
	}

	const parsed = readReference(input);
	if (parsedReferences.size < 8192) {
		parsedReferences.set(input, parsed);
	}

	return {...parsed};
}

const parsedReferences = new Map<string, Reference>();

function readReference(input: string): Reference {
	const text = input.trim();
	const fail = (why: string) =>
		new BadInput(`"${safeText(input).slice(0, 200)}" is not an image or plugin reference (${why}): write it as [registry/]repository[:tag], e.g. kasmweb/sidecar:amd64-1.2`);

	if (text === '' || text.length > 512) {
		throw fail(text === '' ? 'it is empty' : 'it is longer than 512 characters');
	}

	let rest = text;
	let digest: string | undefined;
	const at = rest.indexOf('@');
	if (at !== -1) {
		digest = rest.slice(at + 1);
		rest = rest.slice(0, at);
		if (!digestPattern.test(digest)) {
			throw fail('the digest after @ is malformed');
		}
	}

	let tag: string | undefined;
	const lastSlash = rest.lastIndexOf('/');
	const colon = rest.lastIndexOf(':');
	if (colon > lastSlash) {
		tag = rest.slice(colon + 1);
		rest = rest.slice(0, colon);
		if (!tagPattern.test(tag)) {
			throw fail(`the tag "${safeText(tag).slice(0, 130)}" may hold only letters, digits, _ . - and at most 128 characters`);
		}
	}

	const components = rest.split('/');
	let registry = dockerHub;
	const first = components[0] ?? '';
	if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
		registry = first;
		components.shift();
		if (!hostPattern.test(registry) || !isUrlHost(registry)) {
			throw fail(`the registry "${safeText(registry)}" is not a host name`);
		}
	}

	if (components.length === 0 || components.some(component => !pathComponent.test(component))) {
		throw fail('the repository may hold only lowercase letters, digits and separators');
	}

	if (registry === 'index.docker.io') {
		registry = dockerHub;
	}

	if (registry === dockerHub && components.length === 1) {
		components.unshift('library');
	}

	return {
		registry,
		repository: components.join('/'),
		tag: tag ?? (digest ? undefined : 'latest'),
		digest,
	};
}

/** A host a URL can name: `q1.83` fits the grammar but ends in a number, so URLs read it as a bad IPv4 address. */
function isUrlHost(registry: string): boolean {
	let known = urlHosts.get(registry);
	if (known === undefined) {
		try {
			known = new URL(`https://${registry}/`).host !== '';
		} catch {
			known = false;
		}

		// A fleet's thousands of references name a few registries: a URL parsed once for each.
		if (urlHosts.size < 256) {
			urlHosts.set(registry, known);
		}
	}

	return known;
}

const urlHosts = new Map<string, boolean>();

/** The full, normalised form: `docker.io/library/alpine:latest`. */
export function formatReference(reference: Reference): string {
	let text = `${reference.registry}/${reference.repository}`;
	if (reference.tag) {
		text += `:${reference.tag}`;
	}

	if (reference.digest) {
		text += `@${reference.digest}`;
	}

	return text;
}

/** The form people write: Docker Hub's prefix and `library/` dropped, as the docker CLI shows it. */
export function familiarReference(reference: Reference): string {
	let name = `${reference.registry}/${reference.repository}`;
	if (reference.registry === dockerHub) {
		name = reference.repository.startsWith('library/') ? reference.repository.slice('library/'.length) : reference.repository;
	}

	return name + (reference.tag ? `:${reference.tag}` : '') + (reference.digest ? `@${reference.digest}` : '');
}

/** Two spellings of one reference compare equal: `alpine`, `docker.io/library/alpine:latest`. */
export function normaliseReference(input: string): string {
	try {
		return formatReference(parseReference(input));
	} catch {
		return input;
	}
}

/** Whether the operator wrote a tag (`repo:amd64`) or left it to default to `latest` (`repo`). */
export function hasWrittenTag(input: string): boolean {
	const name = input.trim().split('@')[0] ?? '';
	return name.lastIndexOf(':') > name.lastIndexOf('/');
}

/** The docker CLI command that stores credentials for a registry. */
export function loginHint(registry: string): string {
	return `docker login${registry === dockerHub ? '' : ` ${registry}`}`;
}
