import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {kasmTuiCommand, runCli, type CliResult} from '../helpers/cli.js';
import {assertOneErrorLine, inspectPlugin} from '../helpers/hardening.js';
import {installPlugin, moveTag, pushRepository, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * The files kasm-tui writes, end to end through the CLI with real flows: run as root, even under
 * `umask 000`, the ledger folder (and every folder it had to create) is 0700 and each ledger file
 * and the debug log 0600, owned by root. A ledger folder that others can write, or that another
 * user owns, is refused before anything changes, with what to do about it.
 */

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

async function movedRollingPlugin(stem: string) {
	const repositoryPath = uniqueName(stem);
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2-rolling`);
	await installPlugin(sandbox, repository.ref(rollingTag), {alias: name});
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	return {repositoryPath, name, pinned: (tag: string) => `${repositoryPath}/sidecar:${tag}`};
}

/** kasm-tui as root under `umask 000`, so nothing but kasm-tui itself keeps its files private. */
function underOpenUmask(args: string[]): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$@"', 'sh', ...kasmTuiCommand, '--host', sandbox.host, ...args], {
			env: {...process.env, DOCKER_HOST: '', DOCKER_CONTEXT: ''},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', code => resolve({code, stdout, stderr}));
	});
}

const mode = (file: string) => fs.statSync(file).mode & 0o7777;

test('run as root under umask 000, upgrade and rollback leave the ledger folders 0700 and the ledger files and debug log 0600, owned by root', async () => {
	assert.equal(process.getuid?.(), 0, 'these tests run as root, as kasm-tui does on a host');
	const {name, pinned} = await movedRollingPlugin('files-owner-only');
	const root = leftovers.folder('kasm-tui-files-');
	const ledgerDir = path.join(root, 'var', 'lib', 'kasm-tui', 'ledger');
	const debugLog = path.join(root, 'debug.log');
	// An existing log others can read becomes owner-only too.
	fs.writeFileSync(debugLog, '', {mode: 0o644});
	fs.chmodSync(debugLog, 0o644);

	const upgraded = await underOpenUmask(['--ledger-dir', ledgerDir, '--debug', debugLog, 'upgrade', name, '--yes']);
	assert.equal(upgraded.code, 0, upgraded.stderr);
	const rolledBack = await underOpenUmask(['--ledger-dir', ledgerDir, '--debug', debugLog, 'rollback', name, '--yes']);
	assert.equal(rolledBack.code, 0, rolledBack.stderr);
	const pinnedName = leftovers.plugin(pinned('amd64-1.2.9'));
	assert.equal(await runningVersion(sandbox, pinnedName), '1.2.9');

	const created = ['var', 'var/lib', 'var/lib/kasm-tui', 'var/lib/kasm-tui/ledger'].map(folder => path.join(root, folder));
	for (const folder of created) {
		assert.equal(mode(folder).toString(8), '700', `${folder} is owner-only`);
		assert.equal(fs.statSync(folder).uid, 0);
	}

	const files = fs.readdirSync(ledgerDir);
	// daemon.json names the daemon whose history this is (ledger/hosts.ts).
	assert.deepEqual(files.filter(file => !file.endsWith('.jsonl') && file !== 'daemon.json'), [], 'no lock or probe file is left behind');
	assert.ok(files.length >= 1, 'the history is written');
	for (const file of [...files.map(file => path.join(ledgerDir, file)), debugLog]) {
		assert.equal(mode(file).toString(8), '600', `${file} is owner-only`);
		assert.equal(fs.statSync(file).uid, 0);
	}

	// The history followed the plugin to its pinned name, in a file as private as the first.
	assert.deepEqual(
		new Ledger(ledgerDir)
			.read(pinnedName)
			.entries.filter(entry => entry.outcome !== 'started')
			.map(entry => `${entry.action}:${entry.outcome}`),
		['observed:ok', 'upgrade:ok', 'rollback:ok'],
	);
});

test('a ledger folder others can write (777, 775, 1777) is refused with how to fix it, before the daemon is touched; fixed, the upgrade goes through', async () => {
	const {name} = await movedRollingPlugin('files-writable');
	const before = await inspectPlugin(sandbox, name);
	const ledgerDir = leftovers.folder('kasm-tui-files-open-');
	for (const open of [0o777, 0o775, 0o1777, 0o757]) {
		fs.chmodSync(ledgerDir, open);
		for (const args of [['upgrade', name, '--yes'], ['rollback', name, '--yes'], ['reinstall', name, '--version', 'amd64-1.2.10', '--yes'], ['auto-update', '--yes']]) {
			const result = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);
			const what = `${args[0]} with a ${open.toString(8)} folder`;
			assert.equal(result.code, 1, `${what}: ${result.stderr}`);
			const line = assertOneErrorLine(result.stderr, what);
			assert.ok(line.includes(`the ledger folder ${ledgerDir} can be written by other users (mode ${(open & 0o777).toString(8)})`), line);
			assert.match(line, new RegExp(`its history could be forged: run "chmod go-w ${ledgerDir}"`));
		}

		assert.deepEqual(fs.readdirSync(ledgerDir), [], 'nothing was written to it');
	}

	const after = await inspectPlugin(sandbox, name);
	assert.deepEqual([after?.Id, after?.Enabled, after?.PluginReference], [before?.Id, true, before?.PluginReference]);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');

	fs.chmodSync(ledgerDir, 0o755);
	const fixed = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes']);
	assert.equal(fixed.code, 0, fixed.stderr);
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
});

test('a ledger folder another user owns is refused, as that user could forge its history', async () => {
	const {name} = await movedRollingPlugin('files-owner');
	const ledgerDir = leftovers.folder('kasm-tui-files-owner-');
	fs.chmodSync(ledgerDir, 0o700);
	fs.chownSync(ledgerDir, 65_534, 65_534);
	const result = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes']);
	assert.equal(result.code, 1, result.stderr);
	const line = assertOneErrorLine(result.stderr, 'upgrade with a folder nobody owns');
	assert.match(line, /is owned by another user \(uid 65534\).*chown/);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	assert.deepEqual(fs.readdirSync(ledgerDir), []);
});
