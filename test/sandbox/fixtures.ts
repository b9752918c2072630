import {execFileSync, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Sandbox} from './sandbox.js';

/**
 * What the sandbox puts in its registry and daemon: plugin builds from one static binary
 * (fixture-plugin/plugin.c, a volume and network driver), a Kasm-like repository of tags, and
 * images from a static busybox. Every build differs in content (its VERSION file), as real
 * releases do, so content identity can tell them apart.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const pluginSource = path.join(here, 'fixture-plugin', 'plugin.c');

export interface PluginBuild {
	/** Written to /VERSION in the rootfs and answered by the plugin's /Kasm.Version. */
	version: string;
	description?: string;
	/** Linux capabilities the plugin asks for, e.g. CAP_NET_ADMIN: privileges an install must grant. */
	capabilities?: string[];
	/** `host` (the default, as Kasm's network plugins need) or `none`. */
	network?: 'host' | 'none';
	/** Another entrypoint: one that is not in the rootfs makes a build that installs but cannot start. */
	entrypoint?: string[];
	/** Settings (`docker plugin set`): env variables, mounts from the host, and args, each settable or not. */
	env?: Array<{name: string; value: string; description?: string; settable?: boolean}>;
	mounts?: Array<{name: string; source: string; destination: string; settable?: boolean}>;
	args?: {name: string; value: string[]; settable?: boolean};
}

/** The Kasm-like repository: patch levels where string order and version order disagree. */
export const kasmBuilds: Array<{tag: string} & PluginBuild> = [
	{tag: 'amd64-1.1.0', version: '1.1.0'},
	{tag: 'amd64-1.2.0', version: '1.2.0'},
	{tag: 'amd64-1.2.1', version: '1.2.1'},
	{tag: 'amd64-1.2.9', version: '1.2.9'},
	{tag: 'amd64-1.2.10', version: '1.2.10'},
	{tag: 'amd64-1.3.0-rc.1', version: '1.3.0-rc.1'},
	{tag: 'amd64-2.0.0', version: '2.0.0', capabilities: ['CAP_NET_ADMIN']},
	{tag: 'arm64-1.2.10', version: 'arm64-1.2.10'},
	{tag: 'arm64-1.3.0', version: 'arm64-1.3.0'},
];

/** The same tags as an operator should see them: newest version first, a line's rolling tag above its releases. */
export const kasmTagsNewestFirst = [
	'amd64-2.0.0',
	'arm64-1.3.0',
	'amd64-1.3.0-rc.1',
	'amd64-1.2-rolling',
	'amd64-1.2.10',
	'arm64-1.2.10',
	'amd64-1.2.9',
	'amd64-1.2.1',
	'amd64-1.2.0',
	'amd64-1.1.0',
];

export const kasmRepositoryPath = 'kasmweb/sidecar';
export const pluginSocketRoot = '/run/docker/plugins';
/** The moving tag; it starts at 1.2.9's build and `moveTag` can point it at another. */
export const rollingTag = 'amd64-1.2-rolling';
export const rollingStartsAt = 'amd64-1.2.9';

export interface KasmRepository {
	/** `127.0.0.1:PORT/kasmweb/sidecar` */
	repository: string;
	tags: string[];
	ref: (tag: string) => string;
}

/** Builds the fixture binary once per source version; the result is reused across runs. */
export function pluginBinary(): string {
	const source = fs.readFileSync(pluginSource);
	const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
	const cache = path.join(here, '..', '..', 'node_modules', '.cache', 'kasm-tui');
	const binary = path.join(cache, `fixture-plugin-${hash}`);
	if (!fs.existsSync(binary)) {
		fs.mkdirSync(cache, {recursive: true});
		execFileSync('gcc', ['-static', '-O2', '-Wall', '-o', `${binary}.tmp`, pluginSource], {stdio: ['ignore', 'ignore', 'pipe']});
		fs.renameSync(`${binary}.tmp`, binary);
	}

	return binary;
}

function buildFolder(sandbox: Sandbox, build: PluginBuild): string {
	const folder = fs.mkdtempSync(path.join(sandbox.state.dir, 'build-'));
	const rootfs = path.join(folder, 'rootfs');
	for (const sub of ['run/docker/plugins', 'data', 'proc', 'dev', 'tmp']) {
		fs.mkdirSync(path.join(rootfs, sub), {recursive: true});
	}

	fs.copyFileSync(pluginBinary(), path.join(rootfs, 'plugin'));
	fs.chmodSync(path.join(rootfs, 'plugin'), 0o755);
	fs.writeFileSync(path.join(rootfs, 'VERSION'), build.version + '\n');
	const config = {
		description: build.description ?? `Kasm-like sidecar fixture ${build.version}: a volume and network driver`,
		documentation: 'https://kasm-tui.invalid/fixture',
		entrypoint: build.entrypoint ?? ['/plugin'],
		workdir: '/',
		interface: {types: ['docker.volumedriver/1.0', 'docker.networkdriver/1.0', 'docker.ipamdriver/1.0'], socket: 'kasm.sock'},
		network: {type: build.network ?? 'host'},
		linux: {capabilities: build.capabilities ?? []},
		env: (build.env ?? []).map(item => ({name: item.name, description: item.description ?? '', value: item.value, settable: item.settable === false ? [] : ['value']})),
		mounts: (build.mounts ?? []).map(item => ({
			name: item.name,
			description: '',
			source: item.source,
			destination: item.destination,
			type: 'bind',
			options: ['rbind', 'ro'],
			settable: item.settable === false ? [] : ['source'],
		})),
		...(build.args ? {args: {name: build.args.name, description: '', value: build.args.value, settable: build.args.settable === false ? [] : ['value']}} : {}),
	};
	for (const mount of build.mounts ?? []) {
		fs.mkdirSync(path.join(rootfs, mount.destination), {recursive: true});
	}

	fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify(config, null, 2));
	return folder;
}

/** Creates a plugin build on the daemon under `reference`, pushes it, and removes it locally. */
export async function pushPluginBuild(sandbox: Sandbox, reference: string, build: PluginBuild): Promise<void> {
	const folder = buildFolder(sandbox, build);
	try {
		await sandbox.docker(['plugin', 'create', reference, folder]);
		await sandbox.docker(['plugin', 'push', reference]);
		await sandbox.docker(['plugin', 'rm', '--force', reference]);
	} finally {
		fs.rmSync(folder, {recursive: true, force: true});
	}
}

/** Pushes the Kasm-like repository and its rolling tag. */
export async function seedKasmRepository(sandbox: Sandbox): Promise<KasmRepository> {
	const repository = `${sandbox.registry}/${kasmRepositoryPath}`;
	for (const build of kasmBuilds) {
		await pushPluginBuild(sandbox, `${repository}:${build.tag}`, build);
	}

	await moveTag(sandbox, kasmRepositoryPath, rollingTag, rollingStartsAt);
	return {
		repository,
		tags: [...kasmBuilds.map(build => build.tag), rollingTag],
		ref: tag => `${repository}:${tag}`,
	};
}

const manifestV2 = 'application/vnd.docker.distribution.manifest.v2+json';
/** Plugins are pushed as Docker manifests; images from the containerd store as OCI ones, which the registry only serves to who accepts them. */
export const anyManifest = [manifestV2, 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'].join(', ');

/** Points `tag` at the build `target` points at, without a new build: a rolling tag moving. */
export async function moveTag(sandbox: Sandbox, repositoryPath: string, tag: string, target: string): Promise<void> {
	const base = `http://${sandbox.registry}/v2/${repositoryPath}/manifests`;
	const response = await fetch(`${base}/${target}`, {headers: {Accept: anyManifest}});
	if (!response.ok) {
		throw new Error(`could not read the manifest of ${repositoryPath}:${target}: HTTP ${response.status}`);
	}

	const manifest = await response.arrayBuffer();
	const put = await fetch(`${base}/${tag}`, {
		method: 'PUT',
		headers: {'Content-Type': response.headers.get('content-type') ?? manifestV2},
		body: manifest,
	});
	if (!put.ok) {
		throw new Error(`could not move ${repositoryPath}:${tag} to ${target}: HTTP ${put.status} ${await put.text()}`);
	}
}

/** The digest the registry has for a tag (what `docker plugin install` records as pulled). */
export async function manifestDigest(sandbox: Sandbox, repositoryPath: string, tag: string): Promise<string> {
	const response = await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/manifests/${tag}`, {
		method: 'HEAD',
		headers: {Accept: anyManifest},
	});
	const digest = response.headers.get('docker-content-digest');
	if (!response.ok || !digest) {
		throw new Error(`no manifest for ${repositoryPath}:${tag}: HTTP ${response.status}`);
	}

	return digest;
}

/** Installs a plugin from the sandbox registry, granting what it asks, as `docker plugin install` does. */
export async function installPlugin(
	sandbox: Sandbox,
	reference: string,
	options: {alias?: string; disabled?: boolean} = {},
): Promise<void> {
	const args = ['plugin', 'install', '--grant-all-permissions'];
	if (options.alias) {
		args.push('--alias', options.alias);
	}

	if (options.disabled) {
		args.push('--disable');
	}

	await sandbox.docker([...args, reference]);
}

/**
 * Imports an image made of a static busybox and a VERSION file, with no registry involved;
 * a different `version` is a different build (a new image id).
 */
export async function importImage(sandbox: Sandbox, reference: string, version = reference, changes: string[] = []): Promise<string> {
	const rootfs = fs.mkdtempSync(path.join(sandbox.state.dir, 'image-'));
	try {
		fs.mkdirSync(path.join(rootfs, 'bin'));
		fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
		fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
		fs.symlinkSync('busybox', path.join(rootfs, 'bin', 'sh'));
		fs.writeFileSync(path.join(rootfs, 'VERSION'), version + '\n');
		const tar = await new Promise<Buffer>((resolve, reject) => {
			const child = spawn('tar', ['-C', rootfs, '-c', '.'], {stdio: ['ignore', 'pipe', 'inherit']});
			const chunks: Buffer[] = [];
			child.stdout.on('data', chunk => chunks.push(chunk as Buffer));
			child.on('error', reject);
			child.on('close', code => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`tar failed (${code})`))));
		});
		const id = await sandbox.docker(['import', '--change', 'CMD ["/bin/sh"]', ...changes.flatMap(change => ['--change', change]), '-', reference], {input: tar});
		return id.trim();
	} finally {
		fs.rmSync(rootfs, {recursive: true, force: true});
	}
}

/**
 * A repository of a test's own, so moving its rolling tag cannot disturb other tests:
 * one build per version (`amd64-<version>`), and `amd64-1.2-rolling` at the first.
 */
export async function pushRepository(sandbox: Sandbox, repositoryPath: string, versions: string[]): Promise<KasmRepository> {
	const repository = `${sandbox.registry}/${repositoryPath}`;
	for (const version of versions) {
		await pushPluginBuild(sandbox, `${repository}:amd64-${version}`, {version});
	}

	await moveTag(sandbox, repositoryPath, rollingTag, `amd64-${versions[0]}`);
	return {repository, tags: [...versions.map(version => `amd64-${version}`), rollingTag], ref: tag => `${repository}:${tag}`};
}

/** Asks the running plugin itself which build it is (its /Kasm.Version answers the VERSION file). */
export async function runningVersion(sandbox: Sandbox, pluginName: string): Promise<string> {
	const [plugin] = JSON.parse(await sandbox.docker(['plugin', 'inspect', pluginName])) as Array<{Id: string; Enabled: boolean}>;
	if (!plugin?.Enabled) {
		throw new Error(`${pluginName} is not enabled`);
	}

	// dockerd (Linux) keeps plugin sockets under /run/docker/plugins/<id>, whatever its exec-root.
	const socketPath = path.join(pluginSocketRoot, plugin.Id, 'kasm.sock');
	const {request} = await import('node:http');
	return new Promise((resolve, reject) => {
		const call = request({socketPath, path: '/Kasm.Version', method: 'POST'}, response => {
			let body = '';
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => resolve((JSON.parse(body) as {Version: string}).Version));
		});
		call.on('error', reject);
		call.end('{}');
	});
}
