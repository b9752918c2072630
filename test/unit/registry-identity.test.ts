import assert from 'node:assert/strict';
import {test} from 'node:test';
import {mapLimited} from '../../source/limit.js';
import {candidateTags, sameBuild} from '../../source/registry/identity.js';
import {pickPlatform, toManifest, type ManifestIndex} from '../../source/registry/manifest.js';
import {hasWrittenTag} from '../../source/docker/reference.js';

const layer = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

test('two builds are the same only when every layer matches, in order', () => {
	assert.equal(sameBuild([layer(1), layer(2)], [layer(1), layer(2)]), true);
	assert.equal(sameBuild([layer(1), layer(2)], [layer(2), layer(1)]), false);
	assert.equal(sameBuild([layer(1)], [layer(1), layer(2)]), false);
	assert.equal(sameBuild([], []), false, 'an unknown build equals nothing');
});

test('only the tags of the installed line are read to find its build; a tag that is no version reads them all', () => {
	const tags = ['amd64-2.0.0', 'amd64-1.2-rolling', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1.1.0', 'amd64-1', 'arm64-1.2.10', 'latest'];
	assert.deepEqual(candidateTags(tags, 'amd64-1.2-rolling'), ['amd64-1.2-rolling', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1']);
	assert.deepEqual(candidateTags(tags, 'amd64-1.2.9'), ['amd64-1.2-rolling', 'amd64-1.2.10', 'amd64-1.2.9', 'amd64-1']);
	assert.deepEqual(candidateTags(tags, 'latest'), tags);
});

test('manifests are read with at most the given number in flight, results in order', async () => {
	let running = 0;
	let most = 0;
	const results = await mapLimited([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4, async n => {
		running++;
		most = Math.max(most, running);
		await new Promise(resolve => setTimeout(resolve, 5 + (n % 3)));
		running--;
		return n * 2;
	});
	assert.deepEqual(results, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
	assert.equal(most, 4);
	assert.deepEqual(await mapLimited([], 4, async n => n), []);
});

test('a multi-platform index gives the build of the asked platform, arm64 with or without v8', () => {
	const index = toManifest(
		{
			schemaVersion: 2,
			mediaType: 'application/vnd.oci.image.index.v1+json',
			manifests: [
				{digest: layer(1), platform: {os: 'linux', architecture: 'amd64'}},
				{digest: layer(2), platform: {os: 'linux', architecture: 'arm64', variant: 'v8'}},
				{digest: 'not-a-digest', platform: {os: 'linux', architecture: 's390x'}},
			],
		},
		null,
	) as ManifestIndex;
	assert.equal(index.kind, 'index');
	assert.equal(index.manifests.length, 2, 'an entry with a broken digest is dropped');
	assert.equal(pickPlatform(index, {os: 'linux', architecture: 'amd64'})?.digest, layer(1));
	assert.equal(pickPlatform(index, {os: 'linux', architecture: 'arm64'})?.digest, layer(2));
	assert.equal(pickPlatform(index, {os: 'linux', architecture: 'arm64', variant: 'v8'})?.digest, layer(2));
	assert.equal(pickPlatform(index, {os: 'linux', architecture: 'ppc64le'}), undefined);
});

test('a manifest we cannot read says why in a few words', () => {
	assert.equal(toManifest({schemaVersion: 1, fsLayers: []}, null), 'it is an old schema 1 manifest');
	assert.equal(toManifest({schemaVersion: 2, layers: []}, null), 'it names no config blob');
	assert.equal(toManifest('text', null), 'it is not a JSON object');
	const manifest = toManifest({schemaVersion: 2, config: {digest: layer(3), mediaType: 'application/vnd.docker.plugin.v1+json'}, layers: [{digest: layer(4)}]}, 'application/vnd.docker.distribution.manifest.v2+json');
	assert.deepEqual(manifest, {
		kind: 'manifest',
		mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
		config: {digest: layer(3), mediaType: 'application/vnd.docker.plugin.v1+json'},
		layers: [{digest: layer(4)}],
	});
});

test('a reference written without a tag is told apart from one written with :latest', () => {
	assert.equal(hasWrittenTag('kasmweb/sidecar'), false);
	assert.equal(hasWrittenTag('127.0.0.1:5000/kasmweb/sidecar'), false, 'a port is not a tag');
	assert.equal(hasWrittenTag('kasmweb/sidecar:latest'), true);
	assert.equal(hasWrittenTag('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2'), true);
	assert.equal(hasWrittenTag(`kasmweb/sidecar@sha256:${'a'.repeat(64)}`), false);
});
