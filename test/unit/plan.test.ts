import assert from 'node:assert/strict';
import {test} from 'node:test';
import {isRolling} from '../../source/rolling.js';
import {isImmutableTag, previousBuild} from '../../source/flows/builds.js';
import {comparePrivileges, dockerCommand, pinnedName} from '../../source/flows/plan.js';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import type {Plugin} from '../../source/docker/plugins.js';

test('a pinned name drops the rolling identifier and names the release', () => {
	assert.equal(pinnedName('kasmweb/sidecar:amd64-1.2-rolling', 'amd64-1.2.1'), 'kasmweb/sidecar:amd64-1.2.1');
	assert.equal(pinnedName('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2-rolling', 'amd64-1.2.9'), '127.0.0.1:5000/kasmweb/sidecar:amd64-1.2.9');
	assert.equal(pinnedName('kasmweb/sidecar:amd64-1.2.1', 'amd64-1.2.0'), 'kasmweb/sidecar:amd64-1.2.0');
	// Kasm's rule reads the whole name: a -rolling in the repository would keep it rolling.
	const pinned = pinnedName('team/sidecar-rolling-edge:amd64-1.2-rolling', 'amd64-1.2.1');
	assert.equal(isRolling(pinned), false);
	assert.equal(pinned, 'team/sidecar:amd64-1.2.1');
});

test('only full release versions are immutable tags', () => {
	assert.equal(isImmutableTag('amd64-1.2.10'), true);
	assert.equal(isImmutableTag('amd64-1.3.0-rc.1'), true);
	assert.equal(isImmutableTag('amd64-1.2'), false);
	assert.equal(isImmutableTag('amd64-1.2-rolling'), false);
	assert.equal(isImmutableTag('latest'), false);
});

const plugin = (diffIds: string[], tag = 'amd64-1.2-rolling'): Plugin => ({
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: `kasmweb/sidecar:${tag}`,
	tag,
	id: 'x',
	enabled: true,
	rolling: true,
	description: '',
	types: [],
	privileges: [],
	socket: 'kasm.sock',
	diffIds,
});
const entry = (fields: Partial<LedgerEntry>): LedgerEntry => ({
	time: '2026-01-01T00:00:00.000Z',
	action: 'upgrade',
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: 'kasmweb/sidecar:amd64-1.2-rolling',
	tag: 'amd64-1.2-rolling',
	identity: {diffIds: []},
	outcome: 'ok',
	user: 'ops',
	version: '0',
	...fields,
});

test('the previous build is the newest settled one with other content, even from the same tag', () => {
	const history = [
		entry({action: 'observed', identity: {diffIds: ['sha256:a']}}),
		entry({identity: {diffIds: ['sha256:b']}}),
		entry({outcome: 'failed', identity: {diffIds: ['sha256:c']}}),
		entry({outcome: 'started', identity: {diffIds: ['sha256:d']}}),
	];
	assert.deepEqual(previousBuild(history, plugin(['sha256:b']))?.identity.diffIds, ['sha256:a']);
	assert.equal(previousBuild(history.slice(0, 1), plugin(['sha256:a'])), undefined);
});

test('entries without content identity fall back to an immutable tag other than the current one', () => {
	const history = [entry({tag: 'amd64-1.2.1'}), entry({tag: 'amd64-1.2-rolling'})];
	assert.equal(previousBuild(history, plugin([]))?.tag, 'amd64-1.2.1');
});

test('a change of privileges between builds is found, in both directions', () => {
	const changes = comparePrivileges(
		[{name: 'network', description: '', value: ['host']}],
		[
			{name: 'network', description: '', value: ['host']},
			{name: 'capabilities', description: '', value: ['CAP_NET_ADMIN']},
		],
	);
	assert.deepEqual(changes.added.map(privilege => privilege.name), ['capabilities']);
	assert.deepEqual(changes.removed, []);
});

test('each step shows the docker command it equals', () => {
	assert.equal(dockerCommand({kind: 'upgrade', name: 'a:1', remote: 'r/a:2', privileges: []}), 'docker plugin upgrade --grant-all-permissions a:1 r/a:2');
	assert.equal(dockerCommand({kind: 'install', name: 'a:1', remote: 'r/a:1', privileges: []}), 'docker plugin install --disable --grant-all-permissions --alias a:1 r/a:1');
});
