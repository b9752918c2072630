import assert from 'node:assert/strict';
import {test} from 'node:test';
import {apiVersionToSpeak, compareApiVersions, forgottenImages, isApiVersionTooNew, repoDigestsFromRegistry, testedApiVersions} from '../../source/docker/generation.js';

const digest = (hex: string) => `sha256:${hex.repeat(64).slice(0, 64)}`;

test('the API version spoken is the daemon\'s newest, never newer than the newest tested', () => {
	assert.equal(apiVersionToSpeak('1.41'), '1.41', 'Docker 20.10 is spoken to in its own');
	assert.equal(apiVersionToSpeak('1.45'), '1.45', 'Docker 26.1 likewise');
	assert.equal(apiVersionToSpeak('1.51'), '1.51', 'Docker 28.5 likewise');
	assert.equal(apiVersionToSpeak('1.52'), '1.51', 'Docker 29 in the newest we have run against (28.5\'s)');
	assert.ok(compareApiVersions(apiVersionToSpeak('1.52'), '1.44') >= 0, 'which Docker 29.0-29.2 still take: they refuse anything below 1.44');
	assert.equal(apiVersionToSpeak('2.0'), testedApiVersions.newest);
	assert.equal(apiVersionToSpeak('1.40'), '1.40', 'an older daemon in its own, not in one it would refuse');
	assert.equal(apiVersionToSpeak(undefined), '1.24', 'a daemon that names none, as the docker CLI does');
	assert.equal(apiVersionToSpeak('banana'), '1.24');
});

test('API versions compare as numbers, not as text', () => {
	assert.ok(compareApiVersions('1.9', '1.41') < 0);
	assert.ok(compareApiVersions('1.45', '1.41') > 0);
	assert.equal(compareApiVersions('1.41', '1.41'), 0);
});

test('"client version is too new" is recognised, so the version is agreed again', () => {
	assert.equal(isApiVersionTooNew({statusCode: 400, json: {message: 'client version 1.45 is too new. Maximum supported API version is 1.41'}}), true);
	assert.equal(isApiVersionTooNew({statusCode: 400, json: {message: 'invalid reference format'}}), false);
	assert.equal(isApiVersionTooNew({statusCode: 500, json: {message: 'client version 1.45 is too new'}}), false);
});

test('a build containers run that the listing forgot gets a row; one the listing has does not get two', () => {
	const listed = [{Id: digest('a')}];
	const rows = forgottenImages(listed, [{ImageID: digest('a')}, {ImageID: digest('b')}, {ImageID: digest('b')}, {ImageID: 'not-a-digest'}, {}]);
	assert.deepEqual(rows, [{Id: digest('b'), RepoTags: [], RepoDigests: [], Size: 0, Created: 0}]);
});

test('RepoDigests are a registry\'s word on the classic store, and only names on the containerd store', () => {
	// Classic: the id is the config digest, the RepoDigest the manifest a registry served.
	assert.equal(repoDigestsFromRegistry({id: digest('c'), repoDigests: [`127.0.0.1:5000/kt/app@${digest('d')}`]}), true);
	// containerd: the id is the manifest digest, and the store names every image by it, pulled or not.
	assert.equal(repoDigestsFromRegistry({id: digest('d'), repoDigests: [`local/app@${digest('d')}`]}), false);
	assert.equal(repoDigestsFromRegistry({id: digest('c'), repoDigests: []}), true, 'none at all says nothing against them');
});
