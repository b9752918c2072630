import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import {after, test} from 'node:test';
import {describeUpdate, imageJson} from '../../source/commands/images.js';
import {layerPrinter} from '../../source/commands/pull.js';
import {parseImageList, withoutSecrets} from '../../source/docker/image-pull.js';
import {ImageUpdateChecker} from '../../source/flows/image-updates.js';
import type {Image} from '../../source/docker/images.js';
import {BadInput} from '../../source/errors.js';
import {RegistryClient} from '../../source/registry/client.js';
import {RegistryNotFound} from '../../source/registry/errors.js';

const digest = (hex: string) => `sha256:${hex.repeat(64)}`;

function image(overrides: Partial<Image>): Image {
	return {repository: 'kasmweb/chrome', tag: '1.16', id: digest('a'), size: 1, created: 0, repoDigests: [], dangling: false, ...overrides};
}

/** A registry that must never be asked: rows that cannot be checked are answered before any request. */
const unreachable = {
	manifestDigest: async () => assert.fail('the registry was asked'),
	manifest: async () => assert.fail('the registry was asked'),
};

test('rows that cannot be checked say why, without asking any registry', async () => {
	const checker = new ImageUpdateChecker({registry: unreachable});
	assert.deepEqual(await checker.check(image({repository: '<none>', tag: '<none>', dangling: true, repoDigests: [`kasmweb/chrome@${digest('b')}`]})), {
		updateAvailable: null,
		updateError: 'dangling: it has no tag to look up in a registry',
	});
	const imported = await checker.check(image({}));
	assert.equal(imported.updateAvailable, null);
	assert.match(imported.updateAvailable === null ? imported.updateError : '', /^not from a registry: the daemon has no digest of it from docker\.io/);
	const otherRepository = await checker.check(image({repoDigests: [`kasmweb/firefox@${digest('b')}`, `127.0.0.1:5000/kasmweb/chrome@${digest('c')}`]}));
	assert.equal(otherRepository.updateAvailable, null, 'digests of other repositories (or registries) say nothing about this one');
});

test('the tag\'s digest is compared with the digests recorded for that repository, however the name was spelled', async () => {
	const asked: unknown[] = [];
	const registry = {
		manifestDigest: async (reference: unknown) => {
			asked.push(reference);
			return digest('b');
		},
		manifest: async () => ({digest: digest('b'), manifest: {kind: 'manifest' as const, mediaType: '', config: {digest: digest('c')}, layers: []}}),
	};
	const checker = new ImageUpdateChecker({registry});
	assert.deepEqual(await checker.check(image({repository: 'alpine', tag: '3', repoDigests: [`alpine@${digest('b')}`]})), {updateAvailable: false, registryDigest: digest('b')});
	assert.deepEqual(asked, [{registry: 'docker.io', repository: 'library/alpine', tag: '3', digest: undefined}]);
	assert.deepEqual(await checker.check(image({repoDigests: [`docker.io/kasmweb/chrome@${digest('9')}`]})), {updateAvailable: true, registryDigest: digest('b')});
});

/** A server on loopback that is not a registry: it answers every request with `answer`. */
async function startServer(answer: http.RequestListener): Promise<{address: string; stop: () => Promise<void>}> {
	const server = http.createServer(answer);
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
		stop: async () => {
			server.closeAllConnections();
			await new Promise(resolve => server.close(resolve));
		},
	};
}

test('a registry address that answers with a web page is reported as such, not taken for an answer', async () => {
	const server = await startServer((_request, response) => {
		response.writeHead(200, {'Content-Type': 'text/html'});
		response.end('<!doctype html><title>Sign in</title>');
	});
	after(async () => server.stop());
	const update = await new ImageUpdateChecker({registry: new RegistryClient({credentials: {get: async () => undefined}})}).check(
		image({repository: `${server.address}/kasmweb/chrome`, repoDigests: [`${server.address}/kasmweb/chrome@${digest('b')}`]}),
	);
	assert.equal(update.updateAvailable, null);
	assert.match(update.updateAvailable === null ? update.updateError : '', /HTML/);
});

test('checks that do not finish in time say so; the others keep their answers', async () => {
	const server = await startServer(() => {
		// Never answers.
	});
	after(async () => server.stop());
	const registry = new RegistryClient({credentials: {get: async () => undefined}, timeoutMs: 5000});
	const started = Date.now();
	const updates = await new ImageUpdateChecker({registry}).checkAll(
		[image({}), image({repository: `${server.address}/kasmweb/chrome`, repoDigests: [`${server.address}/kasmweb/chrome@${digest('b')}`]})],
		{timeoutMs: 300},
	);
	assert.ok(Date.now() - started < 2000, 'the deadline, not the request timeout, ends the wait');
	assert.equal(updates[0]?.updateAvailable, null);
	assert.match(updates[0]?.updateAvailable === null ? updates[0].updateError : '', /^not from a registry/);
	assert.deepEqual(updates[1], {updateAvailable: null, updateError: 'not checked within 300 ms: its registry, or those checked before it, answered too slowly'});
});

test('the JSON keeps product.md\'s names: updateAvailable, and updateError only when it is null', () => {
	const row = {...image({}), usedBy: {containers: ['web']}};
	assert.deepEqual(imageJson(row, {updateAvailable: true, registryDigest: digest('b')}), {
		repository: 'kasmweb/chrome',
		tag: '1.16',
		id: digest('a'),
		size: 1,
		created: '1970-01-01T00:00:00.000Z',
		repoDigests: [],
		dangling: false,
		usedBy: {containers: ['web']},
		updateAvailable: true,
		updateError: null,
		registryDigest: digest('b'),
	});
	assert.equal(imageJson(row, {updateAvailable: null, updateError: 'why'}).updateError, 'why');
	assert.equal(describeUpdate({updateAvailable: true, registryDigest: ''}), 'available');
	assert.equal(describeUpdate({updateAvailable: false, registryDigest: ''}), 'up to date');
	assert.equal(describeUpdate({updateAvailable: null, updateError: 'not from a registry: no digest (imported)'}), 'unknown: not from a registry');
	assert.equal(
		describeUpdate({updateAvailable: null, updateError: 'cannot reach registry 127.0.0.1:5000 at http://127.0.0.1:5000/v2/kt/app/manifests/v1 (connection refused)'}),
		'unknown: cannot reach registry 127.0.0.1:5000 (connection refused)',
	);
});

test('a pull list is checked whole before anything is pulled, and spelled as docker shows it', () => {
	assert.deepEqual(parseImageList(['alpine', 'docker.io/library/alpine:latest', '127.0.0.1:5000/kt/app:v1']), ['alpine:latest', '127.0.0.1:5000/kt/app:v1']);
	assert.throws(() => parseImageList(['alpine', 'Not An Image']), BadInput);
});

test('secrets sent to the daemon are cut out of what it says back, plain or Basic', () => {
	const auth = {username: 'kasm', password: 's3cret-pw'};
	const basic = Buffer.from('kasm:s3cret-pw').toString('base64');
	assert.equal(withoutSecrets(`denied for s3cret-pw and ${basic}`, auth), 'denied for *** and ***');
	assert.equal(withoutSecrets('nothing to hide', undefined), 'nothing to hide');
});

test('progress prints a line when a layer\'s status changes, not for every chunk', () => {
	const lines: string[] = [];
	const print = layerPrinter({warn: line => lines.push(line)});
	const image = 'kt/app:v1';
	print({image, id: 'abc', status: 'Pulling fs layer'});
	print({image, id: 'abc', status: 'Downloading', current: 1, total: 2_000_000});
	print({image, id: 'abc', status: 'Downloading', current: 2, total: 2_000_000});
	print({image, id: 'def', status: 'Downloading', current: 1, total: 10});
	print({image, id: 'abc', status: 'Pull complete'});
	print({image, status: 'Digest: sha256:x'});
	assert.deepEqual(lines, [
		'kt/app:v1: abc: Pulling fs layer',
		'kt/app:v1: abc: Downloading 2MB',
		'kt/app:v1: def: Downloading 10B',
		'kt/app:v1: abc: Pull complete',
		'kt/app:v1: Digest: sha256:x',
	]);
});

test('an image the containerd store names by its own digest counts as a registry\'s build only if that registry has the digest', async () => {
	const asked: string[] = [];
	/** A registry whose `tags` point at builds, and that holds the builds in `held`. */
	const registryWith = (tags: Record<string, string>, held: string[]) => ({
		manifestDigest: async (reference: {registry: string; repository: string; tag?: string; digest?: string}) => {
			asked.push(reference.digest ?? `:${reference.tag}`);
			const found = reference.digest ? held.find(known => known === reference.digest) : tags[reference.tag ?? ''];
			if (!found) {
				throw new RegistryNotFound(`registry ${reference.registry} has no manifest`, reference.registry);
			}

			return found;
		},
		manifest: async () => ({digest: digest('e'), manifest: {kind: 'manifest' as const, mediaType: '', config: {digest: digest('f')}, layers: []}}),
	});
	const named = (id: string) => image({repository: '127.0.0.1:5000/kt/app', tag: 'v1', id, repoDigests: [`127.0.0.1:5000/kt/app@${id}`]});

	const imported = await new ImageUpdateChecker({registry: registryWith({v1: digest('e')}, [digest('e')])}).check(named(digest('d')));
	assert.equal(imported.updateAvailable, null);
	assert.match(imported.updateAvailable === null ? imported.updateError : '', /^not from a registry: 127\.0\.0\.1:5000 has no build with its digest/);
	const noSuchTag = await new ImageUpdateChecker({registry: registryWith({}, [])}).check(named(digest('d')));
	assert.match(noSuchTag.updateAvailable === null ? noSuchTag.updateError : '', /^not from a registry/);

	const pulled = await new ImageUpdateChecker({registry: registryWith({v1: digest('e')}, [digest('d'), digest('e')])}).check(named(digest('d')));
	assert.deepEqual(pulled, {updateAvailable: true, registryDigest: digest('e')}, 'the registry has it: the tag moved on from it');
	const current = await new ImageUpdateChecker({registry: registryWith({v1: digest('d')}, [digest('d')])}).check(named(digest('d')));
	assert.deepEqual(current, {updateAvailable: false, registryDigest: digest('d')});

	asked.length = 0;
	// Classic: the id is the config digest, and the RepoDigest a registry's record: no need to ask about it.
	const classic = image({repository: '127.0.0.1:5000/kt/app', tag: 'v1', id: digest('c'), repoDigests: [`127.0.0.1:5000/kt/app@${digest('d')}`]});
	assert.deepEqual(await new ImageUpdateChecker({registry: registryWith({v1: digest('e')}, [])}).check(classic), {updateAvailable: true, registryDigest: digest('e')});
	assert.deepEqual(asked, [':v1']);
});
