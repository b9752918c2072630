import {BadInput, KasmTuiError} from '../errors.js';
import {jsonText} from './json.js';
import {RegistryClient} from '../registry/client.js';
import {familiarReference, hasWrittenTag, parseReference} from '../docker/reference.js';
import {hostArch, latestTag, parseVersionPrefix} from '../registry/versions.js';
import type {CommandContext} from './context.js';

/**
 * `kasm-tui latest <ref>`: the newest release tag under the reference's prefix, what Kasm's
 * `plugin_helper REF --latest` answers: `kasmweb/sidecar:amd64-1.2` → `kasmweb/sidecar:amd64-1.2.10`.
 * Plain versions work alike: `repo:2` → `repo:2.0.3`. With no tag, the prefix is this host's
 * architecture, or for a repository of plain versions the newest release of all.
 */
export async function latestCommand(context: CommandContext, positionals: string[]): Promise<void> {
	const argument = positionals[0]?.trim() ?? '';
	if (argument === '') {
		throw new BadInput('latest needs a reference with a version prefix: usage: kasm-tui latest <repository:[arch-]major[.minor]>');
	}

	const reference = parseReference(argument);
	const repository = familiarReference({...reference, tag: undefined, digest: undefined});
	if (reference.digest) {
		throw new BadInput(`latest takes a tag prefix, not a digest: e.g. kasm-tui latest ${repository}:${hostArch()}-1.2`);
	}

	const written = hasWrittenTag(argument) && reference.tag ? reference.tag : undefined;
	const prefix = written ?? hostArch();
	// A malformed prefix is bad input before any registry is asked.
	parseVersionPrefix(prefix);
	const tags = await new RegistryClient().listTags(reference);
	// No tag written: this host's architecture, else (an image's plain versions) the newest of all.
	const tag = latestTag(tags, prefix) ?? (written === undefined ? latestTag(tags, {arch: ''}) : undefined);
	if (!tag) {
		throw new KasmTuiError(`no release tag under ${prefix}${written === undefined ? ' nor any plain version' : ''} in ${repository}: run "kasm-tui tags ${repository}" to see the tags there`);
	}

	const full = `${repository}:${tag}`;
	context.print(context.json ? jsonText({reference: full, tag, repository}) : full);
}
