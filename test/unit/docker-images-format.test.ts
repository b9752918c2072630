import assert from 'node:assert/strict';
import {test} from 'node:test';
import {age, humanSize, imageJson, shortId} from '../../source/commands/images.js';
import {containersByImage} from '../../source/docker/images.js';

test('sizes read like the docker CLI prints them: decimal units, three digits', () => {
	assert.equal(humanSize(0), '0B');
	assert.equal(humanSize(999), '999B');
	assert.equal(humanSize(355_153), '355kB');
	assert.equal(humanSize(1_064_364), '1.06MB');
	assert.equal(humanSize(5_600_000_000), '5.6GB');
});

test('ages are given in the largest whole unit', () => {
	const now = Date.UTC(2026, 0, 31);
	const ago = (seconds: number) => age(now / 1000 - seconds, now);
	assert.equal(ago(30), 'less than a minute ago');
	assert.equal(ago(60), '1 minute ago');
	assert.equal(ago(3 * 3600 + 5), '3 hours ago');
	assert.equal(ago(2 * 86_400), '2 days ago');
	assert.equal(ago(15 * 86_400), '2 weeks ago');
	assert.equal(ago(400 * 86_400), '1 year ago');
});

test('an image id is shown as the 12 hex digits docker shows', () => {
	assert.equal(shortId('sha256:080f967538823b363bcca1b3fcf905fa04ad91bc9cdd21519679c151fa07b2f4'), '080f96753882');
});

test('containers are matched to images by image id, whatever tag they were created from', () => {
	const byImage = containersByImage([
		{Names: ['/web'], Image: 'app:1', ImageID: 'sha256:aaa'},
		{Names: ['/api'], Image: 'app:latest', ImageID: 'sha256:aaa'},
		{Names: ['/db'], Image: 'db', ImageID: 'sha256:bbb'},
	]);
	assert.deepEqual(byImage.get('sha256:aaa'), ['api', 'web']);
	assert.deepEqual(byImage.get('sha256:bbb'), ['db']);
});

test('the JSON of an image has product.md\'s fields, with the update check marked as not done', () => {
	const json = imageJson({
		repository: 'kasmweb/chrome',
		tag: '1.16',
		id: 'sha256:aaa',
		size: 42,
		created: 1_700_000_000,
		repoDigests: [],
		dangling: false,
		usedBy: {containers: ['web']},
	});
	assert.deepEqual(json, {
		repository: 'kasmweb/chrome',
		tag: '1.16',
		id: 'sha256:aaa',
		size: 42,
		created: '2023-11-14T22:13:20.000Z',
		repoDigests: [],
		dangling: false,
		usedBy: {containers: ['web']},
		updateAvailable: null,
		updateError: 'not checked',
	});
});
