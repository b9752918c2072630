import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import packageJson from '../../package.json' with {type: 'json'};
import {commandFor} from '../../source/build/emulation.js';
import {executableName, nodeRelease} from '../../source/build/package.js';
import {importImage, installPlugin, moveTag, pushRepository, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {installedPlugins, uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * The linux-arm64 executable `npm run package` made, run as an arm64 agent runs it, here under
 * qemu-aarch64-static with Debian's arm64 libraries, against the sandbox daemon's socket (a unix
 * socket reaches the emulated program as any other). KASM_TUI_ARM64_BIN names the file (default
 * dist/kasm-tui-linux-arm64); a missing one fails the file, never skips it.
 */
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const executable = path.resolve(root, process.env.KASM_TUI_ARM64_BIN ?? path.join('dist', executableName('arm64')));
if (!fs.existsSync(executable)) {
	throw new Error(`${executable} does not exist: make it with "npm run package" (or name it with KASM_TUI_ARM64_BIN)`);
}

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const ledgerDir = leftovers.folder('kasm-tui-arm64-ledger-');
/** An agent's environment: no Node anywhere, nothing but a PATH. */
const bareEnvironment = {PATH: leftovers.folder('kasm-tui-arm64-no-node-')};

const run = promisify(execFile);
/** kasm-tui on arm64: emulated Node starts in about a second, ~10× native, so each run is given time. */
async function kasmTui(...args: string[]) {
	const [file, ...rest] = commandFor('arm64', executable, ['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);
	try {
		const {stdout, stderr} = await run(file, rest, {env: bareEnvironment, timeout: 180_000});
		return {code: 0, stdout, stderr};
	} catch (error) {
		const failed = error as {code: number; stdout: string; stderr: string};
		return {code: failed.code, stdout: failed.stdout, stderr: failed.stderr};
	}
}

/** ELF's e_machine, at byte 18 of the header: 183 is AArch64, 62 x86-64. */
function elfMachine(file: string): number {
	const header = Buffer.alloc(20);
	const descriptor = fs.openSync(file, 'r');
	try {
		fs.readSync(descriptor, header, 0, 20, 0);
	} finally {
		fs.closeSync(descriptor);
	}

	assert.equal(header.subarray(0, 4).toString('latin1'), '\u007FELF');
	return header.readUInt16LE(18);
}

const repositoryPath = uniqueName('arm64');
const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
const rolling = leftovers.plugin(`${repositoryPath}/sidecar:${rollingTag}`);
const pinned = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2.9`);
await installPlugin(sandbox, repository.ref(rollingTag), {alias: rolling});

test('the arm64 executable is an AArch64 program that says it is linux-arm64, its code cache accepted by its Node', async () => {
	assert.equal(elfMachine(executable), 183);
	const {code, stdout, stderr} = await kasmTui('--version');
	assert.equal(code, 0, stderr);
	assert.equal(stdout, `kasm-tui ${packageJson.version} (node v${nodeRelease.version}, single executable, linux-arm64)\n`);
	assert.equal(stderr, '', 'a code cache trained for another Node would be rejected, with a warning here');
});

test('on arm64, plugins --json lists the sandbox plugin as the daemon reports it', async () => {
	const result = await kasmTui('plugins', '--json');
	assert.equal(result.code, 0, result.stderr);
	const listed = (JSON.parse(result.stdout) as Array<{name: string; id: string; enabled: boolean; rolling: boolean}>).find(plugin => plugin.name === rolling);
	const engine = (await installedPlugins(sandbox)).find(plugin => plugin.Name === rolling);
	assert.ok(listed && engine, `${rolling} is listed`);
	assert.deepEqual({id: listed.id, enabled: listed.enabled, rolling: listed.rolling}, {id: engine.Id, enabled: true, rolling: true});
});

test('on arm64, images --json lists an image with its id, and finds its registry has no newer build', async () => {
	const reference = `${sandbox.registry}/${repositoryPath}-image:1.0`;
	await importImage(sandbox, reference, 'arm64 image');
	await sandbox.docker(['push', reference]);
	const [inspected] = JSON.parse(await sandbox.docker(['image', 'inspect', reference])) as Array<{Id: string}>;
	const result = await kasmTui('images', '--json', reference);
	assert.equal(result.code, 0, result.stderr);
	const [image] = JSON.parse(result.stdout) as Array<{repository: string; tag: string; id: string; updateAvailable: boolean | null}>;
	assert.deepEqual(
		{repository: image?.repository, tag: image?.tag, updateAvailable: image?.updateAvailable},
		{repository: `${sandbox.registry}/${repositoryPath}-image`, tag: '1.0', updateAvailable: false},
	);
	assert.equal(image!.id, inspected!.Id);
});

test('on arm64, upgrade follows the moved rolling tag and rollback brings the previous build back, pinned', async () => {
	assert.equal(await runningVersion(sandbox, rolling), '1.2.9');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const upgraded = await kasmTui('upgrade', rolling, '--yes');
	assert.equal(upgraded.code, 0, upgraded.stderr);
	assert.equal(await runningVersion(sandbox, rolling), '1.2.10');

	const rolledBack = await kasmTui('rollback', rolling, '--yes');
	assert.equal(rolledBack.code, 0, rolledBack.stderr);
	assert.ok(!(await installedPlugins(sandbox)).some(plugin => plugin.Name === rolling), 'the rolling name is gone');
	assert.equal(await runningVersion(sandbox, pinned), '1.2.9');
});
