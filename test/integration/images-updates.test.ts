import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, afterEach, test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {createElement} from 'react';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/components/app.js';
import {createHostServices, type HostServices} from '../../source/app/services/host-services.js';
import {imagesCommand} from '../../source/commands/images.js';
import {pullCommand} from '../../source/commands/pull.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {forgetSettings} from '../../source/config.js';
import {ImageUpdateChecker} from '../../source/flows/image-updates.js';
import {listImages, type Image} from '../../source/docker/images.js';
import {RegistryClient} from '../../source/registry/client.js';
import {mediaTypes} from '../../source/registry/manifest.js';
import {hostArch} from '../../source/registry/versions.js';
import {importImage, manifestDigest} from '../sandbox/fixtures.js';
import {startExtraRegistry} from '../sandbox/sandbox.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';
import {waitForFrame} from '../helpers/frames.js';
import {captureContext, countingRegistry, isolateEnvironment, pushBuild, pushNewBuildUnder, removeImages} from './images-fixtures.js';

const {sandbox} = await useSandbox();
const {configDir} = isolateEnvironment(sandbox);
const target = parseHost(sandbox.host, 'flag');
const engine = await Engine.open(target);
const created: string[] = [];
after(async () => removeImages(sandbox, created));
afterEach(() => cleanup());

interface ImageRow {
	repository: string;
	tag: string;
	dangling: boolean;
	repoDigests: string[];
	updateAvailable: boolean | null;
	updateError: string | null;
	usedBy: {containers: string[]};
}

async function imagesJson(filter: string): Promise<ImageRow[]> {
	const captured = captureContext(target, {json: true});
	await imagesCommand(captured.context, [filter]);
	return JSON.parse(captured.stdout.join('\n')) as ImageRow[];
}

async function pull(reference: string): Promise<unknown[]> {
	const captured = captureContext(target, {json: true});
	await pullCommand(captured.context, [reference]);
	return JSON.parse(captured.stdout.join('\n')) as unknown[];
}

async function localImage(reference: string): Promise<Image> {
	const colon = reference.lastIndexOf(':');
	const image = (await listImages(engine)).find(row => row.repository === reference.slice(0, colon) && row.tag === reference.slice(colon + 1));
	assert.ok(image, `${reference} is on the daemon`);
	return image;
}

test('a tag rebuilt and pushed again shows an update; pulling it brings the image up to date', async () => {
	const repositoryPath = `kt-updates/${uniqueName('rolling')}`;
	const reference = `${sandbox.registry}/${repositoryPath}:latest`;
	created.push(reference);
	await pushBuild(sandbox, reference, 'first build');
	assert.deepEqual(await pull(reference), [{image: reference, result: 'pulled', digest: await manifestDigest(sandbox, repositoryPath, 'latest')}]);

	const [fresh] = await imagesJson(reference);
	assert.equal(fresh?.updateAvailable, false, 'just pulled: up to date');
	const firstBuild = (await localImage(reference)).id;
	assert.equal(fresh?.updateError, null);

	await pushNewBuildUnder(sandbox, repositoryPath, 'latest', 'second build');
	const [stale] = await imagesJson(reference);
	assert.equal(stale?.updateAvailable, true, 'the registry holds a newer build behind the same tag');

	assert.deepEqual(await pull(reference), [{image: reference, result: 'pulled', digest: await manifestDigest(sandbox, repositoryPath, 'latest')}]);
	const rows = await imagesJson(reference);
	assert.equal(rows.length, 1);
	assert.equal(rows[0]?.updateAvailable, false, 'after the pull the tag holds the registry\'s build');

	// Every kind here keeps a build that lost its tag, though nothing uses it (26.1's containerd store dropped it).
	const dangling = (await listImages(engine)).find(image => image.id === firstBuild);
	assert.ok(dangling?.dangling, 'the first build stays behind as a dangling image');
	// The classic store still names it by the digest the registry served; 28.5's containerd store by none.
	assert.equal(dangling.repoDigests.some(digest => digest.startsWith(`${sandbox.registry}/${repositoryPath}@`)), sandbox.state.engine.imageStore === 'classic');
	const checker = new ImageUpdateChecker({registry: new RegistryClient()});
	assert.deepEqual(await checker.check(dangling), {updateAvailable: null, updateError: 'dangling: it has no tag to look up in a registry'});
	created.push(dangling.id);
});

test('an image imported here, with no registry behind it, is not guessed about: null and the reason', async () => {
	// In a registry that can be asked: the containerd store names an imported image by a digest too.
	const reference = `${sandbox.registry}/kt-updates/${uniqueName('local')}:v1`;
	created.push(reference);
	await importImage(sandbox, reference, 'imported build');
	const [row] = await imagesJson(reference);
	assert.equal(row?.updateAvailable, null);
	assert.match(row?.updateError ?? '', /^not from a registry: .*never pulled or pushed/);
	assert.equal(row?.dangling, false);
});

test('an image whose registry is down says it could not be checked, naming the registry', async () => {
	const extra = await startExtraRegistry(sandbox, {name: uniqueName('down')});
	const reference = `${extra.address}/kt-updates/${uniqueName('gone')}:v1`;
	created.push(reference);
	await importImage(sandbox, reference, 'build on a registry that goes away');
	await sandbox.docker(['push', reference]);
	await extra.stop();

	const [row] = await imagesJson(reference);
	assert.equal(row?.updateAvailable, null);
	assert.match(row?.updateError ?? '', new RegExp(`cannot reach registry ${extra.address.replaceAll('.', '\\.')} .*connection refused`));
});

test('a tag that became a multi-platform index is up to date when its build for this platform is ours', async () => {
	const repositoryPath = `kt-updates/${uniqueName('index')}`;
	const ours = `${sandbox.registry}/${repositoryPath}:v1`;
	const other = `${sandbox.registry}/${repositoryPath}:other`;
	created.push(ours);
	await importImage(sandbox, ours, 'our platform build');
	await sandbox.docker(['push', ours]);
	await pushBuild(sandbox, other, 'another build');
	const oursDigest = await manifestDigest(sandbox, repositoryPath, 'v1');
	const otherDigest = await manifestDigest(sandbox, repositoryPath, 'other');

	const putIndex = async (tag: string, platformBuild: string, elsewhereBuild: string) => {
		const manifests = [
			{digest: elsewhereBuild, platform: {os: 'linux', architecture: hostArch() === 's390x' ? 'ppc64le' : 's390x'}},
			{digest: platformBuild, platform: {os: 'linux', architecture: hostArch()}},
		];
		const index = {
			schemaVersion: 2,
			mediaType: mediaTypes.dockerList,
			manifests: await Promise.all(
				manifests.map(async entry => {
					const response = await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/manifests/${entry.digest}`, {method: 'HEAD', headers: {Accept: mediaTypes.dockerManifest}});
					return {mediaType: mediaTypes.dockerManifest, size: Number(response.headers.get('content-length')), ...entry};
				}),
			),
		};
		const put = await fetch(`http://${sandbox.registry}/v2/${repositoryPath}/manifests/${tag}`, {method: 'PUT', headers: {'Content-Type': mediaTypes.dockerList}, body: JSON.stringify(index)});
		assert.equal(put.status, 201, await put.text());
	};

	await putIndex('v1', oursDigest, otherDigest);
	const [same] = await imagesJson(ours);
	assert.equal(same?.updateAvailable, false, 'the index\'s child for this platform is the build we have');
	assert.notEqual((same as unknown as {registryDigest: string}).registryDigest, oursDigest, 'the tag itself now names the index');

	await putIndex('v1', otherDigest, oursDigest);
	const [moved] = await imagesJson(ours);
	assert.equal(moved?.updateAvailable, true, 'our build is in the index, but for another platform');
});

test('answers are reused for the cache time, and asked again once it is over or forgotten', async () => {
	const repositoryPath = `kt-updates/${uniqueName('cached')}`;
	const reference = `${sandbox.registry}/${repositoryPath}:latest`;
	created.push(reference);
	await importImage(sandbox, reference, 'cached build one');
	await sandbox.docker(['push', reference]);
	const image = await localImage(reference);

	let now = 1_000_000;
	const registry = new RegistryClient();
	let heads = 0;
	const counting = {
		manifestDigest: async (...args: Parameters<RegistryClient['manifestDigest']>) => {
			heads++;
			return registry.manifestDigest(...args);
		},
		manifest: async (...args: Parameters<RegistryClient['manifest']>) => registry.manifest(...args),
	};
	const checker = new ImageUpdateChecker({registry: counting, ttlSeconds: 60, now: () => now});
	assert.equal((await checker.check(image)).updateAvailable, false);
	await pushNewBuildUnder(sandbox, repositoryPath, 'latest', 'cached build two');

	now += 59_000;
	assert.equal((await checker.check(image)).updateAvailable, false, 'within 60 s the cached digest stands');
	assert.equal(heads, 1, 'one registry request for two checks');
	now += 2000;
	assert.equal((await checker.check(image)).updateAvailable, true, 'after 60 s the registry is asked again');
	// The containerd store names every image by a digest: once, the registry is asked whether it has ours.
	const proof = sandbox.state.engine.imageStore === 'containerd' ? 1 : 0;
	assert.equal(heads, 2 + proof);

	await pushNewBuildUnder(sandbox, repositoryPath, 'latest', 'cached build three');
	checker.forget();
	assert.equal((await checker.check(image)).updateAvailable, true);
	assert.equal(heads, 3 + proof, 'forget() drops the cache of tags, not what a digest is');
});

test('checks run at most `concurrency` at a time, and every image gets an answer in its order', async () => {
	const repositoryPath = `kt-updates/${uniqueName('many')}`;
	const references = Array.from({length: 6}, (_, index) => `${sandbox.registry}/${repositoryPath}:t${index}`);
	created.push(...references);
	for (const [index, reference] of references.entries()) {
		await importImage(sandbox, reference, `many ${index}`);
		await sandbox.docker(['push', reference]);
	}

	const images = await Promise.all(references.map(async reference => localImage(reference)));
	const registry = new RegistryClient();
	let inFlight = 0;
	let peak = 0;
	const counting = {
		manifestDigest: async (...args: Parameters<RegistryClient['manifestDigest']>) => {
			peak = Math.max(peak, ++inFlight);
			try {
				await new Promise(resolve => setTimeout(resolve, 50));
				return await registry.manifestDigest(...args);
			} finally {
				inFlight--;
			}
		},
		manifest: async (...args: Parameters<RegistryClient['manifest']>) => registry.manifest(...args),
	};
	const seen: string[] = [];
	const updates = await new ImageUpdateChecker({registry: counting, concurrency: 2}).checkAll(images, {onUpdate: image => seen.push(image.tag)});
	assert.deepEqual(updates.map(update => update.updateAvailable), [false, false, false, false, false, false]);
	assert.equal(peak, 2);
	assert.deepEqual(seen.sort(), ['t0', 't1', 't2', 't3', 't4', 't5']);
});

/** Waits for `done`, polling; fails saying `what` when it does not come. */
async function eventually(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!done()) {
		assert.ok(Date.now() < deadline, `${what} did not happen`);
		await delay(20);
	}
}

/**
 * The screen on the sandbox with its real services, re-checking its images every second instead of
 * every hour (the setting's floor is a minute), and counting its reloads.
 */
function openScreenCountingReloads() {
	const services = createHostServices(target, {readOnly: true});
	let reloads = 0;
	const counted: HostServices = {
		...services,
		async load() {
			const snapshot = await services.load();
			reloads++;
			return snapshot;
		},
		async settings() {
			return {...(await services.settings!()), recheckIntervalSeconds: 1};
		},
	};
	const ui = render(createElement(App, {services: counted, size: {columns: 160, rows: 45}}));
	return {ui, reloads: () => reloads};
}

test('the screen asks a registry about a tag again only once its answer is older than updateCheckTtlSeconds, not after every container event', async () => {
	const relay = await countingRegistry(sandbox.registry);
	after(async () => relay.stop());
	const repositoryPath = `kt-updates/${uniqueName('screen')}`;
	const reference = `${relay.address}/${repositoryPath}:v1`;
	created.push(reference);
	await importImage(sandbox, reference, 'screen build');
	await sandbox.docker(['push', reference]);
	const tagAsked = () => relay.requests.filter(request => request.endsWith(`/v2/${repositoryPath}/manifests/v1`)).length;
	relay.requests.length = 0;

	// The default cache time (300 s) is far longer than this test: one question about the tag is all it may take.
	const {ui, reloads} = openScreenCountingReloads();
	await waitForFrame(ui.lastFrame, text => /Images \(\d+\)/.test(text), 20_000);
	await eventually('the first check of the tag', () => tagAsked() === 1);
	const started = Date.now();
	for (let round = 0; round < 4; round++) {
		const before = reloads();
		const container = uniqueName('kt-reload');
		await sandbox.docker(['create', '--network', 'none', '--name', container, reference]);
		await sandbox.docker(['rm', container]);
		await eventually('a reload after the container events', () => reloads() > before);
	}

	// At least three periodic re-checks have come and gone as well.
	await delay(Math.max(0, 3500 - (Date.now() - started)));
	assert.equal(tagAsked(), 1, `one registry request across ${reloads()} reloads and several re-check rounds:\n${relay.requests.join('\n')}`);
	cleanup();

	// With no cache time, each periodic round asks again: the re-check itself still works.
	fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({updateCheckTtlSeconds: 0}));
	forgetSettings();
	try {
		relay.requests.length = 0;
		const again = openScreenCountingReloads();
		await waitForFrame(again.ui.lastFrame, text => /Images \(\d+\)/.test(text), 20_000);
		await eventually('two periodic re-checks of the tag', () => tagAsked() >= 3);
	} finally {
		fs.rmSync(path.join(configDir, 'config.json'), {force: true});
		forgetSettings();
	}
});
