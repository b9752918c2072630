import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {PluginWithUsage} from '../../source/docker/usage.js';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {versionChoices, versionMarks} from '../../source/app/content/version-choices.js';

const build = (digit: string) => [`sha256:${digit.repeat(64)}`];

const entry = (time: string, tag: string, digit: string, outcome: LedgerEntry['outcome'] = 'ok'): LedgerEntry => ({
	time,
	action: 'upgrade',
	name: 'kasmweb/sidecar:amd64-1.2-rolling',
	reference: `kasmweb/sidecar:${tag}`,
	tag,
	identity: {diffIds: build(digit)},
	outcome,
	user: 'ops',
	version: '0.1.0',
});

const plugin = {name: 'kasmweb/sidecar:amd64-1.2-rolling', tag: 'amd64-1.2-rolling', diffIds: build('3')} as PluginWithUsage;

const details = {
	// Newest first, as the detail keeps it; a rolling entry is told by the release that holds its build.
	history: [
		entry('2026-11-20T08:00:00.000Z', 'amd64-1.2-rolling', '3'),
		entry('2026-11-10T08:00:00.000Z', 'amd64-1.2-rolling', '7', 'restored'),
		entry('2026-10-02T08:00:00.000Z', 'amd64-1.2.9', '9'),
		entry('2026-09-01T08:00:00.000Z', 'amd64-1.2.0', '0'),
	],
	tags: ['amd64-1.3.0-rc.1', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1.2-rolling', 'arm64-1.2.10'],
	installedBuild: ['amd64-1.2.10'],
	latestPatch: 'amd64-1.2.10',
	previousTag: 'amd64-1.2.9',
	releaseOf: {[build('3').join(',')]: 'amd64-1.2.10', [build('9').join(',')]: 'amd64-1.2.9'},
};

test('the picker marks the installed build, the latest patch, the previous one, pre-releases, rolling tags and another architecture', () => {
	const marks = Object.fromEntries(versionMarks({tags: details.tags, arch: 'amd64', plugin, details}).map(({value, marks}) => [value, marks]));
	assert.deepEqual(marks['amd64-1.3.0-rc.1'], ['pre-release']);
	assert.deepEqual(marks['amd64-1.2.10'], ['installed build', 'latest patch', 'history 2026-11-20'], 'a rolling entry counts for the release that holds its build');
	assert.deepEqual(marks['amd64-1.2.9'], ['previous', 'history 2026-10-02']);
	assert.deepEqual(marks['amd64-1.2-rolling'], ['installed from, has moved on since', 'rolling'], 'the tag it came from now names another build');
	assert.deepEqual(marks['arm64-1.2.10'], ['another architecture (arm64)']);
});

test("the picker lists the history's versions with their dates, those the registry no longer has after its tags", () => {
	const choices = versionChoices({tags: details.tags, arch: 'amd64', plugin, details});
	assert.deepEqual(
		choices.map(choice => choice.value),
		['amd64-1.3.0-rc.1', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1.2-rolling', 'arm64-1.2.10', 'amd64-1.2.0'],
	);
	assert.equal(choices.at(-1)!.label, 'amd64-1.2.0        history 2026-09-01 · no longer in the registry');
	assert.doesNotMatch(choices.map(choice => choice.label).join('\n'), /2026-11-10/, 'a change that was put back is no version it ran');
	// The marks stand in one column, after the longest tag.
	assert.equal(new Set(choices.filter(choice => choice.label.includes('  ')).map(choice => choice.label.search(/ {2}\S/))).size, 1);
});

test('for a new install the tags of a repository are marked by what they are alone; a plain version has no architecture to differ', () => {
	const marks = versionMarks({tags: ['2.0.3', '2.1.0-beta.1', 'arm64-2.0.3', 'amd64-2.0.3'], arch: 'amd64'});
	assert.deepEqual(
		marks.map(({value, marks}) => [value, marks]),
		[
			['2.0.3', []],
			['2.1.0-beta.1', ['pre-release']],
			['arm64-2.0.3', ['another architecture (arm64)']],
			['amd64-2.0.3', []],
		],
	);
});

test('a build a moving tag named that no release tag holds is offered by its digest, the previous one marked; the build it runs is not offered', () => {
	const gone = `sha256:${'5'.repeat(64)}`;
	const running = `sha256:${'3'.repeat(64)}`;
	const withDigests = {
		...details,
		history: [
			{...entry('2026-11-20T08:00:00.000Z', 'amd64-1.2-rolling', '3'), identity: {diffIds: build('3'), digest: running}},
			{...entry('2026-08-01T08:00:00.000Z', 'amd64-1.2-rolling', '5'), identity: {diffIds: build('5'), digest: gone}},
		],
		// What the detail's read makes of it: no release holds build 5, so its digest names it.
		previousTag: gone,
	};
	const choices = versionChoices({tags: details.tags, arch: 'amd64', plugin, details: withDigests});
	assert.deepEqual(choices.at(-1), {value: gone, label: 'amd64-1.2-rolling @ 555555555555  previous · history build 2026-08-01'});
	assert.equal(choices.filter(choice => choice.value.startsWith('sha256:')).length, 1, 'the running build, which a release holds, is offered by its tag');
	assert.doesNotMatch(choices.find(choice => choice.value === 'amd64-1.2-rolling')!.label, /history/, 'the moving tag is not the build the history had');
});

test('a fleet\'s picker leaves out the builds only a digest names: one host\'s history builds are not another\'s; its tags stay', () => {
	const gone = `sha256:${'5'.repeat(64)}`;
	const withDigest = {
		...details,
		history: [...details.history, {...entry('2026-08-01T08:00:00.000Z', 'amd64-1.2-rolling', '5'), identity: {diffIds: build('5'), digest: gone}}],
	};
	const alone = versionChoices({tags: details.tags, arch: 'amd64', plugin, details: withDigest});
	const fleet = versionChoices({tags: details.tags, arch: 'amd64', plugin, details: withDigest, builds: false});
	assert.ok(alone.some(choice => choice.value === gone), 'one host offers its history build');
	assert.deepEqual(
		fleet.map(choice => choice.value),
		alone.map(choice => choice.value).filter(value => value !== gone),
	);
});
