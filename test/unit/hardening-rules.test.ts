import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {BadInput} from '../../source/errors.js';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {Ledger, LedgerUnusable} from '../../source/ledger/ledger.js';
import {parseReference} from '../../source/docker/reference.js';

/** The rules the hardening tests found missing, each on its own. */

const folders: string[] = [];
after(() => {
	for (const folder of folders) {
		fs.rmSync(folder, {recursive: true, force: true});
	}
});

const folder = () => {
	const created = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-rules-'));
	folders.push(created);
	return created;
};

const entry = (fields: Partial<LedgerEntry>): LedgerEntry => ({
	time: new Date().toISOString(),
	action: 'upgrade',
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: 'kasmweb/sidecar:amd64-1.2-rolling',
	tag: 'amd64-1.2-rolling',
	identity: {diffIds: []},
	outcome: 'ok',
	user: 'ops',
	version: '0.0.0',
	...fields,
});

test('a flow whose undo failed stays unfinished until recover settles it', () => {
	const ledger = new Ledger(folder());
	ledger.append(entry({attempt: 'a1', outcome: 'started'}));
	ledger.append(entry({attempt: 'a1', outcome: 'failed', error: 'the daemon went away'}));
	assert.equal(ledger.unfinished(entry({}).name)?.attempt, 'a1', 'a failed undo is for recover to finish');
	ledger.append(entry({attempt: 'a1', action: 'recover', outcome: 'restored'}));
	assert.equal(ledger.unfinished(entry({}).name), undefined);
});

test('a ledger folder another user owns is refused, one that root owns is not', () => {
	const owned = folder();
	fs.chmodSync(owned, 0o700);
	new Ledger(owned).assertUsable();
	fs.chownSync(owned, 65_534, 65_534);
	assert.throws(() => new Ledger(owned).assertUsable(), (error: unknown) => error instanceof LedgerUnusable && /owned by another user \(uid 65534\)/.test(error.message));
});

test('a Docker host that could never be reached is bad input before any connection: too long a socket path or host name', () => {
	for (const host of [`unix:///${'s'.repeat(120)}.sock`, `/${'s'.repeat(120)}`, `tcp://${'a'.repeat(64)}.example:2375`, `tcp://${'a.'.repeat(130)}b:2375`, `ssh://ops@${'h'.repeat(300)}`]) {
		assert.throws(() => parseHost(host, 'flag'), BadInput, host.slice(0, 40));
	}

	assert.equal(parseHost(`unix:///${'s'.repeat(90)}.sock`, 'flag').transport.kind, 'unix');
});

test("the address shown for a host is safe to print: the operator's escapes are gone", () => {
	const target = parseHost('unix:///run/\u001B]0;title\u0007docker\u001B[2J.sock', 'flag');
	assert.equal(target.address, 'unix:///run/docker.sock');
	assert.equal(target.transport.kind === 'unix' && target.transport.socketPath, '/run/\u001B]0;title\u0007docker\u001B[2J.sock', 'the socket itself is the one named');
});

test('a registry host that fits the grammar but no URL (it ends in a number) is not a reference', () => {
	for (const reference of ['q1.83/repo:tag', 'x3yandx4.22/a/b', 'registry.07/x']) {
		assert.throws(() => parseReference(reference), BadInput, reference);
	}

	assert.equal(parseReference('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2').registry, '127.0.0.1:5000');
	assert.equal(parseReference('registry.example.com/x').registry, 'registry.example.com');
});
