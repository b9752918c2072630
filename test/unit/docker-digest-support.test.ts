import assert from 'node:assert/strict';
import {test} from 'node:test';
import {daemonSupportsDigestReferences, isDigestReference, releaseOf} from '../../source/docker/digest-support.js';

// moby/moby#47299: fixed in 23.0.11, 25.0.3 and 26.0.0; never in 24.0 or 20.10.
const crashes = [
	'20.10.24+dfsg1',
	'20.10.27',
	'19.03.15',
	'18.09.9',
	'17.06.2-ce',
	'1.13.1',
	'23.0.0',
	'23.0.6',
	'23.0.10',
	'24.0.0',
	'24.0.7-0ubuntu4',
	'24.0.9',
	'25.0.0',
	'25.0.2',
	'25.0.0-rc.1',
];
const fixed = ['23.0.11', '23.0.18', '25.0.3', '25.0.14', 'v25.0.5', '26.0.0', '26.0.0-rc.2', '26.1.5+dfsg1', '27.5.1', '28.2.2', '29.0.0', '100.0.0'];

for (const version of crashes) {
	test(`Docker ${version} is not trusted with a plugin reference by digest`, () => {
		assert.equal(daemonSupportsDigestReferences(version), false);
	});
}

for (const version of fixed) {
	test(`Docker ${version} carries the fix for moby/moby#47299`, () => {
		assert.equal(daemonSupportsDigestReferences(version), true);
	});
}

test('a version string we cannot read counts as unsafe', () => {
	for (const version of ['', 'dev', 'master-dockerproject-2024-03-01', 'unknown']) {
		assert.equal(daemonSupportsDigestReferences(version), false, version);
	}
});

test('the release is read from Debian, Ubuntu and prefixed spellings', () => {
	assert.deepEqual(releaseOf('20.10.24+dfsg1'), [20, 10, 24]);
	assert.deepEqual(releaseOf('24.0.7-0ubuntu4'), [24, 0, 7]);
	assert.deepEqual(releaseOf('v25.0.3'), [25, 0, 3]);
	assert.deepEqual(releaseOf('26.1'), [26, 1, 0]);
	assert.equal(releaseOf('dev'), undefined);
});

test('a digest reference is one with an @, with or without a tag', () => {
	const digest = 'sha256:' + 'a'.repeat(64);
	assert.equal(isDigestReference(`kasmweb/sidecar@${digest}`), true);
	assert.equal(isDigestReference(`127.0.0.1:5000/kasmweb/sidecar:amd64-1.2@${digest}`), true);
	assert.equal(isDigestReference('127.0.0.1:5000/kasmweb/sidecar:amd64-1.2'), false);
});
