import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {relateDaemons, sharedEngineIdWarning} from '../../source/docker/identity.js';
import {hostLedgerDirectory} from '../../source/ledger/hosts.js';
import {Ledger} from '../../source/ledger/ledger.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-ledger-hosts-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));
const folder = () => fs.mkdtempSync(path.join(root, 'ledger-'));
const local = {id: 'AAAA:BBBB:CCCC', name: 'kasm-web-1', dataRoot: '/var/lib/docker', address: 'unix:///var/run/docker.sock', local: true};
const remote = {id: '3f1c8a52-0d6e-4c5e-9c61-4a0f7d0b1e2a', name: 'kasm-agent-2', dataRoot: '/var/lib/docker', address: 'ssh://kasm-agent-2', local: false};
/** A machine made from the same image as `remote`: its engine ID, another host name. */
const clone = {...remote, name: 'kasm-agent-3', address: 'ssh://kasm-agent-3'};

function writeEntry(directory: string, name: string, user = 'ops') {
	new Ledger(directory).append({time: '2026-01-01T00:00:00.000Z', action: 'observed', name, reference: `${name}`, tag: 'amd64-1.2.9', identity: {diffIds: ['sha256:a']}, outcome: 'ok', user, version: '0.1.0'});
}

const claimOf = (directory: string) => JSON.parse(fs.readFileSync(path.join(directory, 'daemon.json'), 'utf8')) as Record<string, unknown>;
/** A claim as the release before names were recorded wrote it: the ID alone. */
function writeIdOnlyClaim(directory: string, id: string, address: string) {
	fs.mkdirSync(directory, {recursive: true, mode: 0o700});
	fs.writeFileSync(path.join(directory, 'daemon.json'), JSON.stringify({id, address, since: '2026-06-01T00:00:00.000Z'}) + '\n', {mode: 0o600});
}

const cloneFolder = (ledger: string, daemon: {id: string; name: string; dataRoot: string}) =>
	path.join(ledger, 'hosts', `${daemon.id}-${createHash('sha256').update(`${daemon.name}\0${daemon.dataRoot}`).digest('hex').slice(0, 12)}`);

test('the ledger folder of before the fleet stays the local daemon\'s: nothing moves, and it is claimed by its ID, name and data root', () => {
	const ledger = folder();
	writeEntry(ledger, 'kasmweb/sidecar:amd64-1.2-rolling');
	const before = fs.readdirSync(ledger).sort();
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	assert.equal(new Ledger(ledger).read('kasmweb/sidecar:amd64-1.2-rolling').entries.length, 1);
	assert.deepEqual(fs.readdirSync(ledger).sort(), [...before, 'daemon.json'].sort());
	assert.deepEqual({...claimOf(ledger), since: undefined}, {id: local.id, name: local.name, dataRoot: local.dataRoot, address: local.address, since: undefined});
});

test('the same daemon at another address finds the same folder; another daemon gets hosts/<its ID>', () => {
	const ledger = folder();
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	assert.equal(hostLedgerDirectory(ledger, {...local, address: 'ssh://localhost', local: false}), ledger);
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.equal(hostLedgerDirectory(ledger, {...remote, address: 'tcp://10.0.0.7:2376'}), path.join(ledger, 'hosts', remote.id));
	// A second local daemon (rootless docker beside the system's) is another host too.
	const other = {...local, id: 'DDDD:EEEE:FFFF', dataRoot: '/home/ops/.local/share/docker', address: 'unix:///run/user/1000/docker.sock'};
	assert.equal(hostLedgerDirectory(ledger, other), path.join(ledger, 'hosts', other.id));
	assert.equal(claimOf(path.join(ledger, 'hosts', remote.id)).id, remote.id);
});

test('two machines cloned from one image (one engine ID, another name or data root) keep two ledgers; the folder of each follows from who it is', () => {
	const ledger = folder();
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.equal(hostLedgerDirectory(ledger, clone), cloneFolder(ledger, clone));
	const movedRoot = {...remote, dataRoot: '/srv/docker', address: 'ssh://kasm-agent-4'};
	assert.equal(hostLedgerDirectory(ledger, movedRoot), cloneFolder(ledger, movedRoot));
	assert.notEqual(cloneFolder(ledger, movedRoot), cloneFolder(ledger, clone));
	// Asked again, at any address, each finds its own: the folder is a function of the identity and what is on disk.
	assert.equal(hostLedgerDirectory(ledger, {...clone, address: 'tcp://10.0.0.8:2376'}), cloneFolder(ledger, clone));
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.deepEqual([claimOf(cloneFolder(ledger, clone)).name, claimOf(cloneFolder(ledger, clone)).dataRoot], [clone.name, clone.dataRoot]);
	writeEntry(hostLedgerDirectory(ledger, remote), 'p', 'on-agent-2');
	writeEntry(hostLedgerDirectory(ledger, clone), 'p', 'on-agent-3');
	assert.deepEqual(new Ledger(hostLedgerDirectory(ledger, remote)).read('p').entries.map(entry => entry.user), ['on-agent-2']);
	assert.deepEqual(new Ledger(hostLedgerDirectory(ledger, clone)).read('p').entries.map(entry => entry.user), ['on-agent-3']);
});

test('the local daemon and a clone of its machine: the clone never takes the local ledger folder', () => {
	const ledger = folder();
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	const cloneOfLocal = {...local, name: 'kasm-web-2', address: 'ssh://kasm-web-2', local: false};
	assert.equal(hostLedgerDirectory(ledger, cloneOfLocal), path.join(ledger, 'hosts', local.id));
	// A second daemon of this machine started from a copy of the first one's data root.
	const copied = {...local, dataRoot: '/srv/docker', address: 'unix:///srv/docker.sock'};
	assert.equal(hostLedgerDirectory(ledger, copied), cloneFolder(ledger, copied));
});

test('hosts/<ID>/ of the release before names were recorded is bound to the first daemon of that ID that finds it: its entries stay its, the clone gets a folder of its own', () => {
	const ledger = folder();
	const legacy = path.join(ledger, 'hosts', remote.id);
	writeIdOnlyClaim(legacy, remote.id, remote.address);
	writeEntry(legacy, 'p', 'earlier-operator');
	assert.equal(hostLedgerDirectory(ledger, remote), legacy);
	assert.deepEqual([claimOf(legacy).id, claimOf(legacy).name, claimOf(legacy).dataRoot, claimOf(legacy).address], [remote.id, remote.name, remote.dataRoot, remote.address]);
	assert.equal(hostLedgerDirectory(ledger, clone), cloneFolder(ledger, clone));
	assert.equal(hostLedgerDirectory(ledger, remote), legacy, 'bound for good');
	assert.deepEqual(new Ledger(legacy).read('p').entries.map(entry => entry.user), ['earlier-operator']);
	assert.deepEqual(new Ledger(cloneFolder(ledger, clone)).read('p').entries, []);
	assert.deepEqual(fs.readdirSync(legacy).sort(), ['daemon.json', 'p.jsonl'], 'nothing left behind by the binding');
});

test('whichever clone comes first binds an old hosts/<ID>/, and the other is then kept apart', () => {
	const ledger = folder();
	const legacy = path.join(ledger, 'hosts', remote.id);
	writeIdOnlyClaim(legacy, remote.id, remote.address);
	assert.equal(hostLedgerDirectory(ledger, clone), legacy);
	assert.equal(hostLedgerDirectory(ledger, remote), cloneFolder(ledger, remote));
	assert.equal(claimOf(legacy).name, clone.name);
});

test('a claim in hosts/ cut short by a crash still names its folder\'s ID: the first daemon of that ID binds it, and its entries are read', () => {
	const ledger = folder();
	const cut = path.join(ledger, 'hosts', remote.id);
	fs.mkdirSync(cut, {recursive: true, mode: 0o700});
	fs.writeFileSync(path.join(cut, 'daemon.json'), '', {mode: 0o600});
	writeEntry(cut, 'p', 'before-the-crash');
	assert.equal(hostLedgerDirectory(ledger, remote), cut);
	assert.equal(claimOf(cut).name, remote.name);
	assert.deepEqual(new Ledger(cut).read('p').entries.map(entry => entry.user), ['before-the-crash']);
	assert.equal(hostLedgerDirectory(ledger, clone), cloneFolder(ledger, clone));
});

test('the ledger folder\'s own claim of the release before is bound by the local daemon, never by a clone of its machine reached from afar', () => {
	const ledger = folder();
	writeIdOnlyClaim(ledger, local.id, local.address);
	writeEntry(ledger, 'p', 'earlier-operator');
	const cloneOfLocal = {...local, name: 'kasm-web-2', address: 'ssh://kasm-web-2', local: false};
	assert.equal(hostLedgerDirectory(ledger, cloneOfLocal), path.join(ledger, 'hosts', local.id));
	assert.equal(claimOf(ledger).name, undefined, 'still unbound');
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
	assert.equal(claimOf(ledger).name, local.name);
	assert.equal(hostLedgerDirectory(ledger, {...local, address: 'ssh://kasm-web-1', local: false}), ledger, 'the local daemon over ssh');
	assert.deepEqual(new Ledger(ledger).read('p').entries.map(entry => entry.user), ['earlier-operator']);
});

test('the local daemon reached over ssh:// before it is reached over its socket binds the old claim by its host name', () => {
	const ledger = folder();
	writeIdOnlyClaim(ledger, local.id, local.address);
	const overSsh = {...local, name: os.hostname(), address: 'ssh://localhost', local: false};
	assert.equal(hostLedgerDirectory(ledger, overSsh), ledger);
	assert.equal(claimOf(ledger).name, os.hostname());
	assert.equal(hostLedgerDirectory(ledger, {...overSsh, address: 'unix:///var/run/docker.sock', local: true}), ledger);
});

test('a remote daemon never takes the folder of the local one, even before the local one claimed it', () => {
	const ledger = folder();
	assert.equal(hostLedgerDirectory(ledger, remote), path.join(ledger, 'hosts', remote.id));
	assert.ok(!fs.existsSync(path.join(ledger, 'daemon.json')));
	assert.equal(hostLedgerDirectory(ledger, local), ledger);
});

test('read-only writes no claim nor binds an old one, and finds the folder a change would', () => {
	const ledger = folder();
	writeEntry(ledger, 'a');
	assert.equal(hostLedgerDirectory(ledger, local, {claim: false}), ledger);
	assert.equal(hostLedgerDirectory(ledger, remote, {claim: false}), path.join(ledger, 'hosts', remote.id));
	assert.deepEqual(fs.readdirSync(ledger), ['a.jsonl']);
	const legacy = path.join(ledger, 'hosts', remote.id);
	writeIdOnlyClaim(legacy, remote.id, remote.address);
	const text = fs.readFileSync(path.join(legacy, 'daemon.json'), 'utf8');
	assert.equal(hostLedgerDirectory(ledger, remote, {claim: false}), legacy);
	assert.equal(fs.readFileSync(path.join(legacy, 'daemon.json'), 'utf8'), text);
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

test('hosts of a fleet: the same daemon twice is one, a clone is told apart with a warning that names both', () => {
	const a = {id: 'X', name: 'agent-a', dataRoot: '/var/lib/docker'};
	const relations = relateDaemons([
		{name: 'agent-a', identity: a},
		{name: 'agent-b', identity: {id: 'Y', name: 'agent-b', dataRoot: '/var/lib/docker'}},
		{name: 'agent-c', identity: {...a, name: 'agent-c'}},
		{name: 'agent-a-again', identity: {...a}},
		{name: 'down'},
		{name: 'agent-d', identity: {...a, dataRoot: '/srv/docker'}},
	]);
	assert.deepEqual(relations, [{}, {}, {sharesEngineIdWith: 'agent-a'}, {sameDaemonAs: 'agent-a'}, {}, {sharesEngineIdWith: 'agent-a'}]);
	assert.equal(sharedEngineIdWarning('agent-c', 'agent-a'), "agent-c reports agent-a's engine ID: a machine cloned from one image? both are kept apart by name and data root");
});
