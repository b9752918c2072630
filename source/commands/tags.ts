import {Engine} from '../docker/engine.js';
import {jsonText} from './json.js';
import {listPlugins, type Plugin} from '../docker/plugins.js';
import {isRolling} from '../rolling.js';
import {BadInput, DaemonUnreachable, KasmTuiError, PluginNotFound} from '../errors.js';
import {RegistryClient, type RepositoryName} from '../registry/client.js';
import {RegistryNotFound} from '../registry/errors.js';
import {candidateTags, tagsHoldingBuild} from '../registry/identity.js';
import {familiarReference, parseReference} from '../docker/reference.js';
import {parseVersionTag, sortTagsNewestFirst} from '../registry/versions.js';
import {safeText} from '../text.js';
import type {CommandContext} from './context.js';
import {findPlugin} from '../flows/find-plugin.js';

/** One row of `tags --json`. `installed` and `installedBuild` appear only when a plugin was named. */
export interface TagJson {
	tag: string;
	/** `1.2.10`, `1.3.0-rc.1`, `1.2` (for `amd64-1.2-rolling`); null for a tag that is no version. */
	version: string | null;
	arch: string | null;
	prerelease: boolean;
	rolling: boolean;
	/** The tag the plugin was installed from. */
	installed?: boolean;
	/** The tag holds the very build the plugin runs (its rootfs diff_ids match). */
	installedBuild?: boolean;
}

interface Installed {
	plugin: Plugin;
	/** Tags holding the installed build; undefined when that could not be told. */
	build?: Set<string>;
}

/** `kasm-tui tags <plugin-or-ref>`: the registry's tags, newest version first. */
export async function tagsCommand(context: CommandContext, positionals: string[]): Promise<void> {
	const argument = positionals[0]?.trim() ?? '';
	if (argument === '') {
		throw new BadInput('tags needs a plugin name or a reference: usage: kasm-tui tags <plugin-or-ref>');
	}

	const plugin = await installedPlugin(context, argument);
	const repository = plugin ? repositoryOfPlugin(plugin) : parseReference(argument);
	const client = new RegistryClient();
	const tags = sortTagsNewestFirst(await listTags(client, repository, plugin));
	const installed = plugin ? {plugin, build: await installedBuild(context, client, repository, plugin, tags)} : undefined;
	const rows = tags.map(tag => tagJson(tag, installed));
	if (context.json) {
		context.print(jsonText(rows));
		return;
	}

	const name = familiarReference({...repository, tag: undefined, digest: undefined});
	if (rows.length === 0) {
		context.print(`no tags in ${name}`);
		return;
	}

	const width = Math.max(...rows.map(row => row.tag.length));
	context.print(rows.map(row => describe(row, installed, width)).join('\n'));
}

/** The plugin the argument names, or undefined when it names none (then it is a reference). */
async function installedPlugin(context: CommandContext, argument: string): Promise<Plugin | undefined> {
	let plugins: Plugin[];
	try {
		plugins = await listPlugins(await Engine.open(context.target));
	} catch (error) {
		// A reference needs no daemon: list its tags anyway, and say why plugins were not looked at
		// when a daemon was asked for (not on a machine without docker, where it is no news).
		if (error instanceof DaemonUnreachable && isReference(argument)) {
			if (context.target.source !== 'default') {
				context.warn(`kasm-tui: no daemon at ${error.address}, so "${safeText(argument).slice(0, 200)}" is read as a registry reference`);
			}

			return undefined;
		}

		throw error;
	}

	try {
		return findPlugin(plugins, argument);
	} catch (error) {
		if (error instanceof PluginNotFound && isReference(argument)) {
			return undefined;
		}

		throw error;
	}
}

function isReference(argument: string): boolean {
	try {
		parseReference(argument);
		return true;
	} catch {
		return false;
	}
}

/** A repository the operator typed and got wrong is bad input; one an installed plugin names, a failure. */
async function listTags(client: RegistryClient, repository: RepositoryName, plugin: Plugin | undefined): Promise<string[]> {
	try {
		return await client.listTags(repository);
	} catch (error) {
		if (plugin && error instanceof RegistryNotFound) {
			throw new RegistryNotFound(`plugin ${plugin.name} comes from ${plugin.reference}, but ${error.message}`, error.registry, {userReference: false});
		}

		throw error;
	}
}

function repositoryOfPlugin(plugin: Plugin): RepositoryName {
	try {
		const {registry, repository} = parseReference(plugin.reference);
		return {registry, repository};
	} catch {
		throw new KasmTuiError(`plugin ${plugin.name} has no registry reference to list tags from (its reference is "${plugin.reference}")`);
	}
}

/** Content identity can fail (a registry that hides configs) without spoiling the listing: warn and go on. */
async function installedBuild(context: CommandContext, client: RegistryClient, repository: RepositoryName, plugin: Plugin, tags: string[]): Promise<Set<string> | undefined> {
	if (plugin.diffIds.length === 0) {
		return undefined;
	}

	try {
		return new Set(await tagsHoldingBuild(client, repository, plugin.diffIds, {tags: candidateTags(tags, plugin.tag)}));
	} catch (error) {
		if (error instanceof KasmTuiError) {
			context.warn(`kasm-tui: cannot tell which tag holds the installed build of ${plugin.name}: ${error.message}`);
			return undefined;
		}

		throw error;
	}
}

function tagJson(tag: string, installed: Installed | undefined): TagJson {
	const version = parseVersionTag(tag);
	const row: TagJson = {
		tag,
		version: version?.version ?? null,
		arch: version?.arch || null,
		prerelease: Boolean(version?.prerelease),
		rolling: isRolling(tag),
	};
	if (installed) {
		row.installed = tag === installed.plugin.tag;
		if (installed.build) {
			row.installedBuild = installed.build.has(tag);
		}
	}

	return row;
}

/**
 * `amd64-1.2-rolling   installed, the same build as amd64-1.2.9`, or, once the tag has moved:
 * `amd64-1.2-rolling   installed, the tag has moved on since: the installed build is amd64-1.2.9`.
 */
function describe(row: TagJson, installed: Installed | undefined, width: number): string {
	let note = '';
	if (row.installed) {
		const twins = [...(installed?.build ?? [])].filter(tag => tag !== row.tag);
		const moved = installed?.build !== undefined && !row.installedBuild;
		note = 'installed';
		if (moved) {
			note += `, the tag has moved on since${twins.length > 0 ? `: the installed build is ${twins.join(', ')}` : ''}`;
		} else if (twins.length > 0) {
			note += `, the same build as ${twins.join(', ')}`;
		}
	} else if (row.installedBuild) {
		note = 'the installed build';
	}

	return note === '' ? row.tag : `${row.tag.padEnd(width)}   ${note}`;
}
