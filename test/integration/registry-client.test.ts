import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import {test} from 'node:test';
import {RegistryClient} from '../../source/registry/client.js';
import {DockerCredentials} from '../../source/registry/credentials.js';
import {RegistryBadAnswer, RegistryNotFound, RegistryUnreachable} from '../../source/registry/errors.js';
import {tagsHoldingBuild} from '../../source/registry/identity.js';
import {latestTag, sortTagsNewestFirst} from '../../source/registry/versions.js';
import {installPlugin, kasmRepositoryPath, kasmTagsNewestFirst, manifestDigest, moveTag, pushPluginBuild, rollingStartsAt, rollingTag} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const sidecar = {registry: sandbox.registry, repository: kasmRepositoryPath};
/** A client that reads only the sandbox's own docker config, never the operator's. */
const client = (options: {timeoutMs?: number; maxBodyBytes?: number} = {}) =>
	new RegistryClient({credentials: new DockerCredentials({configDir: sandbox.state.dockerConfig}), ...options});

/** Other test files sharing the sandbox may add tags of their own to the Kasm-like repository. */
const seeded = (tags: string[]) => tags.filter(tag => kasm.tags.includes(tag));

test('every tag of the Kasm-like repository is listed, and sorts newest version first', async () => {
	const tags = await client().listTags(sidecar);
	assert.deepEqual(seeded(tags).sort(), [...kasm.tags].sort());
	assert.equal(new Set(tags).size, tags.length, 'each tag once');
	assert.deepEqual(seeded(sortTagsNewestFirst(tags)), kasmTagsNewestFirst);
});

test('latest from the real registry: amd64-1.2 → 1.2.10 (not 1.2.9), amd64-1 → 1.2.10 (not the rc), amd64 → 2.0.0, arm64 → 1.3.0', async () => {
	const tags = await client().listTags(sidecar);
	assert.equal(latestTag(tags, 'amd64-1.2'), 'amd64-1.2.10');
	assert.equal(latestTag(tags, 'amd64-1'), 'amd64-1.2.10');
	assert.equal(latestTag(tags, 'amd64'), 'amd64-2.0.0');
	assert.equal(latestTag(tags, 'arm64'), 'arm64-1.3.0');
	assert.equal(latestTag(tags, 'arm64-1.2'), 'arm64-1.2.10');
	assert.equal(latestTag(tags, 'amd64-1.3'), undefined, 'only a release candidate is there');
});

test('a repository with more tags than one page is listed whole, each tag once', async () => {
	const repository = uniqueName('paged/plugin');
	await pushPluginBuild(sandbox, `${sandbox.registry}/${repository}:amd64-1.0.0`, {version: `paged-${repository}`});
	const expected = ['amd64-1.0.0'];
	for (let patch = 1; patch <= 30; patch++) {
		await moveTag(sandbox, repository, `amd64-1.0.${patch}`, 'amd64-1.0.0');
		expected.push(`amd64-1.0.${patch}`);
	}

	// docker-registry 2.8 ignores n and last on tags/list (paging came with distribution 3), so a
	// proxy pages the real registry's list the way distribution 3 and Docker Hub do.
	const pages: string[] = [];
	await withServer(
		async (request, response) => {
			const url = new URL(request.url ?? '/', 'http://proxy');
			const all = ((await (await fetch(`http://${sandbox.registry}${url.pathname}`)).json()) as {name: string; tags: string[]}).tags.sort();
			const n = Number(url.searchParams.get('n') ?? all.length);
			const last = url.searchParams.get('last');
			const from = last === null ? 0 : all.findIndex(tag => tag > last);
			const page = from === -1 ? [] : all.slice(from, from + n);
			pages.push(url.search);
			const headers: http.OutgoingHttpHeaders = {'Content-Type': 'application/json'};
			if (from !== -1 && from + n < all.length) {
				headers.Link = `<${url.pathname}?last=${encodeURIComponent(page.at(-1)!)}&n=${n}>; rel="next"`;
			}

			response.writeHead(200, headers);
			response.end(JSON.stringify({name: repository, tags: page}));
		},
		async address => {
			const tags = await client().listTags({registry: address, repository}, {pageSize: 10});
			assert.equal(pages.length, 4, `31 tags come in 4 pages of 10: ${pages.join(' ')}`);
			assert.equal(tags.length, expected.length);
			assert.deepEqual([...tags].sort(), [...expected].sort());
			assert.equal(latestTag(tags, 'amd64-1.0'), 'amd64-1.0.30');
		},
	);
});

test('the digest of a tag is the one the registry serves', async () => {
	assert.equal(await client().manifestDigest({...sidecar, tag: 'amd64-1.2.10'}), await manifestDigest(sandbox, kasmRepositoryPath, 'amd64-1.2.10'));
	const build = await client().build({...sidecar, tag: rollingTag});
	assert.equal(build.digest, await manifestDigest(sandbox, kasmRepositoryPath, rollingStartsAt));
	assert.equal(build.configMediaType, 'application/vnd.docker.plugin.v1+json');
	assert.ok(build.diffIds.length > 0 && build.diffIds.every(id => /^sha256:[a-f\d]{64}$/.test(id)));
});

test('the rolling tag is the same build as amd64-1.2.9, and an installed plugin is matched by its diff_ids', async () => {
	const alias = `${uniqueName('kasmweb/identity')}:amd64-1.2-rolling`;
	await installPlugin(sandbox, kasm.ref(rollingTag), {alias, disabled: true});
	try {
		const [inspected] = JSON.parse(await sandbox.docker(['plugin', 'inspect', alias])) as Array<{Config: {rootfs: {diff_ids: string[]}}}>;
		const diffIds = inspected!.Config.rootfs.diff_ids;
		const tags = seeded(sortTagsNewestFirst(await client().listTags(sidecar)));
		assert.deepEqual(await tagsHoldingBuild(client(), sidecar, diffIds, {tags}), ['amd64-1.2-rolling', 'amd64-1.2.9']);
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', alias]);
	}
});

test('after the rolling tag moves to 1.2.10 it equals 1.2.10, and the plugin installed before still equals 1.2.9 only', async () => {
	const repository = uniqueName('moving/sidecar');
	const name = {registry: sandbox.registry, repository};
	for (const tag of ['amd64-1.2.9', 'amd64-1.2.10']) {
		await pushPluginBuild(sandbox, `${sandbox.registry}/${repository}:${tag}`, {version: `${repository}-${tag}`});
	}

	await moveTag(sandbox, repository, rollingTag, 'amd64-1.2.9');
	const alias = `${uniqueName('moving/installed')}:amd64-1.2-rolling`;
	await installPlugin(sandbox, `${sandbox.registry}/${repository}:${rollingTag}`, {alias, disabled: true});
	try {
		const [inspected] = JSON.parse(await sandbox.docker(['plugin', 'inspect', alias])) as Array<{Config: {rootfs: {diff_ids: string[]}}}>;
		const installed = inspected!.Config.rootfs.diff_ids;
		const reader = client();
		const rollingBefore = (await reader.build({...name, tag: rollingTag})).diffIds;
		assert.deepEqual(await tagsHoldingBuild(reader, name, rollingBefore), await tagsHoldingBuild(reader, name, installed));
		assert.deepEqual((await tagsHoldingBuild(reader, name, installed)).sort(), ['amd64-1.2-rolling', 'amd64-1.2.9']);

		await moveTag(sandbox, repository, rollingTag, 'amd64-1.2.10');
		const rollingAfter = (await reader.build({...name, tag: rollingTag})).diffIds;
		assert.deepEqual((await tagsHoldingBuild(reader, name, rollingAfter)).sort(), ['amd64-1.2-rolling', 'amd64-1.2.10']);
		assert.deepEqual(await tagsHoldingBuild(reader, name, installed), ['amd64-1.2.9'], 'the installed build is found though its tag moved on');
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', alias]);
	}
});

test('a tag that is not there is bad input with one line pointing at the tags', async () => {
	await assert.rejects(client().manifestDigest({...sidecar, tag: 'amd64-9.9.9'}), (error: unknown) => {
		assert.ok(error instanceof RegistryNotFound);
		assert.equal(error.exitCode, 2);
		assert.match(error.message, /has no tag amd64-9\.9\.9 in kasmweb\/sidecar: run "kasm-tui tags /);
		assert.doesNotMatch(error.message, /\n/);
		return true;
	});
});

test('a repository that is not there is bad input naming it', async () => {
	await assert.rejects(client().listTags({registry: sandbox.registry, repository: 'nobody/here'}), (error: unknown) => {
		assert.ok(error instanceof RegistryNotFound);
		assert.equal(error.exitCode, 2);
		assert.match(error.message, new RegExp(`registry ${sandbox.registry} has no repository nobody/here`));
		return true;
	});
});

test('a registry that is not there is one line with its address', async () => {
	const port = await closedPort();
	await assert.rejects(client().listTags({registry: `127.0.0.1:${port}`, repository: 'kasmweb/sidecar'}), (error: unknown) => {
		assert.ok(error instanceof RegistryUnreachable);
		assert.equal(error.exitCode, 1);
		assert.equal(error.message, `cannot reach registry 127.0.0.1:${port} at http://127.0.0.1:${port}/v2/kasmweb/sidecar/tags/list (connection refused)`);
		return true;
	});
});

// The cases below need an answer no registry gives, so a few lines of node:http stand in for a
// web server or a proxy found where a registry was expected.

test('a server answering an HTML page where the registry API should be gets one clear line', async () => {
	await withServer(
		(_request, response) => {
			response.writeHead(200, {'Content-Type': 'text/html'});
			response.end('<!doctype html><html><body><h1>Welcome to nginx!</h1>\u001B]0;title\u0007</body></html>');
		},
		async address => {
			await assert.rejects(client().listTags({registry: address, repository: 'kasmweb/sidecar'}), (error: unknown) => {
				assert.ok(error instanceof RegistryBadAnswer);
				assert.equal(error.exitCode, 1);
				assert.equal(
					error.message,
					`registry ${address} answered an HTML page instead of the registry API (HTTP 200 for http://${address}/v2/kasmweb/sidecar/tags/list): check the registry address`,
				);
				return true;
			});
		},
	);
});

test('an HTML error page (a proxy 404 or 502) is named as HTML too, not as a missing tag', async () => {
	await withServer(
		(_request, response) => {
			response.writeHead(502);
			response.end('<html><head><title>502 Bad Gateway</title></head></html>');
		},
		async address => {
			await assert.rejects(client().manifestDigest({registry: address, repository: 'a/b', tag: 'x'}), /answered an HTML page|HTTP 502/);
			await assert.rejects(client().listTags({registry: address, repository: 'a/b'}), /answered an HTML page instead of the registry API \(HTTP 502/);
		},
	);
});

test('broken JSON, an endless body and a server that never answers each get one line', async () => {
	await withServer(
		(request, response) => {
			if (request.url?.startsWith('/v2/broken/')) {
				response.writeHead(200, {'Content-Type': 'application/json'});
				response.end('{"name": "broken", "tags": [');
			} else if (request.url?.startsWith('/v2/huge/')) {
				response.writeHead(200, {'Content-Type': 'application/json'});
				response.end(JSON.stringify({name: 'huge', tags: Array.from({length: 2000}, (_, index) => `tag-${index}`)}));
			}
			// Anything else hangs, like a firewall that drops packets.
		},
		async address => {
			await assert.rejects(client().listTags({registry: address, repository: 'broken/repo'}), /answered something that is not JSON \(HTTP 200/);
			await assert.rejects(client({maxBodyBytes: 1000}).listTags({registry: address, repository: 'huge/repo'}), (error: unknown) => {
				assert.ok(error instanceof RegistryBadAnswer);
				assert.match(error.message, /refusing to read it$/);
				return true;
			});
			await assert.rejects(client({timeoutMs: 500}).listTags({registry: address, repository: 'slow/repo'}), (error: unknown) => {
				assert.ok(error instanceof RegistryUnreachable);
				assert.match(error.message, /\(no answer within 500 ms\)$/);
				return true;
			});
		},
	);
});

async function withServer(handler: http.RequestListener, body: (address: string) => Promise<void>): Promise<void> {
	const server = http.createServer(handler);
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	try {
		await body(`127.0.0.1:${(server.address() as net.AddressInfo).port}`);
	} finally {
		server.closeAllConnections();
		await new Promise(resolve => server.close(resolve));
	}
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}
