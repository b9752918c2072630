import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {kasmTuiCommand, runCli, type CliResult} from '../helpers/cli.js';
import {answer, assertNoControl, assertOneErrorLine, cutShort, huge, inspectPlugin, rawAnswer, startProxy, type MisbehavingServer} from '../helpers/hardening.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {startExtraRegistry} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * Hostile input: terminal escapes in what the daemon and registries say, very long names and
 * references, registry and daemon answers that are malformed, cut short or huge. Every output
 * (text, JSON, the screen) stays free of escapes and control characters, an OSC title's payload
 * goes with it, and every failure is one line with the right exit code, never a stack trace.
 */

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

/** A docker config of its own with no credentials, so nothing of the machine's is used. */
const emptyDockerConfig = leftovers.folder('kasm-tui-hostile-docker-');
fs.writeFileSync(path.join(emptyDockerConfig, 'config.json'), '{"auths":{}}\n');

// latest asks the registry only: it takes no --host.
const kasmTui = async (args: string[], env: NodeJS.ProcessEnv = {}) =>
	runCli(args[0] === 'latest' ? args : ['--host', sandbox.host, ...args], {env: {DOCKER_CONFIG: emptyDockerConfig, ...env}});

/** Everything printed is clean; a failure is one line (after a change's progress); the OSC payloads are gone. */
function assertClean(result: CliResult, what: string, {afterProgress = false}: {afterProgress?: boolean} = {}): void {
	for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
		assertNoControl(text, `${what}: ${stream}`);
		assert.ok(!/pwned/.test(text), `${what}: an OSC title's payload reached ${stream}: ${text.slice(0, 500)}`);
		assert.doesNotMatch(text, /^\s+at .+/m, `${what}: no stack trace in ${stream}`);
	}

	assert.ok(result.code !== null && [0, 1, 2, 3].includes(result.code), `${what}: exit ${result.code}`);
	if (result.code !== 0) {
		assertOneErrorLine(result.stderr, what, {afterProgress});
		assert.doesNotMatch(result.stderr, /unexpected error/, `${what}: a typed error, not an unexpected one`);
	}
}

// What the hostile fixture build lists as a volume (plugin.c), and what is left once it is made safe.
const hostileVolumeShown = 'hostilevolume line2';
const hostileText = (payload: string) => `bad \u001B]0;pwned-${payload}\u0007\u001B]2;pwned-${payload}\u001B\\\u001B[2J\u001B[H\u001B[1;31mthing\u001B[0m\u009B2J\u0007\r\nend`;

test('a volume name with escape sequences, listed by a plugin through the daemon, is printed clean in text, JSON and refusals', async () => {
	const name = leftovers.plugin(`${uniqueName('hostile-volumes')}/driver:1.0`);
	const reference = `${sandbox.registry}/${uniqueName('hostile-volumes')}:1.0`;
	await pushPluginBuild(sandbox, reference, {version: 'hostile-volumes', description: hostileText('description')});
	await installPlugin(sandbox, reference, {alias: name});
	const volumes = await sandbox.docker(['volume', 'ls', '--format', '{{json .}}']);
	assert.ok(volumes.includes('\\u001b]0;pwned-volume-title'), 'the daemon passes the raw name on');

	const json = await kasmTui(['plugins', '--json']);
	assertClean(json, 'plugins --json');
	const listed = (JSON.parse(json.stdout) as Array<{name: string; description: string; usedBy: {volumes: string[]}}>).find(plugin => plugin.name === name);
	assert.deepEqual(listed?.usedBy.volumes, [hostileVolumeShown]);
	assert.equal(listed?.description, 'bad thing end');

	assertClean(await kasmTui(['plugins']), 'plugins');
	const refused = await kasmTui(['upgrade', name, '--yes']);
	assertClean(refused, 'upgrade of a plugin in use');
	assert.equal(refused.code, 3);
	assert.ok(refused.stderr.includes(`in use by 1 volume (${hostileVolumeShown})`), refused.stderr);
	const auto = await kasmTui(['auto-update', '--yes', '--json']);
	assertClean(auto, 'auto-update');
});

/** A registry of lies: every repository answers its own way; /token answers a hostile refusal. */
async function startHostileRegistry(): Promise<{address: string; close: () => Promise<void>}> {
	const words = hostileText('registry');
	const errors = (code: string) => JSON.stringify({errors: [{code: `${code}\u001B]0;pwned-code\u0007`, message: words, detail: words}]});
	let address = '';
	const routes: Record<string, (request: http.IncomingMessage, response: http.ServerResponse) => void> = {
		'not-found': answer(404, errors('NAME_UNKNOWN')),
		broken: answer(500, errors('UNKNOWN')),
		denied: answer(403, errors('DENIED')),
		limited: rawAnswer('429 Too Many Requests', ['Content-Type: application/json', 'Retry-After: 60\u001B]0;pwned-header\u0007', 'RateLimit-Reset: \u001B[2J'], errors('TOOMANYREQUESTS')),
		'bad-request': answer(400, errors('NAME_INVALID')),
		html: answer(502, `<html><title>\u001B]0;pwned-html\u0007</title><body>${words}</body></html>`, {'Content-Type': 'text/html'}),
		'tags-injected': answer(200, JSON.stringify({name: 'x', tags: ['amd64-1.2.3', '\u001B]0;pwned-tag\u0007', 'amd64-1.2.\u001B[31m4', 'amd64-1.2.5\n\u001B[2J', 'x'.repeat(300)]})),
		token: (request, response) =>
			rawAnswer('401 Unauthorized', ['Content-Type: application/json', `WWW-Authenticate: Bearer realm="http://${address}/token",service="svc\u001B]0;pwned-service\u0007",scope="x"`], errors('UNAUTHORIZED'))(request, response),
		'realm-hostile': rawAnswer('401 Unauthorized', ['Content-Type: application/json', 'WWW-Authenticate: Bearer realm="http://\u001B]0;pwned-realm\u0007/token"'], errors('UNAUTHORIZED')),
	};
	const server = http.createServer((request, response) => {
		const url = new URL(request.url ?? '/', 'http://registry');
		if (url.pathname === '/token') {
			answer(401, JSON.stringify({details: words, errors: [{message: words}]}))(request, response);
			return;
		}

		const route = routes[url.pathname.split('/')[2] ?? ''];
		(route ?? answer(404, errors('NAME_UNKNOWN')))(request, response);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	address = `127.0.0.1:${(server.address() as {port: number}).port}`;
	return {
		address,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}

test("a registry's error messages, headers and tags carrying escape sequences are printed clean, one line each", async () => {
	const registry = await startHostileRegistry();
	try {
		const expected: Record<string, number> = {'not-found': 2, broken: 1, denied: 1, limited: 1, 'bad-request': 1, html: 1, token: 1, 'realm-hostile': 1, 'tags-injected': 0};
		for (const [repository, code] of Object.entries(expected)) {
			const reference = `${registry.address}/${repository}/repo`;
			for (const args of [['tags', reference], ['tags', reference, '--json'], ['latest', `${reference}:amd64-1.2`], ['latest', `${reference}:amd64-1.2`, '--json']]) {
				const result = await kasmTui(args);
				const what = `${args.join(' ')}`;
				assertClean(result, what);
				assert.equal(result.code, code, `${what}: ${result.stderr}`);
			}
		}

		// The tags that break the grammar (escapes, a newline, 300 characters) are dropped, not cleaned up and shown.
		const tags = JSON.parse((await kasmTui(['tags', `${registry.address}/tags-injected/repo`, '--json'])).stdout) as Array<{tag: string}>;
		assert.deepEqual(tags.map(row => row.tag), ['amd64-1.2.3']);
		assert.equal((await kasmTui(['latest', `${registry.address}/tags-injected/repo:amd64-1.2`])).stdout.trim(), `${registry.address}/tags-injected/repo:amd64-1.2.3`);
	} finally {
		await registry.close();
	}
});

test('the screen shows a hostile volume name, description, registry error and history clean: no escapes drawn, the window title untouched', async () => {
	const stem = uniqueName('hostile-screen');
	// One plugin lists the hostile volume; the other comes through a proxy that will answer hostile errors.
	const volumesName = leftovers.plugin(`${stem}/volumes:1.0`);
	await pushPluginBuild(sandbox, `${sandbox.registry}/${stem}-volumes:1.0`, {version: 'hostile-screen', description: hostileText('description')});
	await installPlugin(sandbox, `${sandbox.registry}/${stem}-volumes:1.0`, {alias: volumesName});
	const registry = await startExtraRegistry(sandbox);
	const proxy = await startProxy({host: '127.0.0.1', port: Number(registry.address.split(':')[1])});
	const ledgerDir = leftovers.folder('kasm-tui-hostile-');
	let screen: TmuxScreen | undefined;
	try {
		const remote = (tag: string) => `${proxy.address}/${stem}-tags:${tag}`;
		await pushPluginBuild(sandbox, `${registry.address}/${stem}-tags:${rollingTag}`, {version: '1.2.9'});
		const tagsName = leftovers.plugin(`${stem}/tags:amd64-1.2-rolling`);
		await installPlugin(sandbox, remote(rollingTag), {alias: tagsName});
		await pushPluginBuild(sandbox, `${registry.address}/${stem}-tags:${rollingTag}`, {version: '1.2.10'});

		// An upgrade whose pull the registry fails with hostile words: they end up in the ledger's error.
		const hostileError = JSON.stringify({errors: [{code: 'UNKNOWN', message: hostileText('pull')}]});
		proxy.rule = request => (String(request.headers['user-agent']).startsWith('kasm-tui') || !request.url?.includes('/blobs/') ? undefined : answer(500, hostileError));
		const upgrade = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', tagsName, '--yes']);
		assertClean(upgrade, 'upgrade through a hostile registry', {afterProgress: true});
		assert.equal(upgrade.code, 1);
		assert.equal(await runningVersion(sandbox, tagsName), '1.2.9');
		const history = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'history', tagsName]);
		assertClean(history, 'history');
		assertClean(await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'history', tagsName, '--json']), 'history --json');

		// From now on kasm-tui's own registry reads get hostile errors.
		proxy.rule = request => (String(request.headers['user-agent']).startsWith('kasm-tui') ? answer(500, hostileError) : undefined);
		screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir], {columns: 200, rows: 50});
		const titleBefore = await screen.paneTitle();
		await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
		await screen.keys('/');
		await screen.typeText(stem);
		await screen.keys('Enter');
		const first = await screen.waitFor(text => text.includes(tagsName) && /Tags {2}newest first\n\s+registry .*HTTP 500/.test(text), 30_000);
		await screen.keys('j');
		const second = await screen.waitFor(text => text.includes(hostileVolumeShown), 30_000);
		const all = `${first}\n${second}`;
		assert.ok(all.includes('bad thing end'), 'the description is shown, cleaned');
		assert.match(first, /registry .*HTTP 500 when asked to list the tags .*: UNKNOWN bad/, 'the registry error is shown, cleaned');
		assert.match(first, /upgrade\s+amd64-1\.2-rolling restored/, 'the failed upgrade is in the history');
		assert.ok(!all.includes('pwned'), 'no OSC payload on the screen');
		const raw = await screen.captureWithEscapes();
		assert.doesNotMatch(raw, /\u001B(?!\[[\d;]*m)/, 'nothing but colours reached the terminal as escapes');
		assert.equal(await screen.paneTitle(), titleBefore, 'the window title is untouched');
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
	} finally {
		await screen?.close();
		await proxy.close();
		await registry.stop();
	}
});

test('very long names, references and arguments (4,000 characters) are bad input: one short line, exit 2', async () => {
	const long = 'a'.repeat(4000);
	const longUnicode = 'é\u200Bñ'.repeat(1334);
	const cases = [
		['tags', long],
		['tags', `${sandbox.registry}/${long}:amd64`],
		['latest', `kasmweb/${long}:amd64-1.2`],
		['latest', `kasmweb/sidecar:${long}`],
		['history', long],
		['upgrade', long, '--yes'],
		['rollback', longUnicode, '--yes'],
		['recover', long, '--yes'],
		['reinstall', long, '--version', 'amd64-1.2.10', '--yes'],
		['upgrade-plugins', '--name', long],
		['pull', `${sandbox.registry}/${long}:1`],
		['pull', `alpine:${long}`],
		['images', `${long}:1`],
		[long],
		['plugins', long],
		[`--${long}`],
		['--host', `unix:///${long}.sock`, 'plugins'],
		['--host', `tcp://${long}:2375`, 'plugins'],
		['--host', long, 'plugins'],
		['pull', 'alpine', '--max-pulls', long],
	];
	for (const args of cases) {
		// latest asks the registry only: it takes no --host.
		const result = await runCli(args.includes('--host') || args[0] === 'latest' ? args : ['--host', sandbox.host, ...args], {env: {DOCKER_CONFIG: emptyDockerConfig}});
		const what = `${args.map(arg => (arg.length > 40 ? `${arg.slice(0, 20)}…(${arg.length})` : arg)).join(' ')}`;
		assertClean(result, what);
		assert.equal(result.code, 2, `${what}: ${result.stderr.slice(0, 400)}`);
		assert.ok(result.stderr.length < 600, `${what}: the line is short enough to read (${result.stderr.length} characters)`);
		assert.equal(result.stdout, '', `${what}: nothing on stdout`);
	}

	// A long plugin name the daemon has is not refused for its length: it is listed and upgraded like any other.
	const longName = leftovers.plugin(`${uniqueName('hostile-long')}/${'n'.repeat(180)}:amd64-1.2.9`);
	const {kasm} = await useSandbox();
	await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: longName});
	const listed = await kasmTui(['plugins', '--json']);
	assert.ok((JSON.parse(listed.stdout) as Array<{name: string}>).some(plugin => plugin.name === longName));
	const ledgerDir = leftovers.folder('kasm-tui-hostile-');
	const upgraded = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', longName, '--yes']);
	assert.equal(upgraded.code, 0, upgraded.stderr);
	assert.equal(await runningVersion(sandbox, longName), '1.2.9');
});

/** A registry that answers every repository its own broken way. */
async function startBrokenRegistry(): Promise<{address: string; close: () => Promise<void>}> {
	const routes: Record<string, (request: http.IncomingMessage, response: http.ServerResponse) => void> = {
		garbage: answer(200, 'this is {not json'),
		truncated: cutShort('{"name":"truncated/repo","tags":["amd64-1.2.1","amd64-1.', 4096),
		huge: huge(24),
		'html-ok': answer(200, '<!doctype html><html><body>Welcome to nginx</body></html>', {'Content-Type': 'text/html'}),
		null: answer(200, 'null'),
		'wrong-shape': answer(200, JSON.stringify({name: 5, tags: {a: 1}})),
		'wrong-items': answer(200, JSON.stringify({tags: [null, 5, {}, ['amd64-1.2.2'], 'amd64-1.2.1']})),
		empty: answer(200, ''),
		binary: answer(200, Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5d, 0x30, 0x3b, 0x07, 0x9b, 0x32, 0x4a])),
		'no-body-500': answer(500, ''),
		'loop-link': (request, response) => {
			response.writeHead(200, {'Content-Type': 'application/json', Link: `<${request.url}>; rel="next"`});
			response.end(JSON.stringify({tags: ['amd64-1.2.1']}));
		},
		'link-elsewhere': (_request, response) => {
			response.writeHead(200, {'Content-Type': 'application/json', Link: '<http://203.0.113.9/v2/x/tags/list?last=a>; rel="next"'});
			response.end(JSON.stringify({tags: ['amd64-1.2.1']}));
		},
		'redirect-loop': (request, response) => {
			response.writeHead(307, {Location: request.url});
			response.end();
		},
	};
	// Declares more than the limit, then sends next to nothing.
	routes['huge-length'] = (_request, response) => {
		response.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': String(64 * 1024 * 1024)});
		response.write('{"tags":[');
		setTimeout(() => response.socket?.destroy(), 200);
	};
	const server = http.createServer((request, response) => {
		const route = routes[new URL(request.url ?? '/', 'http://registry').pathname.split('/')[2] ?? ''];
		(route ?? answer(404, '{"errors":[{"code":"NAME_UNKNOWN"}]}'))(request, response);
	});
	server.on('clientError', () => {});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${(server.address() as {port: number}).port}`,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}

test('malformed, truncated, huge and looping registry answers: one clear line each and exit 1, never a stack trace', async () => {
	const registry = await startBrokenRegistry();
	try {
		const outcomes: Record<string, {tags: number; latest: number; says: RegExp}> = {
			garbage: {tags: 1, latest: 1, says: /not JSON/},
			truncated: {tags: 1, latest: 1, says: /connection|not JSON|closed/},
			huge: {tags: 1, latest: 1, says: /more than 10 MB/},
			'huge-length': {tags: 1, latest: 1, says: /more than 10 MB/},
			'html-ok': {tags: 1, latest: 1, says: /HTML page/},
			null: {tags: 1, latest: 1, says: /not a JSON object/},
			'wrong-shape': {tags: 0, latest: 1, says: /no release tag/},
			'wrong-items': {tags: 0, latest: 0, says: /./},
			empty: {tags: 1, latest: 1, says: /not JSON/},
			binary: {tags: 1, latest: 1, says: /not JSON/},
			'no-body-500': {tags: 1, latest: 1, says: /HTTP 500/},
			'loop-link': {tags: 0, latest: 0, says: /./},
			'link-elsewhere': {tags: 1, latest: 1, says: /another address/},
			'redirect-loop': {tags: 1, latest: 1, says: /redirected more than 5 times/},
		};
		for (const [repository, expected] of Object.entries(outcomes)) {
			const reference = `${registry.address}/${repository}/repo`;
			const began = Date.now();
			const tags = await kasmTui(['tags', reference]);
			assertClean(tags, `tags ${repository}`);
			assert.equal(tags.code, expected.tags, `tags ${repository}: ${tags.stderr}`);
			const latest = await kasmTui(['latest', `${reference}:amd64-1.2`, '--json']);
			assertClean(latest, `latest ${repository}`);
			assert.equal(latest.code, expected.latest, `latest ${repository}: ${latest.stderr}`);
			for (const result of [tags, latest].filter(run => run.code !== 0)) {
				assert.match(result.stderr, expected.says, `${repository}: ${result.stderr}`);
			}

			assert.ok(Date.now() - began < 20_000, `${repository} is answered in time`);
		}
	} finally {
		await registry.close();
	}
});

test("a registry whose manifests turn to garbage: tags of the plugin still lists, upgrade fails cleanly before touching the plugin", async () => {
	const registry = await startExtraRegistry(sandbox);
	const proxy = await startProxy({host: '127.0.0.1', port: Number(registry.address.split(':')[1])});
	const ledgerDir = leftovers.folder('kasm-tui-hostile-');
	try {
		const repositoryPath = uniqueName('hostile-manifest');
		await pushPluginBuild(sandbox, `${registry.address}/${repositoryPath}:amd64-1.2.9`, {version: '1.2.9'});
		const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2.9`);
		await installPlugin(sandbox, `${proxy.address}/${repositoryPath}:amd64-1.2.9`, {alias: name});
		const before = await inspectPlugin(sandbox, name);
		for (const [fault, rule] of [
			['garbage', answer(200, '{"schemaVersion": 2, "config": "\u001B]0;pwned\u0007", "layers": 7', {'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json'})],
			['truncated', cutShort('{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{', 900)],
			['huge', huge(12, ' ', {'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json'})],
		] as const) {
			proxy.rule = request => (request.url?.includes('/manifests/') ? rule : undefined);
			const tags = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'tags', name], {env: {DOCKER_CONFIG: emptyDockerConfig}});
			assertClean(tags, `tags of the plugin, ${fault} manifests`);
			assert.equal(tags.code, 0, tags.stderr);
			assert.match(tags.stdout, /^amd64-1\.2\.9/m);
			assert.match(tags.stderr, /cannot tell which tag holds the installed build/);

			const upgrade = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes'], {env: {DOCKER_CONFIG: emptyDockerConfig}});
			assertClean(upgrade, `upgrade, ${fault} manifests`, {afterProgress: true});
			assert.equal(upgrade.code, 1, upgrade.stderr);
			const after = await inspectPlugin(sandbox, name);
			assert.deepEqual([after?.Id, after?.Enabled], [before?.Id, true], `${fault}: the plugin is untouched`);
			assert.equal(await runningVersion(sandbox, name), '1.2.9');
			assert.equal(new Ledger(ledgerDir).unfinished(name), undefined);
		}
	} finally {
		await proxy.close();
		await registry.stop();
	}
});

/** The daemon's socket behind a proxy that can turn one answer into garbage. */
async function daemonProxy(): Promise<MisbehavingServer> {
	return startProxy({socketPath: sandbox.state.socket}, {socketPath: path.join(sandbox.state.dir, `bad-${process.pid}-${Math.random().toString(36).slice(2, 6)}.sock`)});
}

test('non-JSON, malformed, truncated and huge answers from the daemon: one clear line and exit 1 for each command, never a stack trace', async () => {
	const {kasm} = await useSandbox();
	const name = leftovers.plugin(`${uniqueName('hostile-daemon')}/sidecar:amd64-1.2.9`);
	await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: name});
	const proxy = await daemonProxy();
	const ledgerDir = leftovers.folder('kasm-tui-hostile-');
	const host = `unix://${proxy.address}`;
	try {
		const healthy = await runCli(['--host', host, '--ledger-dir', ledgerDir, 'plugins', '--json']);
		assert.equal(healthy.code, 0, `the proxy passes a healthy daemon on: ${healthy.stderr}`);

		const bad = {
			'not JSON': answer(200, 'this is not json \u001B]0;pwned-daemon\u0007'),
			'an HTML error page': answer(500, '<html><body>\u001B]0;pwned\u0007 Bad Gateway</body></html>', {'Content-Type': 'text/html'}),
			'JSON of the wrong shape': answer(200, '{"message": "\u001B]0;pwned\u0007 surprise"}'),
			'a list of the wrong things': answer(200, '[null, 5, "x", {"Id": "abc"}]'),
			'objects with fields of the wrong types': answer(200, '[{"Id": 5, "Name": {"a": 1}, "Config": 7, "Enabled": "yes", "Settings": [], "PluginReference": ["\u001B]0;pwned\u0007"]}]'),
			'an answer cut short': cutShort('[{"Id":"abc","Name":"x', 100_000),
			'a huge answer': huge(40, 'x'),
			'an empty answer': answer(200, ''),
			'a 500 without words': answer(500, ''),
		};
		const commands: Array<{args: string[]; path: RegExp}> = [
			{args: ['plugins'], path: /^\/(v[\d.]+\/)?plugins(\?|$)/},
			{args: ['plugins', '--json'], path: /^\/(v[\d.]+\/)?plugins(\?|$)/},
			{args: ['history', name], path: /^\/(v[\d.]+\/)?plugins(\?|$)/},
			{args: ['images', '--json'], path: /^\/(v[\d.]+\/)?images\/json/},
			{args: ['upgrade', name, '--yes'], path: /^\/(v[\d.]+\/)?version/},
			{args: ['upgrade', name, '--yes'], path: /^\/(v[\d.]+\/)?info/},
			{args: ['upgrade', name, '--yes'], path: /^\/(v[\d.]+\/)?plugins\/privileges/},
			{args: ['rollback', name, '--yes'], path: /^\/(v[\d.]+\/)?plugins(\?|$)/},
		];
		for (const {args, path: target} of commands) {
			for (const [kind, rule] of Object.entries(bad)) {
				proxy.rule = request => (target.test(request.url ?? '') ? rule : undefined);
				const result = await runCli(['--host', host, '--ledger-dir', ledgerDir, ...args]);
				const what = `${args[0]} when ${target.source} answers ${kind}`;
				assertClean(result, what, {afterProgress: args[0] === 'upgrade'});
				// Objects whose fields have the wrong types are read as far as they go, and so is a strange
				// /info (it only names the insecure registries): clean, whatever the outcome.
				const lenient = kind === 'objects with fields of the wrong types' || (target.source.includes('info') && /shape|wrong things/.test(kind));
				const codes = lenient ? [0, 1] : [1];
				assert.ok(codes.includes(result.code ?? -1), `${what}: exit ${codes.join(' or ')}, not ${result.code}: ${result.stdout.slice(0, 300)} ${result.stderr}`);
			}
		}

		assert.equal(await runningVersion(sandbox, name), '1.2.9');
		assert.equal(new Ledger(ledgerDir).unfinished(name), undefined);
	} finally {
		await proxy.close();
	}
});

test('a daemon whose upgrade stream is garbage or ends in a hostile error line: the upgrade is undone, the plugin enabled at its build', async () => {
	const {kasm} = await useSandbox();
	const name = leftovers.plugin(`${uniqueName('hostile-stream')}/sidecar:amd64-1.2.9`);
	await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: name});
	const proxy = await daemonProxy();
	const ledgerDir = leftovers.folder('kasm-tui-hostile-');
	try {
		for (const [kind, body, says] of [
			['an error line with escapes', '{"status":"Pulling"}\n{"errorDetail":{"message":"\u001B]0;pwned\u0007\u001B[2Jdisk full"},"error":"disk full"}\n', /disk full/],
			['lines that are not JSON', 'garbage \u001B]0;pwned\u0007\n{"status":\n\u0000\u0001\n', /not understood/],
		] as const) {
			proxy.rule = request => (/\/plugins\/.+\/upgrade/.test(request.url ?? '') ? answer(200, body) : undefined);
			const result = await runCli(['--host', `unix://${proxy.address}`, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes']);
			assertClean(result, `upgrade when the stream holds ${kind}`, {afterProgress: true});
			const plugin = await inspectPlugin(sandbox, name);
			assert.equal(plugin?.Enabled, true, `${kind}: enabled`);
			assert.equal(await runningVersion(sandbox, name), '1.2.9');
			const last = new Ledger(ledgerDir).read(name).entries.at(-1);
			// The daemon never ran either upgrade (the proxy answered for it): failed, undone, and said so.
			assert.equal(result.code, 1, `${kind}: ${result.stderr}`);
			assert.match(result.stderr, says);
			assert.equal(last?.action, 'upgrade');
			assert.equal(last?.outcome, 'restored', `${kind}: the ledger records the upgrade as undone, not as done`);
			assert.equal(new Ledger(ledgerDir).unfinished(name), undefined);
		}
	} finally {
		await proxy.close();
	}
});

test('a daemon that takes a read and never answers, or stops halfway through it: one line naming the read, exit 1, not a hang', async () => {
	const proxy = await daemonProxy();
	const host = `unix://${proxy.address}`;
	const ledgerDir = leftovers.folder('kasm-tui-silent-');
	try {
		const silent: Record<string, (request: http.IncomingMessage, response: http.ServerResponse) => void> = {
			'never answers': () => {},
			'stops halfway': (_request, response) => {
				response.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': 4000});
				response.write('[{"Id":"abc","Names":["/half');
			},
		};
		for (const [how, rule] of Object.entries(silent)) {
			proxy.rule = request => (request.method === 'GET' && /^\/(v[\d.]+\/)?containers\/json/.test(request.url ?? '') ? rule : undefined);
			const result = await runCli(['--host', host, '--ledger-dir', ledgerDir, 'plugins'], {env: {KASM_TUI_API_TIMEOUT: '1'}, timeoutMs: 30_000});
			assert.equal(result.code, 1, `a daemon that ${how}: ${result.stderr}`);
			assert.match(assertOneErrorLine(result.stderr, how), /did not answer "list containers" within 1 s: .*KASM_TUI_API_TIMEOUT/);
		}

		// A wait that is no number is bad input, refused before the daemon is asked anything.
		proxy.rule = undefined;
		proxy.seen.length = 0;
		const bad = await runCli(['--host', host, '--ledger-dir', ledgerDir, 'plugins'], {env: {KASM_TUI_API_TIMEOUT: 'soon'}});
		assert.equal(bad.code, 2, bad.stderr);
		assert.match(assertOneErrorLine(bad.stderr, 'a bad timeout'), /KASM_TUI_API_TIMEOUT takes seconds/);
		assert.deepEqual(proxy.seen, []);
	} finally {
		await proxy.close();
	}
});
