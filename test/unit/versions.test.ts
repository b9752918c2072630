import assert from 'node:assert/strict';
import {test} from 'node:test';
import {BadInput} from '../../source/errors.js';
import {hostArch, latestTag, lineOf, parseVersionPrefix, parseVersionTag, sortTagsNewestFirst} from '../../source/registry/versions.js';

const kasmTags = [
	'amd64-1.1.0',
	'amd64-1.2.0',
	'amd64-1.2.1',
	'amd64-1.2.9',
	'amd64-1.2.10',
	'amd64-1.3.0-rc.1',
	'amd64-2.0.0',
	'arm64-1.2.10',
	'arm64-1.3.0',
	'amd64-1.2-rolling',
	'latest',
	'develop',
];

test('a Kasm tag reads as architecture and version, with or without the repository in front', () => {
	assert.deepEqual(parseVersionTag('amd64-1.2.10'), {
		tag: 'amd64-1.2.10',
		arch: 'amd64',
		major: 1,
		minor: 2,
		patch: 10,
		prerelease: '',
		rolling: false,
		version: '1.2.10',
	});
	assert.equal(parseVersionTag('kasmweb/sidecar:arm64-1.3.0')?.arch, 'arm64');
	assert.equal(parseVersionTag('127.0.0.1:5000/kasmweb/sidecar:x86_64-2')?.arch, 'x86_64');
	assert.equal(parseVersionTag('aarch64-1.2')?.minor, 2);
	assert.equal(parseVersionTag('aarch64-1.2')?.patch, undefined);
});

test('pre-releases and rolling tags are recognised as such', () => {
	assert.equal(parseVersionTag('amd64-1.3.0-rc.1')?.prerelease, 'rc.1');
	const rolling = parseVersionTag('amd64-1.2-rolling');
	assert.equal(rolling?.rolling, true);
	assert.equal(rolling?.version, '1.2');
	assert.equal(rolling?.prerelease, '');
	assert.equal(parseVersionTag('amd64-1.2-rolling-daily')?.rolling, true);
});

test('tags that are no version are not read as one', () => {
	for (const tag of ['latest', 'develop', 'amd64', 'amd64-rolling', 'AMD64-1.2.3', 'amd64-1.2.3.4', 'amd64-1.2.x', '-1.2']) {
		assert.equal(parseVersionTag(tag), undefined, tag);
	}
});

test('latest for arch-M.m is the newest patch of that line, compared as versions (1.2.10 beats 1.2.9)', () => {
	assert.equal(latestTag(kasmTags, 'amd64-1.2'), 'amd64-1.2.10');
	assert.equal(latestTag(['amd64-1.2.9', 'amd64-1.2.10', 'amd64-1.2.2'], 'amd64-1.2'), 'amd64-1.2.10');
	assert.equal(latestTag(kasmTags, 'amd64-1.1'), 'amd64-1.1.0');
	assert.equal(latestTag(kasmTags, 'kasmweb/sidecar:amd64-1.2'), 'amd64-1.2.10');
});

test('latest for arch-M is the newest release of that major version', () => {
	assert.equal(latestTag(kasmTags, 'amd64-1'), 'amd64-1.2.10');
	assert.equal(latestTag(kasmTags, 'amd64-2'), 'amd64-2.0.0');
	assert.equal(latestTag(kasmTags, 'arm64-1'), 'arm64-1.3.0');
	assert.equal(latestTag(['amd64-1.9.0', 'amd64-1.10.0', 'amd64-1.10.0-rc.2'], 'amd64-1'), 'amd64-1.10.0');
});

test('latest for a bare architecture is the newest release for it', () => {
	assert.equal(latestTag(kasmTags, 'amd64'), 'amd64-2.0.0');
	assert.equal(latestTag(kasmTags, 'arm64'), 'arm64-1.3.0');
	assert.equal(latestTag(kasmTags, 'x86_64'), undefined);
});

test('pre-releases, rolling tags and other architectures never win', () => {
	assert.equal(latestTag(kasmTags, 'amd64-1.3'), undefined, 'only a release candidate exists for 1.3');
	assert.equal(latestTag(['amd64-1.2.9', 'amd64-1.2.10-rc.1', 'amd64-1.2-rolling', 'arm64-1.2.11'], 'amd64-1.2'), 'amd64-1.2.9');
	assert.equal(latestTag(['amd64-1.2.9', 'amd64-1.2.99-rolling'], 'amd64-1.2'), 'amd64-1.2.9');
	assert.equal(latestTag(['arm64-1.2.10', 'latest'], 'amd64-1.2'), undefined);
	assert.equal(latestTag(['amd64-1.2', 'amd64-1'], 'amd64-1'), undefined, 'tags without a patch level are not releases');
});

test('a rolling tag asks about the line it rolls on', () => {
	assert.deepEqual(parseVersionPrefix('amd64-1.2-rolling'), {arch: 'amd64', major: 1, minor: 2, patch: undefined});
	assert.equal(latestTag(kasmTags, 'amd64-1.2-rolling'), 'amd64-1.2.10');
});

test('a prefix that is no architecture and version is bad input with one line', () => {
	for (const prefix of ['latest-', '1.2-', 'amd64-1.2.3-rc.1', '1.2.3-rc.1', 'amd64-x', '1.x', '']) {
		assert.throws(
			() => latestTag(kasmTags, prefix),
			(error: unknown) => error instanceof BadInput && error.exitCode === 2 && !error.message.includes('\n'),
			prefix,
		);
	}
});

test('tags sort newest version first, floating tags above their line, then the rest in their order', () => {
	assert.deepEqual(sortTagsNewestFirst(['develop', ...kasmTags.slice().reverse()]), [
		'amd64-2.0.0',
		'arm64-1.3.0',
		'amd64-1.3.0-rc.1',
		'amd64-1.2-rolling',
		'amd64-1.2.10',
		'arm64-1.2.10',
		'amd64-1.2.9',
		'amd64-1.2.1',
		'amd64-1.2.0',
		'amd64-1.1.0',
		'develop',
		'develop',
		'latest',
	]);
});

test('sorting compares numbers, not text, and keeps a release above its pre-releases', () => {
	assert.deepEqual(sortTagsNewestFirst(['amd64-1.2.9', 'amd64-1.2.10-beta', 'amd64-1.2.10', 'amd64-1.2.10-rc.2', 'amd64-1.2.10-rc.10']), [
		'amd64-1.2.10',
		'amd64-1.2.10-rc.10',
		'amd64-1.2.10-rc.2',
		'amd64-1.2.10-beta',
		'amd64-1.2.9',
	]);
});

test('the host architecture is spelled as registries spell it', () => {
	assert.equal(hostArch('x64'), 'amd64');
	assert.equal(hostArch('arm64'), 'arm64');
	assert.match(hostArch(), /^[a-z\d_]+$/);
});

const plainTags = ['1.15.2', '1.16.0', '1.16.1', '1.16.10', '1.16.9', '1.17.0-rc.1', '1.16-rolling', '1.16.11-rolling', '2', '2.0.1', '2.0.3', '2.1.0-beta', 'amd64-2.9.9', 'latest'];

test('latest understands tags without an architecture: repo:2 is the newest 2.x.y, repo:1.16 the newest 1.16.x', () => {
	assert.equal(latestTag(plainTags, 'registry/private/app:2'), '2.0.3');
	assert.equal(latestTag(plainTags, 'kasmweb/chrome:1.16'), '1.16.10');
	assert.equal(latestTag(plainTags, '1'), '1.16.10');
	assert.equal(latestTag(plainTags, '1.15'), '1.15.2');
	assert.equal(latestTag(plainTags, '1.16-rolling'), '1.16.10', 'a rolling tag asks about its line');
	assert.deepEqual(parseVersionPrefix('2'), {arch: '', major: 2, minor: undefined, patch: undefined});
});

test('for plain versions too, rolling tags, pre-releases and tags of an architecture never win', () => {
	assert.equal(latestTag(plainTags, '1.17'), undefined, 'only a release candidate exists for 1.17');
	assert.equal(latestTag(['2.0.1', '2.0.9-rolling', '2.1.0-beta'], '2'), '2.0.1');
	assert.equal(latestTag(['amd64-2.0.3'], '2'), undefined, 'a Kasm tag is not a plain version');
	assert.equal(latestTag(['2.0.3'], 'amd64-2'), undefined, 'and a plain version is not a Kasm tag');
	assert.equal(latestTag(kasmTags, 'amd64-1.2'), 'amd64-1.2.10', "Kasm's tags read as before");
});

test('the line of a tag is the prefix latest takes, with or without an architecture', () => {
	assert.equal(lineOf(parseVersionTag('amd64-1.2.9')!), 'amd64-1.2');
	assert.equal(lineOf(parseVersionTag('amd64-1.2-rolling')!), 'amd64-1.2');
	assert.equal(lineOf(parseVersionTag('1.16.0')!), '1.16');
	assert.equal(lineOf(parseVersionTag('2')!), '2');
	assert.equal(latestTag(plainTags, lineOf(parseVersionTag('1.16.0-rolling')!)), '1.16.10');
});
