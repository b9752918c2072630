import assert from 'node:assert/strict';
import {test} from 'node:test';
import {diskUsageOf} from '../../source/docker/disk.js';
import type {RawContainer} from '../../source/docker/containers.js';
import type {RawImage} from '../../source/docker/images.js';
import {pruneCommand, prunePlanOf, repositoryOf} from '../../source/flows/prune.js';

const id = (digit: string) => `sha256:${digit.repeat(64)}`;
const image = (digit: string, created: number, tags: string[] = [], digests: string[] = []): RawImage => ({Id: id(digit), Created: created, RepoTags: tags, RepoDigests: digests, Size: 100});
const container = (name: string, digit: string): RawContainer => ({Id: name.repeat(8), Names: [`/${name}`], Image: id(digit), ImageID: id(digit)});
const disk = diskUsageOf({
	LayersSize: 1000,
	Images: ['1', '2', '3', '4', '5', '6'].map(digit => ({Id: id(digit), Size: 100 * Number(digit), SharedSize: 50, Containers: 0})),
});

test('without --keep only builds no tag names go, and never one a container was made from; its size is what it alone holds', () => {
	const plan = prunePlanOf(
		[image('1', 10, ['app:1']), image('2', 5, [], ['registry:5000/app@sha256:feed']), image('3', 4, ['<none>:<none>'])],
		[container('session', '3')],
		disk,
	);
	assert.deepEqual(plan.builds.map(build => [build.id, build.reason, build.repository, build.size]), [[id('2'), 'dangling', 'registry:5000/app', 150]]);
	assert.deepEqual(plan.kept, [{id: id('3'), tags: [], repository: undefined, usedBy: ['session']}]);
	assert.equal(plan.estimate, 150);
	assert.equal(pruneCommand(plan.builds[0]!), `docker image rm ${'2'.repeat(12)}`);
});

test('--keep N keeps the newest N builds of each repository; a build newest in any of its repositories stays', () => {
	const plan = prunePlanOf(
		[image('1', 1, ['app:v1', 'other:latest']), image('2', 2, ['app:v2', 'app:stable']), image('3', 3, ['app:v3']), image('4', 4, ['app:v4']), image('5', 0, ['lone:1'])],
		[container('stopped', '2')],
		disk,
		{keep: 2},
	);
	// v3 and v4 are app's newest two; v1 is other's newest; v2 is old but a container was made from it.
	assert.deepEqual(plan.builds, []);
	assert.deepEqual(plan.kept.map(kept => [kept.id, kept.usedBy, kept.movedTag]), [[id('2'), ['stopped'], undefined]]);

	const one = prunePlanOf([image('2', 2, ['app:v2', 'app:stable']), image('3', 3, ['app:v3'])], [], disk, {keep: 1});
	// Two tags on one build: docker wants force to remove it by id, so each tag goes.
	assert.deepEqual(one.builds.map(build => [build.id, build.remove, build.reason]), [[id('2'), ['app:v2', 'app:stable'], 'older']]);
	assert.equal(pruneCommand(one.builds[0]!), 'docker image rm app:v2 app:stable');
});

test("a repository is the reference without its tag or digest, a registry's port kept", () => {
	assert.equal(repositoryOf('registry:5000/kasmweb/chrome:1.16'), 'registry:5000/kasmweb/chrome');
	assert.equal(repositoryOf('registry:5000/kasmweb/chrome@sha256:abc'), 'registry:5000/kasmweb/chrome');
	assert.equal(repositoryOf('registry:5000/kasmweb/chrome'), 'registry:5000/kasmweb/chrome');
});

test('the disk is counted as docker system df counts it: every layer once, reclaimable what the builds containers use do not hold alone', () => {
	const counted = diskUsageOf({
		LayersSize: 900,
		Images: [
			{Id: id('1'), Size: 400, SharedSize: 100, Containers: 2},
			{Id: id('2'), Size: 300, SharedSize: 100, Containers: 0},
			{Id: id('3'), Size: 300, SharedSize: -1, Containers: -1},
		],
	});
	assert.equal(counted.imagesSize, 900);
	assert.equal(counted.reclaimable, 600);
	assert.equal(counted.builds, 3);
	assert.deepEqual(diskUsageOf({}), {imagesSize: 0, reclaimable: 0, builds: 0, byId: new Map()});
});
