import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {pickHosts, selectHosts, splitHostFlag} from '../../source/hosts/selection.js';
import {BadInput} from '../../source/errors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-hosts-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));

function contextsFolder(contexts: Record<string, string>): string {
	const folder = fs.mkdtempSync(path.join(root, 'config-'));
	for (const [name, host] of Object.entries(contexts)) {
		const meta = path.join(folder, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
		fs.mkdirSync(meta, {recursive: true});
		fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: host}}}));
	}

	return folder;
}

const settingsHosts = [
	{name: 'agent-1', address: 'ssh://ops@kasm-agent-1', group: 'east'},
	{name: 'agent-2', address: 'ssh://kasm-agent-2', group: 'west'},
	{name: 'agent-3', address: 'tcp://10.0.0.3:2375', group: 'east'},
];
const names = (hosts: Array<{name: string}>) => hosts.map(host => host.name);

test('--host takes NAME=ADDRESS or a bare address, named after its host', () => {
	const hosts = selectHosts({hosts: ['canary=ssh://ops@kasm-agent-1:2222', 'ssh://kasm-agent-2', 'tcp://10.0.0.3:2375', 'unix:///var/run/docker.sock', '/run/other.sock']}, {env: {}});
	assert.deepEqual(names(hosts), ['canary', 'kasm-agent-2', '10.0.0.3:2375', 'local', '/run/other.sock']);
	assert.equal(hosts[0]!.target.address, 'ssh://ops@kasm-agent-1:2222');
	assert.equal(hosts[0]!.target.source, 'flag');
	assert.deepEqual(splitHostFlag('unix:///tmp/a=b.sock'), {address: 'unix:///tmp/a=b.sock'});
});

test('--context and --all-contexts take the docker contexts, named as the contexts are', () => {
	const configDir = contextsFolder({'agent-b': 'ssh://kasm-b', 'agent-a': 'tcp://10.0.0.9:2375'});
	assert.deepEqual(names(selectHosts({contexts: ['agent-b']}, {env: {}, configDir})), ['agent-b']);
	const all = selectHosts({allContexts: true, hosts: ['local=unix:///var/run/docker.sock']}, {env: {}, configDir});
	assert.deepEqual(names(all), ['local', 'agent-a', 'agent-b']);
	assert.equal(all[1]!.target.source, 'context');
	assert.throws(() => selectHosts({allContexts: true}, {env: {}, configDir: contextsFolder({})}), /no docker context/);
});

test('without flags the settings\' hosts are the fleet, and --group picks a group of them', () => {
	assert.deepEqual(names(selectHosts({}, {env: {}, settingsHosts})), ['agent-1', 'agent-2', 'agent-3']);
	const east = selectHosts({group: 'east'}, {env: {}, settingsHosts});
	assert.deepEqual(names(east), ['agent-1', 'agent-3']);
	assert.equal(east[0]!.group, 'east');
	assert.equal(east[0]!.target.source, 'settings');
	assert.throws(() => selectHosts({group: 'north'}, {env: {}, settingsHosts}), (error: unknown) => error instanceof BadInput && /groups: east, west/.test(error.message));
	assert.throws(() => selectHosts({group: 'east', hosts: ['ssh://x']}, {env: {}, settingsHosts}), /--group picks from the settings/);
});

test('with no flags and no settings the fleet is the one daemon a single-host command would use', () => {
	const [only, ...rest] = selectHosts({}, {env: {DOCKER_HOST: 'ssh://ops@kasm-agent-9'}, configDir: path.join(root, 'none')});
	assert.equal(rest.length, 0);
	assert.equal(only!.name, 'kasm-agent-9');
	assert.equal(only!.target.source, 'env');
});

test('a name or an address given twice, or a name that is not one, is bad input naming it', () => {
	assert.throws(() => selectHosts({hosts: ['a=ssh://x', 'a=ssh://y']}, {env: {}}), /two hosts are named a/);
	assert.throws(() => selectHosts({hosts: ['ssh://x', 'b=ssh://x']}, {env: {}}), /ssh:\/\/x is given twice/);
	assert.throws(() => selectHosts({hosts: ['ssh://ops@x', 'ssh://root@x']}, {env: {}}), /two hosts are named x: name each/);
	assert.throws(() => selectHosts({hosts: ['bad name!=ssh://x']}, {env: {}}), /is not a host name/);
});

test('hosts named on the command line are picked in the fleet\'s order; an unknown one is bad input listing the fleet', () => {
	const fleet = selectHosts({}, {env: {}, settingsHosts});
	assert.deepEqual(names(pickHosts(fleet, ['agent-3', 'agent-1'])), ['agent-1', 'agent-3']);
	assert.deepEqual(names(pickHosts(fleet, [])), ['agent-1', 'agent-2', 'agent-3']);
	assert.throws(() => pickHosts(fleet, ['agent-9']), /no host named agent-9 in the fleet \(agent-1, agent-2, agent-3\)/);
});
