import assert from 'node:assert/strict';
import {test} from 'node:test';
import {BadInput} from '../../source/errors.js';
import {orderRollout, rolloutExitCode, stopReason, type HostOutcome, type HostVerdict} from '../../source/flows/rollout-plan.js';

const ready = (host: string): HostVerdict => ({host});
const skip = (host: string, kind: NonNullable<HostVerdict['skip']>['kind'], reason: string = kind): HostVerdict => ({host, skip: {kind, reason}});
const stagesOf = (verdicts: HostVerdict[], options = {}) => orderRollout(verdicts, options).stages.map(stage => `${stage.kind}:${stage.hosts.join('+')}`);

test('canaries go first, one at a time and in the order given; then the rest in batches of one by default', () => {
	const hosts = ['a', 'b', 'c', 'd', 'e'].map(name => ready(name));
	assert.deepEqual(stagesOf(hosts), ['batch:a', 'batch:b', 'batch:c', 'batch:d', 'batch:e']);
	assert.deepEqual(stagesOf(hosts, {canaries: ['d', 'b']}), ['canary:d', 'canary:b', 'batch:a', 'batch:c', 'batch:e']);
	assert.deepEqual(stagesOf(hosts, {canaries: ['d', 'd']}), ['canary:d', 'batch:a', 'batch:b', 'batch:c', 'batch:e'], 'a canary named twice runs once');
});

test('--batch N changes N hosts at once after the canaries, the last batch what is left', () => {
	const hosts = ['a', 'b', 'c', 'd', 'e', 'f'].map(name => ready(name));
	assert.deepEqual(stagesOf(hosts, {canaries: ['a'], batch: 2}), ['canary:a', 'batch:b+c', 'batch:d+e', 'batch:f']);
	assert.deepEqual(stagesOf(hosts, {batch: 10}), ['batch:a+b+c+d+e+f']);
	assert.throws(() => orderRollout(hosts, {batch: 0}), BadInput);
});

test('skipped hosts are in no stage; a canary that would not be changed refuses the rollout, unless it is already at the build', () => {
	const hosts = [ready('a'), skip('b', 'in-use', 'in use by 1 volume (data)'), skip('c', 'unreachable'), skip('d', 'current'), ready('e')];
	assert.deepEqual(stagesOf(hosts), ['batch:a', 'batch:e']);
	const refused = orderRollout(hosts, {canaries: ['b']});
	assert.deepEqual(refused.stages, []);
	assert.match(refused.refusal ?? '', /the canary b would not be changed \(in use by 1 volume \(data\)\)/);
	assert.match(orderRollout(hosts, {canaries: ['c']}).refusal ?? '', /canary c/);
	assert.deepEqual(stagesOf(hosts, {canaries: ['d', 'e']}), ['canary:e', 'batch:a']);
});

test('a canary that is not a host of the rollout is bad input naming the hosts', () => {
	assert.throws(
		() => orderRollout([ready('a'), ready('b')], {canaries: ['zz']}),
		(error: unknown) => error instanceof BadInput && /--canary zz: not a host of this rollout \(a, b\)/.test(error.message),
	);
});

test('a failed canary stops the rollout whatever --max-failed says; batches stop once failures pass --max-failed', () => {
	assert.match(stopReason({kind: 'canary', hosts: ['a']}, ['a'], 1, 5) ?? '', /the canary a failed/);
	assert.equal(stopReason({kind: 'canary', hosts: ['a']}, [], 0, 0), undefined);
	assert.equal(stopReason({kind: 'batch', hosts: ['b']}, [], 0, 0), undefined);
	assert.match(stopReason({kind: 'batch', hosts: ['b']}, ['b'], 1, 0) ?? '', /1 host failed, more than --max-failed 0/);
	assert.equal(stopReason({kind: 'batch', hosts: ['b']}, ['b'], 1, 1), undefined, '--max-failed 1 goes on past one');
	assert.match(stopReason({kind: 'batch', hosts: ['c', 'd']}, ['c', 'd'], 2, 1) ?? '', /2 hosts failed/);
});

const outcome = (result: HostOutcome['result'], skipKind?: HostOutcome['skipKind']): HostOutcome => ({host: 'h', result, skipKind});

test('exit 0 only when every host that was not skipped is done; 1 when any failed or was not started; 4 when one was not put back; 3 when every host was refused', () => {
	assert.equal(rolloutExitCode([outcome('done'), outcome('skipped', 'in-use'), outcome('skipped', 'unreachable')]), 0);
	assert.equal(rolloutExitCode([outcome('done'), outcome('restored')]), 1);
	assert.equal(rolloutExitCode([outcome('done'), outcome('failed'), outcome('restored')]), 4, 'a host left half-done says so, as a single-host change does');
	assert.equal(rolloutExitCode([outcome('restored'), outcome('not-started')]), 1);
	assert.equal(rolloutExitCode([outcome('skipped', 'in-use'), outcome('skipped', 'refused')]), 3);
	assert.equal(rolloutExitCode([outcome('skipped', 'in-use'), outcome('skipped', 'current')]), 3);
	assert.equal(rolloutExitCode([outcome('skipped', 'current'), outcome('skipped', 'same-daemon')]), 0, 'nothing needed doing');
	assert.equal(rolloutExitCode([outcome('skipped', 'unreachable'), outcome('skipped', 'in-use')]), 1, 'a host that could not be reached is a failure, not a refusal');
});
