import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {Ledger, LedgerUnusable} from '../../source/ledger/ledger.js';
import {PluginBusy} from '../../source/ledger/lock.js';

/** A pid above the kernel's largest (2^22): no process ever has it. */
const deadPid = 2 ** 22 + 12_345;

const folders: string[] = [];
const folder = () => {
	const created = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-ledger-'));
	folders.push(created);
	return created;
};

after(() => {
	for (const created of folders) {
		fs.rmSync(created, {recursive: true, force: true});
	}
});

const entry = (fields: Partial<LedgerEntry> = {}): LedgerEntry => ({
	time: new Date().toISOString(),
	action: 'upgrade',
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: 'kasmweb/sidecar:amd64-1.2-rolling',
	tag: 'amd64-1.2-rolling',
	identity: {diffIds: ['sha256:' + 'a'.repeat(64)]},
	outcome: 'ok',
	user: 'ops',
	version: '0.0.0',
	...fields,
});

test('4 processes appending 250 entries each to one plugin leave 1,000 readable entries', async () => {
	const directory = folder();
	const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ledger-writer.ts');
	await Promise.all(
		[0, 1, 2, 3].map(
			index =>
				new Promise<void>((resolve, reject) => {
					const child = spawn(process.execPath, ['--import', 'tsx', writer, directory, String(index), '250'], {stdio: 'inherit'});
					child.on('close', code => (code === 0 ? resolve() : reject(new Error(`writer ${index} exited ${code}`))));
				}),
		),
	);
	const {entries, skipped} = new Ledger(directory).read('kasmweb/sidecar:amd64-1.2-rolling');
	assert.equal(skipped, 0);
	assert.equal(entries.length, 1000);
	assert.equal(new Set(entries.map(item => item.attempt)).size, 1000);
});

test('files and folder are owner-only', () => {
	const directory = path.join(folder(), 'ledger');
	const ledger = new Ledger(directory);
	ledger.append(entry());
	assert.equal(fs.statSync(directory).mode & 0o777, 0o700);
	assert.equal(fs.statSync(ledger.fileOf(entry().name)).mode & 0o777, 0o600);
});

test('a ledger folder others can write is refused with what to do', () => {
	const directory = folder();
	fs.chmodSync(directory, 0o777);
	assert.throws(() => new Ledger(directory).assertUsable(), (error: unknown) => error instanceof LedgerUnusable && /chmod go-w/.test(error.message));
});

test('a ledger folder that cannot be created is refused before anything else happens', () => {
	const file = path.join(folder(), 'not-a-folder');
	fs.writeFileSync(file, '');
	assert.throws(() => new Ledger(path.join(file, 'ledger')).assertUsable(), LedgerUnusable);
});

test('a renamed plugin takes its history with it, after what the new name already had', () => {
	const ledger = new Ledger(folder());
	ledger.append(entry({action: 'install', time: '2026-01-01T00:00:00.000Z'}));
	ledger.append(entry({action: 'upgrade', time: '2026-02-01T00:00:00.000Z'}));
	ledger.rename('kasmweb/sidecar:amd64-1.2-rolling', 'kasmweb/sidecar:amd64-1.2.1');
	assert.deepEqual(ledger.read('kasmweb/sidecar:amd64-1.2-rolling').entries, []);
	assert.deepEqual(
		ledger.read('kasmweb/sidecar:amd64-1.2.1').entries.map(item => item.action),
		['install', 'upgrade'],
	);

	ledger.append(entry({name: 'other', action: 'observed'}));
	ledger.rename('other', 'kasmweb/sidecar:amd64-1.2.1');
	assert.deepEqual(
		ledger.read('kasmweb/sidecar:amd64-1.2.1').entries.map(item => item.action),
		['install', 'upgrade', 'observed'],
	);
});

test('a second flow on the same plugin is refused while the first holds it; a dead holder is taken over', () => {
	const ledger = new Ledger(folder());
	const lock = ledger.lock('kasmweb/sidecar:amd64-1.2-rolling', 'upgrade');
	assert.throws(
		() => ledger.lock('kasmweb/sidecar:amd64-1.2-rolling', 'rollback'),
		(error: unknown) => error instanceof PluginBusy && error.exitCode === 3 && new RegExp(`pid ${process.pid}`).test(error.message),
	);
	lock.release();
	ledger.lock('kasmweb/sidecar:amd64-1.2-rolling', 'rollback').release();

	fs.writeFileSync(ledger.fileOf('x') + '.lock', JSON.stringify({pid: deadPid, host: os.hostname(), since: 'then', what: 'upgrade'}));
	ledger.lock('x', 'upgrade').release();
});

/** A process of its own that takes the plugin's lock on "go", reading lock files slowly; its answers line by line. */
function startRacer(directory: string, plugin: string) {
	const racer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lock-racer.ts');
	const child = spawn(process.execPath, ['--import', 'tsx', racer, directory, plugin, '300'], {stdio: ['pipe', 'pipe', 'inherit']});
	let said = '';
	const waiters: Array<() => void> = [];
	child.stdout.setEncoding('utf8');
	child.stdout.on('data', chunk => {
		said += chunk;
		for (const wake of waiters.splice(0)) {
			wake();
		}
	});
	const line = async (index: number) => {
		while (said.split('\n').length <= index + 1) {
			await new Promise<void>(resolve => waiters.push(resolve));
		}

		return said.split('\n')[index]!;
	};

	const exited = new Promise(resolve => child.on('close', resolve));
	return {
		ready: async () => line(0),
		go: () => child.stdin.write('go\n'),
		answer: async () => line(1),
		finish: async () => {
			child.stdin.end();
			return exited;
		},
	};
}

test('two processes that find the same dead holder\'s lock at once: exactly one takes it over, the other is refused', async () => {
	const directory = folder();
	const plugin = 'kasmweb/sidecar:amd64-1.2-rolling';
	const ledger = new Ledger(directory);
	const lockFile = ledger.fileOf(plugin) + '.lock';
	fs.writeFileSync(lockFile, JSON.stringify({pid: deadPid, host: os.hostname(), since: 'then', what: 'upgrade'}));
	const racers = [startRacer(directory, plugin), startRacer(directory, plugin)];
	try {
		await Promise.all(racers.map(async racer => racer.ready()));
		for (const racer of racers) {
			racer.go();
		}

		const answers = await Promise.all(racers.map(async racer => racer.answer()));
		assert.deepEqual(
			answers.map(answer => answer.replace(/:.*/, '')).sort(),
			['held', 'refused'],
			`one holds the plugin, the other is told it is busy:\n${answers.join('\n')}`,
		);
		assert.match(answers.find(answer => answer.startsWith('refused')) ?? '', /is being changed by another kasm-tui \(pid \d+/);
		assert.notEqual(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid, deadPid, 'the dead holder\'s lock is gone');
	} finally {
		await Promise.all(racers.map(async racer => racer.finish()));
	}

	assert.deepEqual(fs.readdirSync(directory), [], 'released, and nothing of the takeover left behind');
});

test('a takeover of a dead holder\'s lock that was itself killed midway does not keep the plugin locked', () => {
	const directory = folder();
	const ledger = new Ledger(directory);
	const lockFile = ledger.fileOf('x') + '.lock';
	const dead = JSON.stringify({pid: deadPid, host: os.hostname(), since: 'then', what: 'upgrade'});
	fs.writeFileSync(lockFile, dead);
	// What a process killed while taking the lock over leaves: its claim on that lock, by the lock's hash.
	const claim = `${lockFile}.break-${crypto.createHash('sha256').update(dead).digest('hex').slice(0, 16)}`;
	fs.writeFileSync(claim, JSON.stringify({pid: deadPid + 1, host: os.hostname(), since: 'then', what: 'take over a stale lock'}));
	ledger.lock('x', 'upgrade').release();
	assert.deepEqual(fs.readdirSync(directory), []);
});

test('a lock whose write fails (a full disk) is not left behind: the next flow takes the plugin', t => {
	const directory = folder();
	const ledger = new Ledger(directory);
	const full = t.mock.method(fs, 'writeSync', () => {
		throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});
	});
	assert.throws(() => ledger.lock('x', 'upgrade'), (error: unknown) => error instanceof LedgerUnusable && /ENOSPC.*free some disk space/.test(error.message));
	full.mock.restore();
	assert.deepEqual(fs.readdirSync(directory), [], 'no lock file, whole or empty, and nothing written aside');
	ledger.lock('x', 'upgrade').release();
});

test('a started entry without its outcome is what a killed flow left behind', () => {
	const ledger = new Ledger(folder());
	ledger.append(entry({attempt: 'a1', outcome: 'started'}));
	ledger.append(entry({attempt: 'a1', outcome: 'ok'}));
	assert.equal(ledger.unfinished(entry().name), undefined);
	ledger.append(entry({attempt: 'a2', outcome: 'started', action: 'rollback'}));
	assert.equal(ledger.unfinished(entry().name)?.action, 'rollback');
});

test('a line edited to carry terminal escapes is read back clean', () => {
	const ledger = new Ledger(folder());
	ledger.append(entry({error: 'boom\u001B]0;title\u0007\u001B[2J here'}));
	assert.equal(ledger.read(entry().name).entries[0]!.error, 'boom here');
});
