import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {hostLedgerDirectory} from '../../source/ledger/hosts.js';
import {Ledger} from '../../source/ledger/ledger.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-ledger-hosts-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));
const folder = () => fs.mkdtempSync(path.join(root, 'ledger-'));
const local = {id: 'AAAA:BBBB:CCCC', address: 'unix:///var/run/docker.sock', local: true};
const remote = {id: '3f1c8a52-0d6e-4c5e-9c61-4a0f7d0b1e2a', address: 'ssh://kasm-agent-2', local: false};

function writeEntry(directory: string, name: string) {
	new Ledger(directory).append({time: '2026-01-01T00:00:00.000Z', action: 'observed', name, reference: `${name}`, tag: 'amd64-1.2.9', identity: {diffIds: ['sha256:a']}, outcome: 'ok', user: 'ops', version: '0.1.0'});
}

test('the ledger folder of before the fleet stays the local daemon\'s: nothing moves, and it is claimed by its ID', () => {
	const ledger = folder();
	writeEntry(ledger, 'kasmweb/sidecar:amd64-1.2-rolling');
	const before = fs.readdirSync(ledger).sort();
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	assert.equal(new Ledger(ledger).read('kasmweb/sidecar:amd64-1.2-rolling').entries.length, 1);
	assert.deepEqual(fs.readdirSync(ledger).sort(), [...before, 'daemon.json'].sort());
	assert.equal(JSON.parse(fs.readFileSync(path.join(ledger, 'daemon.json'), 'utf8')).id, local.id);
});

test('the same daemon at another address finds the same folder; another daemon gets hosts/<its ID>', () => {
	const ledger = folder();
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	assert.equal(hostLedgerDirectory(ledger, {...local, address: 'ssh://localhost', local: false}), ledger);
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.equal(hostLedgerDirectory(ledger, {...remote, address: 'tcp://10.0.0.7:2376'}), path.join(ledger, 'hosts', remote.id));
	// A second local daemon (rootless docker beside the system's) is another host too.
	const other = {...local, id: 'DDDD:EEEE:FFFF', address: 'unix:///run/user/1000/docker.sock'};
	assert.equal(hostLedgerDirectory(ledger, other), path.join(ledger, 'hosts', other.id));
	assert.equal(JSON.parse(fs.readFileSync(path.join(ledger, 'hosts', remote.id, 'daemon.json'), 'utf8')).id, remote.id);
});

test('a remote daemon never takes the folder of the local one, even before the local one claimed it', () => {
	const ledger = folder();
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.ok(!fs.existsSync(path.join(ledger, 'daemon.json')));
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
});

test('read-only writes no claim, and a folder that cannot be written still gives its history', () => {
	const ledger = folder();
	writeEntry(ledger, 'a');
	assert.equal(hostLedgerDirectory(ledger, local, {claim: false}), ledger);
	assert.equal(hostLedgerDirectory(ledger, remote, {claim: false}), path.join(ledger, 'hosts', remote.id));
	assert.deepEqual(fs.readdirSync(ledger), ['a.jsonl']);

});

test('a claim file edited to nonsense leaves the folder with the local daemon, as before the fleet', () => {
	const ledger = folder();
	writeEntry(ledger, 'a');
	fs.writeFileSync(path.join(ledger, 'daemon.json'), '{"id": "AAAA:BB');
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.equal(fs.readFileSync(path.join(ledger, 'daemon.json'), 'utf8'), '{"id": "AAAA:BB', 'not written over');
});

test('of two local daemons that find one folder unclaimed, the first keeps it and the second gets its own', () => {
	const ledger = folder();
	const other = {...local, id: 'DDDD:EEEE:FFFF'};
	const folders = [hostLedgerDirectory(ledger, local), hostLedgerDirectory(ledger, other)];
	assert.deepEqual(folders, [ledger, path.join(ledger, 'hosts', other.id)]);
});
