import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import {after, test} from 'node:test';
import {imagesCommand} from '../../source/commands/images.js';
import {pullCommand} from '../../source/commands/pull.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {pullImage, pullImages} from '../../source/docker/image-pull.js';
import {listImages} from '../../source/docker/images.js';
import {BadInput, KasmTuiError, Refused} from '../../source/errors.js';
import {layerDoneStatus, uniqueName, useSandbox} from '../sandbox/shared.js';
import {captureContext, isolateEnvironment, pushBuild, removeImages, startPrivateImage} from './images-fixtures.js';

const {sandbox} = await useSandbox();
isolateEnvironment(sandbox);
const target = parseHost(sandbox.host, 'flag');
const engine = await Engine.open(target);
const created: string[] = [];
after(async () => removeImages(sandbox, created));

async function onDaemon(reference: string): Promise<boolean> {
	return (await listImages(engine)).some(image => `${image.repository}:${image.tag}` === reference);
}

test('a pull list with a missing image pulls the others, fails with exit 1, and names the missing one', async () => {
	const repositoryPath = `kt-pull/${uniqueName('list')}`;
	const present = [`${sandbox.registry}/${repositoryPath}:a`, `${sandbox.registry}/${repositoryPath}:b`];
	const missing = `${sandbox.registry}/${repositoryPath}:missing`;
	created.push(...present);
	for (const reference of present) {
		await pushBuild(sandbox, reference, `list ${reference}`);
	}

	const captured = captureContext(target, {maxPulls: 2});
	await assert.rejects(pullCommand(captured.context, [present[0]!, missing, present[1]!]), (error: unknown) => {
		assert.ok(error instanceof KasmTuiError);
		assert.equal(error.exitCode, 1);
		assert.equal(error.message, `1 of 3 pulls failed: ${missing}`);
		return true;
	});
	assert.ok(await onDaemon(present[0]!));
	assert.ok(await onDaemon(present[1]!));
	const summary = captured.stdout.join('\n').split('\n');
	assert.match(summary[0] ?? '', /^IMAGE\s+RESULT\s+DETAIL$/);
	assert.match(summary.find(line => line.startsWith(`${missing} `)) ?? '', /\sfailed\s+.*(not found|unknown)/);
	assert.match(summary.find(line => line.startsWith(`${present[0]} `)) ?? '', /\spulled\s+sha256:[a-f\d]{64}$/);
	assert.ok(captured.stderr.some(line => line.startsWith(`${missing}: failed: `)), 'the failure is reported as it happens, by name');
	assert.ok(captured.stderr.includes('pulling 3 images, at most 2 at a time'));

	const again = captureContext(target, {json: true});
	await pullCommand(again.context, present);
	assert.deepEqual(
		(JSON.parse(again.stdout.join('\n')) as Array<{result: string}>).map(outcome => outcome.result),
		['up-to-date', 'up-to-date'],
		'a second pull finds nothing new',
	);
});

test('progress comes as one line per layer status change, not one per chunk', async () => {
	const reference = `${sandbox.registry}/kt-pull/${uniqueName('progress')}:v1`;
	created.push(reference);
	await pushBuild(sandbox, reference, 'progress build');
	const events: Array<{id?: string; status: string; current?: number; total?: number}> = [];
	const captured = captureContext(target);
	await pullCommand(captured.context, [reference]);
	await removeImages(sandbox, [reference]);
	await pullImage(engine, reference, {onProgress: event => events.push(event)});

	const done = layerDoneStatus(sandbox);
	const layer = events.find(event => event.status === done)?.id;
	assert.ok(layer, 'a layer completed');
	const downloading = events.filter(event => event.id === layer && event.status === 'Downloading');
	assert.ok(downloading.every(event => typeof event.total === 'number' && event.total > 0), 'byte counts are passed on');
	// The classic store reports bytes as they come; the containerd store on a timer, so a download from loopback may end first.
	const classic = sandbox.state.engine.imageStore === 'classic';
	if (classic) {
		assert.ok(downloading.length > 0, 'the download is reported');
	}

	const lines = captured.stderr.filter(line => line.startsWith(`${reference}: ${layer}: `));
	assert.deepEqual(new Set(lines).size, lines.length, 'no status repeated for a layer');
	assert.ok(lines.includes(`${reference}: ${layer}: ${done}`));
	const downloadLines = lines.filter(line => line.includes(': Downloading'));
	assert.ok(downloadLines.every(line => /: Downloading \d+(\.\d+)?[kM]?B$/.test(line)), 'a download is printed with its size');
	if (classic) {
		assert.ok(downloadLines.length > 0, 'the download is printed');
	}
});

test('a malformed reference is bad input before anything is pulled, and --read-only refuses', async () => {
	const reference = `${sandbox.registry}/kt-pull/${uniqueName('never')}:v1`;
	await pushBuild(sandbox, reference, 'never pulled');
	await assert.rejects(pullCommand(captureContext(target).context, [reference, 'Bad Name!']), (error: unknown) => error instanceof BadInput && error.exitCode === 2);
	await assert.rejects(pullCommand(captureContext(target).context, []), BadInput);
	await assert.rejects(
		pullCommand(captureContext(target, {readOnly: true}).context, [reference]),
		(error: unknown) => error instanceof Refused && error.exitCode === 3 && /read-only/.test(error.message),
	);
	await assert.rejects(pullImages(engine, [reference], {maxPulls: 2, readOnly: true}), Refused, 'the screen\'s pulls are refused where they happen');
	assert.equal(await onDaemon(reference), false, 'nothing was pulled');
});

/**
 * A reverse proxy in front of the sandbox registry that counts, at every moment, the images that
 * have a blob download in flight. Each blob answer is held back until `expected` images have had
 * one in flight together this round (at most `patienceMs`), then `delayMs` more, so pulls that run together overlap
 * however slowly a loaded daemon starts each. Why the count can be trusted: the proxy sees a blob
 * request only after kasm-tui started that image's pull, and finishes the answer before the
 * daemon has read it all, which is before the daemon ends the pull's progress stream; so each
 * image's window here lies inside the window kasm-tui counts it as pulling. The peak can
 * therefore never exceed the real number of pulls at once, and the holding makes it reach it.
 */
async function startCountingProxy(upstream: string, delayMs: number, patienceMs = 20_000) {
	const [host, port] = [upstream.split(':')[0]!, Number(upstream.split(':')[1])];
	const downloading = new Map<string, number>();
	let peak = 0;
	let expected = Number.POSITIVE_INFINITY;
	let together: Array<() => void> = [];
	const allHere = async () =>
		new Promise<void>(resolve => {
			// Once they have been together, the rest of the round (fewer images than that) goes through.
			if (peak >= expected) {
				resolve();
				return;
			}

			together.push(resolve);
			setTimeout(resolve, patienceMs);
		});
	const server = http.createServer((request, response) => {
		const repository = /^\/v2\/(.+)\/blobs\/sha256:[a-f\d]{64}$/.exec(request.url ?? '')?.[1];
		let done = false;
		if (repository && request.method === 'GET') {
			downloading.set(repository, (downloading.get(repository) ?? 0) + 1);
			peak = Math.max(peak, downloading.size);
			if (downloading.size >= expected) {
				for (const resolve of together.splice(0)) {
					resolve();
				}
			}

			response.on('close', () => {
				if (!done) {
					done = true;
					const left = (downloading.get(repository) ?? 1) - 1;
					if (left === 0) {
						downloading.delete(repository);
					} else {
						downloading.set(repository, left);
					}
				}
			});
		}

		const forward = () => {
			const upstreamRequest = http.request({host, port, method: request.method, path: request.url, headers: request.headers}, answer => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			});
			upstreamRequest.on('error', () => response.destroy());
			request.pipe(upstreamRequest);
		};

		if (repository) {
			void allHere().then(() => setTimeout(forward, delayMs));
		} else {
			forward();
		}
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
		peak: () => peak,
		/** A new round, in which `images` are expected to download together. */
		reset: (images: number) => {
			peak = 0;
			expected = images;
			together = [];
		},
		stop: async () => {
			server.closeAllConnections();
			await new Promise(resolve => server.close(resolve));
		},
	};
}

test('at most --max-pulls images download at once, measured at the registry: 2 with 2, 3 with 3', async () => {
	const proxy = await startCountingProxy(sandbox.registry, 400);
	after(async () => proxy.stop());
	const repositoryPath = `kt-pull/${uniqueName('limit')}`;
	const tags = ['a', 'b', 'c', 'd', 'e'];
	for (const tag of tags) {
		await pushBuild(sandbox, `${sandbox.registry}/${repositoryPath}-${tag}:v1`, `limit build ${tag}`);
	}

	const throughProxy = tags.map(tag => `${proxy.address}/${repositoryPath}-${tag}:v1`);
	created.push(...throughProxy);
	for (const maxPulls of [2, 3]) {
		proxy.reset(maxPulls);
		const captured = captureContext(target, {maxPulls, json: true});
		await pullCommand(captured.context, throughProxy);
		const results = (JSON.parse(captured.stdout.join('\n')) as Array<{result: string}>).map(outcome => outcome.result);
		assert.deepEqual(results, ['pulled', 'pulled', 'pulled', 'pulled', 'pulled'], `with --max-pulls ${maxPulls} every image is downloaded`);
		assert.equal(proxy.peak(), maxPulls, `with --max-pulls ${maxPulls}, ${maxPulls} images downloading at once, never more`);
		// Gone again, so the next round downloads every blob once more.
		await removeImages(sandbox, throughProxy);
	}
});

test('the maximum comes from the settings when --max-pulls is not given', async () => {
	const {saveSettings} = await import('../../source/config.js');
	await saveSettings({maxPulls: 3});
	try {
		const reference = `${sandbox.registry}/kt-pull/${uniqueName('setting')}:v1`;
		created.push(reference);
		await pushBuild(sandbox, reference, 'setting build');
		const captured = captureContext(target);
		await pullCommand(captured.context, [reference]);
		assert.ok(captured.stderr.includes('pulling 1 image, at most 3 at a time'));
	} finally {
		await saveSettings({maxPulls: 2});
	}
});

test('a private registry: the password from a docker config folder gets the pull through, and is never printed', async () => {
	const {registry, reference, rightConfig, wrongConfig, secrets} = await startPrivateImage(sandbox, `kt-pull/${uniqueName('private')}`);
	after(async () => registry.stop());
	created.push(reference);
	const assertNoSecret = (output: string) => {
		for (const secret of secrets) {
			assert.ok(!output.includes(secret), 'a password or its Basic form was printed');
		}
	};

	const run = async (dockerConfig: string, command: typeof pullCommand | typeof imagesCommand, json: boolean) => {
		process.env.DOCKER_CONFIG = dockerConfig;
		const captured = captureContext(target, {json});
		try {
			await command(captured.context, [reference]);
			return {captured, error: undefined};
		} catch (error) {
			return {captured, error: error as Error};
		} finally {
			process.env.DOCKER_CONFIG = sandbox.state.dockerConfig;
			assertNoSecret(captured.all());
		}
	};

	const anonymous = await run(sandbox.state.dockerConfig, pullCommand, false);
	assert.ok(anonymous.error instanceof KasmTuiError, 'without credentials the daemon cannot pull it');
	assert.match(anonymous.captured.stdout.join('\n'), /failed\s+.*no basic auth credentials \(no credentials for 127\.0\.0\.1:\d+ in the docker config: run "docker login 127\.0\.0\.1:\d+"\)/);

	const wrong = await run(wrongConfig, pullCommand, true);
	assert.equal(wrong.error?.message, `1 of 1 pulls failed: ${reference}`);
	const [wrongOutcome] = JSON.parse(wrong.captured.stdout.join('\n')) as Array<{result: string; error: string}>;
	assert.equal(wrongOutcome?.result, 'failed');
	assert.match(wrongOutcome?.error ?? '', /unauthorized|authentication required/i);
	assertNoSecret(String(wrong.error?.message));

	const right = await run(rightConfig, pullCommand, true);
	assert.equal(right.error, undefined);
	assert.equal((JSON.parse(right.captured.stdout.join('\n')) as Array<{result: string}>)[0]?.result, 'pulled');
	assert.ok(await onDaemon(reference));

	const checked = await run(rightConfig, imagesCommand, true);
	assert.equal((JSON.parse(checked.captured.stdout.join('\n')) as Array<{updateAvailable: unknown}>)[0]?.updateAvailable, false, 'the update check logs in too');
	const refused = await run(wrongConfig, imagesCommand, true);
	const [refusedRow] = JSON.parse(refused.captured.stdout.join('\n')) as Array<{updateAvailable: unknown; updateError: string}>;
	assert.equal(refusedRow?.updateAvailable, null);
	assert.match(refusedRow?.updateError ?? '', /401|credentials|password|denied/i);
});
