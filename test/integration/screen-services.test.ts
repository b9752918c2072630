import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {after, afterEach, test} from 'node:test';
import {createElement} from 'react';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/components/app.js';
import {createHostServices} from '../../source/app/services/host-services.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {listPluginsWithUsage} from '../../source/docker/usage.js';
import {openFlowContext} from '../../source/flows/context.js';
import {planRollback} from '../../source/flows/planners.js';
import {FlowFailed} from '../../source/flows/run.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {answerPrompt, keys, press, waitForFrame} from '../helpers/frames.js';
import {installPlugin, moveTag, pushPluginBuild, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {startSandbox, type Sandbox} from '../sandbox/sandbox.js';
import {testRollingPlugin, uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';
import {setTimeout as delay} from 'node:timers/promises';

/**
 * The screen's real services (createHostServices) against the sandbox daemon, driven from the
 * screen as an operator drives it: what the keys change on the daemon and write in the ledger.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const target = parseHost(sandbox.host, 'flag');
afterEach(() => cleanup());

/** A daemon of this file's own, for the tests that act on or read everything a daemon has. */
let ownSandbox: Promise<Sandbox> | undefined;
const ownDaemon = async () => (ownSandbox ??= startSandbox());
after(async () => {
	if (ownSandbox) {
		await (await ownSandbox).stop();
	}
});

interface InspectedPlugin {
	Name: string;
	Enabled: boolean;
}

async function inspect(name: string): Promise<InspectedPlugin | undefined> {
	const listed = JSON.parse(await sandbox.docker(['plugin', 'ls', '--format', '{{json .Name}}', '--no-trunc']).then(text => `[${text.trim().split('\n').filter(Boolean).join(',')}]`)) as string[];
	return listed.includes(name) ? (JSON.parse(await sandbox.docker(['plugin', 'inspect', name])) as InspectedPlugin[])[0] : undefined;
}

/** A rolling plugin of the test's own, from a repository of its own (1.2.9 and 1.2.10). */
async function rollingPlugin(stem: string, options: {disabled?: boolean; on?: Sandbox} = {}) {
	return testRollingPlugin(sandbox, leftovers, stem, options);
}

/** The screen on the sandbox with the real services, its list narrowed to the test's plugins. */
async function openScreen(ledgerDir: string, filter: string, options: {readOnly?: boolean; rows?: number; on?: Sandbox; daemonLog?: string} = {}) {
	const services = createHostServices(options.on ? parseHost(options.on.host, 'flag') : target, {readOnly: Boolean(options.readOnly), ledgerDir, daemonLog: options.daemonLog});
	const ui = render(createElement(App, {services, size: {columns: 160, rows: options.rows ?? 45}}));
	await waitForFrame(ui.lastFrame, text => /Plugins \(\d+\)/.test(text), 20_000);
	await press(ui.stdin, ui.lastFrame, '/');
	ui.stdin.write(filter + '\r');
	await waitForFrame(ui.lastFrame, text => text.includes(`/${filter}`) && !text.includes('█'));
	return {ui, services};
}

const flat = (frame: string) => frame.replaceAll(/\s+/g, ' ');
const entriesOf = (ledgerDir: string, name: string) => new Ledger(ledgerDir).read(name).entries;
const settled = (ledgerDir: string, name: string) => entriesOf(ledgerDir, name).filter(entry => entry.outcome !== 'started').map(entry => `${entry.action}:${entry.outcome}`);

test('d and e from the screen disable and enable the plugin as flows: each attempt is in the ledger, started and settled', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const {repositoryPath, name} = await rollingPlugin('screen-enable');
	const {ui} = await openScreen(ledgerDir, repositoryPath);
	await waitForFrame(ui.lastFrame, text => text.includes('enabled · rolling'));
	await press(ui.stdin, ui.lastFrame, 'd');
	await answerPrompt(ui, {title: /Disable .*sidecar:amd64-1\.2-rolling\?/, body: [/\$ docker plugin disable/]}, 'y');
	await waitForFrame(ui.lastFrame, text => /Disable (done|failed)/.test(text), 30_000);
	assert.match(ui.lastFrame() ?? '', /Disable done: /);
	assert.equal((await inspect(name))?.Enabled, false);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await waitForFrame(ui.lastFrame, text => text.includes('disabled · rolling'), 10_000);

	await press(ui.stdin, ui.lastFrame, 'e');
	await answerPrompt(ui, {title: /Enable .*\?/, body: [/\$ docker plugin enable/]}, 'y');
	await waitForFrame(ui.lastFrame, text => /Enable (done|failed)/.test(text), 30_000);
	assert.match(ui.lastFrame() ?? '', /Enable done: /);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	assert.deepEqual(settled(ledgerDir, name), ['observed:ok', 'disable:ok', 'enable:ok']);
	const entries = entriesOf(ledgerDir, name);
	for (const action of ['disable', 'enable']) {
		const done = entries.find(entry => entry.action === action && entry.outcome === 'ok')!;
		assert.ok(entries.some(entry => entry.outcome === 'started' && entry.attempt === done.attempt), `the ${action} was started in the ledger before it ran`);
	}
});

test('x from the screen removes the plugin as a flow and keeps its history; refused while a dead change of it is unfinished', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const {repositoryPath, name} = await rollingPlugin('screen-remove');
	const stuck = leftovers.plugin(`${repositoryPath}/stuck:amd64-1.2.9`);
	await installPlugin(sandbox, `${sandbox.registry}/${repositoryPath}:amd64-1.2.9`, {alias: stuck});
	// What a kasm-tui killed half-way through an upgrade of `stuck` leaves: `recover` needs the plugin.
	new Ledger(ledgerDir).append({
		time: new Date().toISOString(),
		action: 'upgrade',
		name: stuck,
		reference: `${sandbox.registry}/${repositoryPath}:amd64-1.2.9`,
		tag: 'amd64-1.2.9',
		identity: {diffIds: []},
		attempt: 'dead-attempt',
		from: {name: stuck, reference: `${sandbox.registry}/${repositoryPath}:amd64-1.2.9`, tag: 'amd64-1.2.9', enabled: true},
		outcome: 'started',
		user: 'someone',
		version: '0.1.0',
	});
	const {ui} = await openScreen(ledgerDir, repositoryPath);
	// The list is sorted by name: sidecar, then stuck.
	await waitForFrame(ui.lastFrame, text => text.includes('Plugins (2)') && text.includes('enabled · rolling'));
	await press(ui.stdin, ui.lastFrame, 'j');
	await waitForFrame(ui.lastFrame, text => text.includes('enabled · pinned'));
	await press(ui.stdin, ui.lastFrame, 'x');
	let frame = await waitForFrame(ui.lastFrame, text => /refused|did not finish/.test(text), 20_000);
	assert.match(frame.replaceAll(/\s+/g, ' '), /did not finish: run "kasm-tui recover [^"]*stuck:amd64-1\.2\.9" first/);
	assert.ok(await inspect(stuck), 'the plugin recover needs is still there');
	assert.equal(entriesOf(ledgerDir, stuck).at(-1)?.attempt, 'dead-attempt', 'nothing was written over the unfinished change');
	await press(ui.stdin, ui.lastFrame, keys.escape);

	await press(ui.stdin, ui.lastFrame, 'k');
	await waitForFrame(ui.lastFrame, text => text.includes('enabled · rolling'));
	await press(ui.stdin, ui.lastFrame, 'x');
	await answerPrompt(ui, {title: /Remove .*sidecar:amd64-1\.2-rolling\?/, body: [/\$ docker plugin disable/, /\$ docker plugin rm/]}, 'y');
	frame = await waitForFrame(ui.lastFrame, text => /Remove (done|failed)/.test(text), 30_000);
	assert.match(frame, /Remove done: /);
	assert.equal(await inspect(name), undefined, 'the plugin is gone from the daemon');
	assert.deepEqual(settled(ledgerDir, name), ['observed:ok', 'remove:ok'], 'and its history stays in the ledger');
});

test('SIGTERM between the disable and the remove: the remove counts as work in progress, and is undone rather than cut in half', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const {name} = await rollingPlugin('screen-remove-interrupted');
	const interrupted = new AbortController();
	const services = createHostServices(target, {readOnly: false, ledgerDir, signal: interrupted.signal});
	const plugin = (await services.load()).plugins.find(candidate => candidate.name === name)!;
	const plan = await services.plan({kind: 'remove', plugin});
	assert.deepEqual(
		plan.steps.map(step => step.kind),
		['disable', 'remove'],
	);
	assert.equal(services.busy(), false);
	const busyAtDisable: boolean[] = [];
	await assert.rejects(
		services.run(plan, event => {
			if (event.kind === 'step' && event.step.kind === 'disable') {
				busyAtDisable.push(services.busy());
				// What the screen does on SIGTERM or SIGHUP (screen.tsx): abort, and quit only when not busy.
				interrupted.abort('SIGTERM');
			}
		}),
		(error: unknown) => error instanceof FlowFailed && error.outcome === 'restored' && /interrupted \(SIGTERM\)/.test(error.message),
	);
	assert.deepEqual(busyAtDisable, [true], 'the screen would not have closed');
	assert.equal(services.busy(), false);
	assert.equal(await runningVersion(sandbox, name), '1.2.9', 'still installed, and enabled again');
	assert.deepEqual(settled(ledgerDir, name), ['observed:ok', 'remove:restored']);
});

test('h from the screen calls the plugin on its socket and says how it answered', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const {repositoryPath} = await rollingPlugin('screen-health');
	const {ui} = await openScreen(ledgerDir, repositoryPath);
	await waitForFrame(ui.lastFrame, text => text.includes('enabled · rolling'));
	await press(ui.stdin, ui.lastFrame, 'h');
	const frame = await waitForFrame(ui.lastFrame, text => /healthy \(answers in \d+ ms\)|unresponsive|error/.test(text), 20_000);
	assert.match(frame, /enabled · rolling.*healthy \(answers in \d+ ms\)/);
});

test('a from the screen upgrades the idle rolling plugin whose tag moved and skips the one a volume uses', async () => {
	// Auto-update acts on every rolling plugin of the daemon: the other test files' must not be here.
	const own = await ownDaemon();
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const stem = uniqueName('screen-auto');
	const idle = await rollingPlugin(`${stem}-idle`, {on: own});
	const busy = await rollingPlugin(`${stem}-busy`, {on: own});
	const volume = uniqueName('screen-auto-volume');
	await own.docker(['volume', 'create', '-d', busy.name, volume]);
	await moveTag(own, idle.repositoryPath, rollingTag, 'amd64-1.2.10');
	await moveTag(own, busy.repositoryPath, rollingTag, 'amd64-1.2.10');
	const {ui} = await openScreen(ledgerDir, stem, {on: own});
	await waitForFrame(ui.lastFrame, text => text.includes('Plugins (2)'));
	await press(ui.stdin, ui.lastFrame, 'a');
	await answerPrompt(
		ui,
		{title: /Auto-update every rolling plugin/, body: [new RegExp(`upgrade ${idle.name}`), new RegExp(`skip ${busy.name} in use by 1 volume`)]},
		'y',
	);
	const frame = await waitForFrame(ui.lastFrame, text => /Auto-update (done|failed)/.test(text), 60_000);
	assert.match(frame, /Auto-update done/);
	assert.equal(await runningVersion(own, idle.name), '1.2.10');
	assert.equal(await runningVersion(own, busy.name), '1.2.9');
	assert.deepEqual(settled(ledgerDir, idle.name), ['observed:ok', 'auto-update:ok']);
	ui.unmount();
	await own.docker(['volume', 'rm', volume]);
});

/** Everything a change could touch, read from the daemon and the ledger folder. */
async function everything(on: Sandbox, ledgerDir: string): Promise<string> {
	const daemon = await Promise.all([
		on.docker(['plugin', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.Enabled}}']),
		on.docker(['image', 'ls', '--all', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']),
		on.docker(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}']),
		on.docker(['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.Driver}}']),
		on.docker(['container', 'ls', '--all', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.State}}']),
	]);
	const files = fs.existsSync(ledgerDir)
		? fs.readdirSync(ledgerDir, {recursive: true}).map(file => `${String(file)}: ${fs.statSync(path.join(ledgerDir, String(file))).isFile() ? fs.readFileSync(path.join(ledgerDir, String(file)), 'utf8') : '(folder)'}`)
		: ['(no ledger folder)'];
	return [...daemon.map(text => text.split('\n').sort().join('\n')), ...files.sort()].join('\n--\n');
}

test('read-only: every key that would change something is refused with the reason, and nothing of any kind changed on the daemon or in the ledger', async () => {
	// Nothing but this test may change the daemon while it looks.
	const own = await ownDaemon();
	const ledgerDir = path.join(leftovers.folder('kt-screen-services-'), 'ledger');
	const {repositoryPath} = await rollingPlugin('screen-read-only', {on: own});
	await moveTag(own, repositoryPath, rollingTag, 'amd64-1.2.10');
	const before = await everything(own, ledgerDir);
	const {ui} = await openScreen(ledgerDir, repositoryPath, {readOnly: true, on: own});
	// The rolling tag has moved on from the build it runs: the tags say so.
	await waitForFrame(ui.lastFrame, text => text.includes('enabled · rolling') && text.includes('amd64-1.2-rolling  (installed from, has moved on since'), 20_000);
	const keysThatChange: Array<[string, string]> = [
		['u', 'upgrade'],
		['r', 'rollback'],
		['i', 'reinstall a version'],
		['I', 'install a plugin'],
		['s', 'change a setting'],
		['a', 'auto-update rolling plugins'],
		['e', 'enable'],
		['d', 'disable'],
		['x', 'remove'],
		[keys.tab, ''],
		['p', 'pull'],
		['x', 'remove'],
	];
	for (const [key, description] of keysThatChange) {
		if (description === '') {
			await press(ui.stdin, ui.lastFrame, key);
			continue;
		}

		ui.stdin.write(key);
		const frame = await waitForFrame(ui.lastFrame, text => text.includes(`${key} ${description}: read-only (--read-only): it would change the daemon`));
		assert.doesNotMatch(frame, /y go ahead/, `${key} asks nothing`);
		// The next key clears the message; a key of the same words must not be taken for it.
		await press(ui.stdin, ui.lastFrame, 'k');
	}

	ui.unmount();
	assert.equal(await everything(own, ledgerDir), before, 'the daemon and the ledger are exactly as they were');
});

test('the "(previous)" mark is the build a rollback reinstalls, also for history written without content identity', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const {repositoryPath, name} = await rollingPlugin('screen-previous');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	await sandbox.docker(['plugin', 'disable', name]);
	await sandbox.docker(['plugin', 'upgrade', '--grant-all-permissions', name, `${sandbox.registry}/${repositoryPath}:${rollingTag}`]);
	await sandbox.docker(['plugin', 'enable', name]);
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
	// Written by an older kasm-tui, by hand, or by Kasm's own scripts: a tag, no content identity.
	new Ledger(ledgerDir).append({
		time: '2026-10-02T08:00:00.000Z',
		action: 'install',
		name,
		reference: `${sandbox.registry}/${repositoryPath}:amd64-1.2.9`,
		tag: 'amd64-1.2.9',
		identity: {diffIds: []},
		outcome: 'ok',
		user: 'ops',
		version: '0.0.1',
	});
	const services = createHostServices(target, {readOnly: false, ledgerDir});
	const plugin = (await services.load()).plugins.find(candidate => candidate.name === name)!;
	const details = await services.details(plugin);
	const flow = await openFlowContext({target, ledgerDir});
	const rollback = await planRollback(flow, (await listPluginsWithUsage(flow.engine)).find(candidate => candidate.name === name)!);
	assert.equal(rollback.refusal, undefined, rollback.refusal?.message);
	assert.equal(rollback.destination.tag, 'amd64-1.2.9');
	assert.equal(details.previousTag, rollback.destination.tag, 'the picker marks the build the rollback would reinstall');
});

test('a remove that died after the daemon removed the plugin: recover says so and settles it, installing nothing', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const name = `${uniqueName('screen-removed')}/sidecar:amd64-1.2.9`;
	// What a kasm-tui killed between `docker plugin rm` and its outcome leaves: `started`, and no plugin.
	new Ledger(ledgerDir).append({
		time: new Date().toISOString(),
		action: 'remove',
		name,
		reference: `${sandbox.registry}/nowhere:amd64-1.2.9`,
		tag: 'amd64-1.2.9',
		identity: {diffIds: []},
		attempt: 'dead-remove',
		from: {name, reference: `${sandbox.registry}/nowhere:amd64-1.2.9`, tag: 'amd64-1.2.9', enabled: true},
		outcome: 'started',
		user: 'someone',
		version: '0.1.0',
	});
	const result = await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'recover', name, '--yes']);
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stderr, /record that .* was removed/);
	assert.match(result.stdout, /was removed, as asked/);
	assert.equal(new Ledger(ledgerDir).unfinished(name), undefined);
	assert.equal(await inspect(name), undefined, 'nothing was installed');
	assert.deepEqual(settled(ledgerDir, name), ['remove:ok']);
});

/** What the daemon itself lists for a remote, asked over its socket without kasm-tui's code: `Name: value, value`. */
async function daemonPrivileges(remote: string): Promise<string[]> {
	const body = await new Promise<string>((resolve, reject) => {
		http
			.get({socketPath: sandbox.state.socket, path: `/plugins/privileges?remote=${encodeURIComponent(remote)}`}, response => {
				let text = '';
				response.on('data', chunk => (text += chunk));
				response.on('end', () => resolve(text));
			})
			.on('error', reject);
	});
	return (JSON.parse(body) as Array<{Name: string; Value: string[]}>).map(privilege => `${privilege.Name}: ${privilege.Value.join(', ')}`);
}

test('I, s and l on the real daemon: install a tag of a repository with the privileges it asks for, change a setting, and read its log lines as they come', async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const repositoryPath = uniqueName('screen-install');
	const repository = `${sandbox.registry}/${repositoryPath}`;
	await pushPluginBuild(sandbox, `${repository}:1.0.0`, {
		version: 'screen-install-1.0.0',
		capabilities: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'],
		mounts: [{name: 'state', source: '/tmp', destination: '/state', settable: false}],
		env: [
			{name: 'KASM_GREETING', value: 'hello-from-the-screen', description: 'said at start'},
			{name: 'KASM_API_TOKEN', value: 'screen-secret-4711', settable: false},
		],
	});
	const name = leftovers.plugin(`${repositoryPath}/sidecar:1.0.0`);
	const {ui} = await openScreen(ledgerDir, repositoryPath, {daemonLog: path.join(sandbox.state.dir, 'dockerd.log')});
	await waitForFrame(ui.lastFrame, text => text.includes('Plugins (0)'));

	// A repository alone: its tags to pick from.
	await press(ui.stdin, ui.lastFrame, 'I');
	ui.stdin.write(`${repository}\r`);
	await waitForFrame(ui.lastFrame, text => text.includes('which tag?'), 20_000);
	await delay(50);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await waitForFrame(ui.lastFrame, text => text.includes('under which name?'));
	ui.stdin.write(`${name}\r`);
	const prompt = await waitForFrame(ui.lastFrame, text => text.includes('y go ahead'), 30_000);
	const rows = prompt.split('\n');
	const first = rows.findIndex(row => row.startsWith('grants'));
	const listed = await daemonPrivileges(`${repository}:1.0.0`);
	assert.ok(listed.length >= 3, `the daemon asks for several: ${listed.join('; ')}`);
	assert.deepEqual(
		rows.slice(first, first + listed.length).map(row => row.replace(/^grants/, '').trim()),
		listed.map(privilege => `! ${privilege}`),
		'each privilege as the daemon lists it, in its order, the ones over the host marked',
	);
	await answerPrompt(ui, {title: new RegExp(`Install ${name.replaceAll('.', '\\.')}\\?`), body: [/from nothing: no plugin named/, /\$ docker plugin install --disable --grant-all-permissions --alias/]}, 'y');
	let frame = await waitForFrame(ui.lastFrame, text => /Install (done|failed|refused)/.test(text), 60_000);
	assert.match(frame, /Install done: /);
	assert.match(frame, /is enabled, nothing → 1\.0\.0/, 'the result names the build it installed');
	assert.equal(await runningVersion(sandbox, name), 'screen-install-1.0.0');
	assert.deepEqual(settled(ledgerDir, name), ['install:ok']);
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await waitForFrame(ui.lastFrame, text => text.includes('Plugins (1)') && text.includes('enabled · pinned'), 20_000);

	// s: the one settable setting, through the same confirmation.
	frame = await press(ui.stdin, ui.lastFrame, 's');
	assert.match(frame, /Set KASM_GREETING of .*: to what\?/);
	ui.stdin.write('\u0015changed-by-the-screen\r');
	await answerPrompt(ui, {title: /Set .*sidecar:1\.0\.0\?/, body: [/\$ docker plugin disable/, /\$ docker plugin set \S+ KASM_GREETING=changed-by-the-screen/, /\$ docker plugin enable/]}, 'y');
	frame = await waitForFrame(ui.lastFrame, text => /Set (done|failed)/.test(text), 60_000);
	assert.match(frame, /Set done: /);
	assert.match(frame, /1\.0\.0, the same build as before/);
	await press(ui.stdin, ui.lastFrame, keys.enter);

	// l: its lines of the daemon's log, then the ones a restart writes while it is open.
	await waitForFrame(ui.lastFrame, text => text.includes('KASM_GREETING=changed-by-the-screen'), 20_000);
	await press(ui.stdin, ui.lastFrame, 'l');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('setting KASM_GREETING=changed-by-the-screen'), 20_000);
	assert.match(frame, /from .*dockerd\.log \(its newest 64 MiB\), the lines with plugin=/);
	assert.ok(frame.indexOf('KASM_GREETING=hello-from-the-screen') < frame.indexOf('KASM_GREETING=changed-by-the-screen'), 'oldest first');
	assert.doesNotMatch(frame, /screen-secret-4711/, "the value of a setting that names a secret is not drawn, not even from the plugin's own words");
	assert.match(frame, /setting KASM_API_TOKEN=\*\*\*/);
	const before = (frame.match(/KASM_GREETING=changed-by-the-screen/g) ?? []).length;
	await sandbox.docker(['plugin', 'disable', name]);
	await sandbox.docker(['plugin', 'enable', name]);
	frame = await waitForFrame(ui.lastFrame, text => (text.match(/KASM_GREETING=changed-by-the-screen/g) ?? []).length > before, 20_000);
	assert.match(frame, /lines, following/);
	await press(ui.stdin, ui.lastFrame, keys.escape);
});

test("after an upgrade through the moved rolling tag, the screen's result names both builds, and the picker's previous is the release a rollback reinstalls", async () => {
	const ledgerDir = leftovers.folder('kt-screen-services-');
	const {repositoryPath, name} = await rollingPlugin('screen-builds');
	const {ui, services} = await openScreen(ledgerDir, repositoryPath);
	await waitForFrame(ui.lastFrame, text => text.includes('enabled · rolling') && text.includes('(installed'), 20_000);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	await press(ui.stdin, ui.lastFrame, 'u');
	await answerPrompt(ui, {title: /Upgrade .*\?/, body: [/\$ docker plugin upgrade/]}, 'y');
	const frame = await waitForFrame(ui.lastFrame, text => /Upgrade (done|failed)/.test(text), 60_000);
	assert.match(flat(frame), /is enabled, amd64-1\.2\.9 → amd64-1\.2\.10/, 'not "at amd64-1.2-rolling", which says nothing');
	await press(ui.stdin, ui.lastFrame, keys.enter);
	const history = await waitForFrame(ui.lastFrame, text => /upgrade +amd64-1\.2-rolling \(amd64-1\.2\.10\) ok/.test(text), 20_000);
	assert.match(history, /observed +amd64-1\.2-rolling \(amd64-1\.2\.9\) ok/, 'each rolling entry names the release its build was');
	assert.match(history, /amd64-1\.2\.9 {2}\(previous, history /);

	const plugin = (await services.load()).plugins.find(candidate => candidate.name === name)!;
	const details = await services.details(plugin);
	const flow = await openFlowContext({target, ledgerDir});
	const rollback = await planRollback(flow, (await listPluginsWithUsage(flow.engine)).find(candidate => candidate.name === name)!);
	assert.equal(details.previousTag, 'amd64-1.2.9');
	assert.equal(rollback.destination.tag, details.previousTag, 'the picker marks the build the rollback would reinstall');
});
