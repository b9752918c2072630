import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
	DaemonRejectedInput,
	PluginAlreadyDisabled,
	PluginAlreadyEnabled,
	PluginEnabled,
	PluginExists,
	PluginInUse,
	PluginPullFailed,
} from '../../source/docker/errors.js';
import {followProgress, pluginError, type PluginProgress} from '../../source/docker/plugin-ops.js';
import {DaemonError, PluginNotFound} from '../../source/errors.js';

/** What docker-modem rejects with: whole answers carry json, stream answers only a message. */
const answer = (statusCode: number, message: string) => ({statusCode, json: {message}, message: `(HTTP code ${statusCode}) unexpected - ${message} `});
const streamAnswer = (statusCode: number, message: string) => ({statusCode, json: null, message: `(HTTP code ${statusCode}) unexpected - ${message} `});

const installed = {plugin: 'sidecar:latest', installed: true, action: 'upgrade'};

test('the daemon\'s plugin answers become typed errors (the words are those of dockerd 20.10)', () => {
	const cases: Array<[object, object, new (...args: never[]) => Error, number]> = [
		[answer(404, 'plugin "sidecar" not found'), installed, PluginNotFound, 2],
		[answer(409, 'plugin sidecar:latest is in use'), installed, PluginInUse, 3],
		[answer(409, 'plugin must be disabled before upgrading: plugin sidecar:latest is enabled'), installed, PluginEnabled, 3],
		[answer(409, 'plugin already enabled: plugin sidecar:latest is enabled'), installed, PluginAlreadyEnabled, 3],
		[answer(409, 'plugin is already disabled: plugin sidecar:latest found but disabled'), installed, PluginAlreadyDisabled, 3],
		[answer(400, 'plugin sidecar:latest already exists'), {plugin: 'sidecar'}, PluginExists, 3],
		[answer(500, 'invalid reference format: repository name must be lowercase'), {}, DaemonRejectedInput, 2],
		[answer(400, 'bad parameter'), {}, DaemonRejectedInput, 2],
		[streamAnswer(500, 'failed to parse privileges: EOF'), installed, DaemonError, 1],
	];
	for (const [cause, subject, type, exitCode] of cases) {
		const error = pluginError(cause, 'upgrade the plugin sidecar', subject);
		assert.ok(error instanceof type, `${JSON.stringify(cause)} → ${error?.name}`);
		assert.equal(error.exitCode, exitCode);
		assert.ok(!error.message.includes('\n'));
	}
});

test('a 404 while installing is not "no such plugin": the plugin is not there yet', () => {
	const error = pluginError(answer(404, 'not found'), 'install the plugin x', {plugin: 'x'});
	assert.ok(error instanceof DaemonError && !(error instanceof PluginNotFound));
});

test('a 500 keeps the daemon\'s words, made safe, behind what we were doing', () => {
	const error = pluginError(streamAnswer(500, 'failed to parse privileges: EOF\u001B[2J'), 'upgrade the plugin sidecar', installed);
	assert.equal(error?.message, 'the daemon refused to upgrade the plugin sidecar: failed to parse privileges: EOF');
	assert.equal((error as DaemonError).statusCode, 500);
});

test('errors without a status are left for the engine to map', () => {
	assert.equal(pluginError(Object.assign(new Error('connect ENOENT'), {code: 'ENOENT'}), 'x', {}), undefined);
});

async function* lines(...chunks: string[]) {
	yield* chunks;
}

test('progress lines are reported as they come, made safe, and the Digest line is kept', async () => {
	const seen: PluginProgress[] = [];
	const digest = 'sha256:' + 'b'.repeat(64);
	const result = await followProgress(
		// Chunks split inside a line, as a socket may deliver them.
		lines(
			'{"status":"Pulling from 127.0.0.1:5000/kasmweb/sidecar","id":"amd64-1.2.10"}\n{"status":"Dig',
			`est: ${digest}"}\n{"status":"Downloading","progressDetail":{"current":5,"total":10},"progress":"[==>  ]\\u001b[31m","id":"82a69e1b4769"}\n`,
			'{"status":"Complete\\u001b]0;pwned\\u0007","progressDetail":{},"id":"82a69e1b4769"}',
		),
		'127.0.0.1:5000/kasmweb/sidecar:amd64-1.2.10',
		progress => seen.push(progress),
	);
	assert.deepEqual(result, {digest});
	assert.deepEqual(seen, [
		{status: 'Pulling from 127.0.0.1:5000/kasmweb/sidecar', id: 'amd64-1.2.10'},
		{status: `Digest: ${digest}`},
		{status: 'Downloading', id: '82a69e1b4769', current: 5, total: 10, progress: '[==>  ]'},
		{status: 'Complete', id: '82a69e1b4769'},
	]);
});

test('an error line in a successful answer fails the call, after the stream is read to its end', async () => {
	await assert.rejects(
		followProgress(
			lines(
				'{"status":"Pulling from x","id":"1"}\n',
				'{"errorDetail":{"message":"fetched plugin image but plugin config is missing"},"error":"fetched plugin image but plugin config is missing"}\n',
			),
			'127.0.0.1:5000/plain/image:1',
		),
		(error: unknown) =>
			error instanceof PluginPullFailed &&
			error.exitCode === 1 &&
			error.message === 'pulling the plugin 127.0.0.1:5000/plain/image:1 failed: fetched plugin image but plugin config is missing',
	);
});

test('an error line carrying only "error" fails too, and wrong privileges get a hint', async () => {
	await assert.rejects(followProgress(lines('{"error":"incorrect privileges"}'), 'r:1'), (error: unknown) =>
		error instanceof PluginPullFailed && /incorrect privileges \(the remote asks for other privileges/.test(error.message),
	);
});
