import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after} from 'node:test';
import {installPlugin, kasmBuilds, kasmRepositoryPath, moveTag, pushRepository, rollingTag, seedKasmRepository, type KasmRepository} from './fixtures.js';
import {attachSandbox, restartDaemon, startSandbox, type Sandbox} from './sandbox.js';

export interface TestSandbox {
	sandbox: Sandbox;
	kasm: KasmRepository;
}

/**
 * The sandbox for a test file: the one `npm test` started (KASM_TUI_SANDBOX names its state),
 * or, when a file is run on its own, one of its own that is stopped when the file ends.
 */
export async function useSandbox(): Promise<TestSandbox> {
	const stateFile = process.env.KASM_TUI_SANDBOX;
	if (stateFile) {
		const sandbox = attachSandbox(stateFile);
		restartIfPullsWereCut(sandbox);
		const repository = `${sandbox.registry}/${kasmRepositoryPath}`;
		return {
			sandbox,
			kasm: {repository, tags: [...kasmBuilds.map(build => build.tag), rollingTag], ref: tag => `${repository}:${tag}`},
		};
	}

	const sandbox = await startSandbox({log: line => process.stderr.write(`sandbox: ${line}\n`)});
	after(async () => sandbox.stop());
	try {
		return {sandbox, kasm: await seedKasmRepository(sandbox)};
	} catch (error) {
		await sandbox.stop();
		throw error;
	}
}

/**
 * A plugin pull cut short (a registry that hangs up in the middle of a layer) leaves its download
 * in `<data-root>/plugins/storage/ingest`, and dockerd 28.5 keeps polling it: after
 * hardening-faults.test.ts its idle daemon burned a whole core (20 CPU-s in 20 s) until it was
 * restarted, slowing every file after it on every kind. A file that leaves such a download
 * restarts the shared daemon as its process ends (after its tests and their hooks), as an
 * operator's `systemctl restart docker` would, so the next file starts on a daemon that is idle;
 * plugins keep running across it. Once per process, however often the file calls useSandbox.
 */
let watchingDownloads = false;
function restartIfPullsWereCut(sandbox: Sandbox): void {
	if (watchingDownloads) {
		return;
	}

	watchingDownloads = true;
	const ingest = path.join(sandbox.state.dataRoot, 'plugins', 'storage', 'ingest');
	const downloads = () => (fs.existsSync(ingest) ? fs.readdirSync(ingest) : []);
	const before = new Set(downloads());
	let checked = false;
	process.on('beforeExit', () => {
		if (checked) {
			return;
		}

		checked = true;
		if (downloads().some(download => !before.has(download))) {
			void restartDaemon(sandbox).catch((error: Error) => process.stderr.write(`could not restart the sandbox daemon: ${error.message}\n`));
		}
	});
}

/** A name no other test uses, so tests can share one daemon. */
export function uniqueName(stem: string): string {
	return `${stem}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * What a test file makes on the shared daemon and disk, removed when the file ends: plugins
 * (forced) and folders. `folder()` makes a temporary folder; `plugin(name)` marks one for removal.
 */
export function useLeftovers(sandbox: Sandbox) {
	const folders: string[] = [];
	const plugins: string[] = [];
	after(async () => {
		for (const name of plugins) {
			await sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {});
		}

		for (const created of folders) {
			fs.rmSync(created, {recursive: true, force: true});
		}
	});
	return {
		folder(stem = 'kasm-tui-test-') {
			const created = fs.mkdtempSync(path.join(os.tmpdir(), stem));
			folders.push(created);
			return created;
		},
		plugin(name: string) {
			plugins.push(name);
			return name;
		},
	};
}

/** The status a pull's progress ends a layer with: the containerd store has no extract step to report. */
export function layerDoneStatus(sandbox: Sandbox): string {
	return sandbox.state.engine.imageStore === 'containerd' ? 'Download complete' : 'Pull complete';
}

/** What `docker plugin inspect` says of every installed plugin. */
export interface InspectedPlugin {
	Id: string;
	Name: string;
	Enabled: boolean;
	PluginReference: string;
}

export async function installedPlugins(sandbox: Sandbox): Promise<InspectedPlugin[]> {
	const ids = (await sandbox.docker(['plugin', 'ls', '-q', '--no-trunc'])).trim().split('\n').filter(Boolean);
	return ids.length === 0 ? [] : (JSON.parse(await sandbox.docker(['plugin', 'inspect', ...ids])) as InspectedPlugin[]);
}

/**
 * A rolling plugin of a test's own, from a repository of its own, so no other test moves its tag:
 * `amd64-<version>` for each version, `amd64-1.2-rolling` at the first (moved to `movedTo` once
 * installed), installed as `<repository>/sidecar:amd64-1.2-rolling` on `on` (default: the sandbox).
 */
export async function testRollingPlugin(
	sandbox: Sandbox,
	leftovers: ReturnType<typeof useLeftovers>,
	stem: string,
	{versions = ['1.2.9', '1.2.10'], on = sandbox, disabled, movedTo}: {versions?: string[]; on?: Sandbox; disabled?: boolean; movedTo?: string} = {},
) {
	const repositoryPath = uniqueName(stem);
	const repository = await pushRepository(on, repositoryPath, versions);
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
	await installPlugin(on, repository.ref(rollingTag), {alias: name, disabled});
	if (movedTo) {
		await moveTag(on, repositoryPath, rollingTag, movedTo);
	}

	return {repositoryPath, repository, name};
}
