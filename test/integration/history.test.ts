import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {installPlugin} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const name = `${uniqueName('history/sidecar')}:amd64-1.2-rolling`;
await installPlugin(sandbox, kasm.ref('amd64-1.2-rolling'), {alias: name, disabled: true});
const folders: string[] = [];
const temporaryFolder = () => {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-ledger-'));
	folders.push(folder);
	return folder;
};

after(async () => {
	for (const folder of folders) {
		fs.rmSync(folder, {recursive: true, force: true});
	}

	await sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {});
});

const ledgerDir = temporaryFolder();

const entry = (time: string, action: LedgerEntry['action'], tag: string, outcome: LedgerEntry['outcome'] = 'ok'): LedgerEntry => ({
	time,
	action,
	name,
	reference: kasm.ref(tag),
	tag,
	identity: {diffIds: []},
	outcome,
	user: 'ops',
	version: '0.0.0',
});

const ledger = new Ledger(ledgerDir);
ledger.append(entry('2026-10-02T08:00:00.000Z', 'install', 'amd64-1.2.1'));
ledger.append(entry('2026-11-20T08:00:00.000Z', 'upgrade', 'amd64-1.2-rolling', 'restored'));
ledger.append(entry('2026-11-01T08:00:00.000Z', 'auto-update', 'amd64-1.2-rolling'));

test('history lists the ledger newest first, in text and in JSON', async () => {
	const text = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'history', name]);
	assert.equal(text.code, 0, text.stderr);
	const rows = text.stdout.trimEnd().split('\n').slice(1);
	assert.deepEqual(
		rows.map(row => row.split(/\s{3,}/)[1]),
		['upgrade', 'auto-update', 'install'],
	);
	assert.match(rows[0]!, /restored/);

	const json = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'history', name, '--json']);
	const entries = JSON.parse(json.stdout) as Array<{time: string; action: string; outcome: string; tag: string; user: string}>;
	assert.deepEqual(
		entries.map(item => item.time),
		['2026-11-20T08:00:00.000Z', '2026-11-01T08:00:00.000Z', '2026-10-02T08:00:00.000Z'],
	);
	assert.equal(entries[2]!.tag, 'amd64-1.2.1');
	assert.equal(entries[0]!.user, 'ops');
});

test('KASM_TUI_LEDGER_DIR names the ledger when --ledger-dir is not given', async () => {
	const result = await runCli(['--host', sandbox.host, 'history', name, '--json'], {env: {KASM_TUI_LEDGER_DIR: ledgerDir}});
	assert.equal((JSON.parse(result.stdout) as unknown[]).length, 3);
});

test('a torn last line is skipped with a warning, not fatal', async () => {
	const torn = temporaryFolder();
	const tornLedger = new Ledger(torn);
	tornLedger.append(entry('2026-10-02T08:00:00.000Z', 'install', 'amd64-1.2.1'));
	fs.appendFileSync(tornLedger.fileOf(name), '{"time":"2026-11-2');
	const result = await runCli(['--host', sandbox.host, '--ledger-dir', torn, 'history', name, '--json']);
	assert.equal(result.code, 0);
	assert.equal((JSON.parse(result.stdout) as unknown[]).length, 1);
	assert.match(result.stderr, /skipped 1 unreadable line/);
});

test('a plugin that is not on the daemon is bad input, exit 2, even if a ledger names it', async () => {
	const result = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'history', 'kasmweb/not-installed:amd64-1.2']);
	assert.equal(result.code, 2);
	assert.match(result.stderr, /no plugin named kasmweb\/not-installed:amd64-1\.2/);
	assert.equal(result.stderr.trimEnd().split('\n').length, 1);
});

test('a plugin with no history says so', async () => {
	const empty = temporaryFolder();
	const result = await runCli(['--host', sandbox.host, '--ledger-dir', empty, 'history', name]);
	assert.equal(result.code, 0);
	assert.match(result.stdout, /no history recorded/);
});
