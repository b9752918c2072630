import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {listPluginsWithUsage} from '../../source/docker/usage.js';
import {openFlowContext} from '../../source/flows/context.js';
import {planUpgrade} from '../../source/flows/planners.js';
import {FlowFailed, runPlan} from '../../source/flows/run.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {kasmTuiCommand, runCli, runCliInterrupted} from '../helpers/cli.js';
import {installPlugin, moveTag, pushPluginBuild, pushRepository, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {startExtraRegistry} from '../sandbox/sandbox.js';
import {installedPlugins, uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const ledgerFolder = () => leftovers.folder('kasm-tui-flows-');
const created = {push: (...names: string[]) => names.forEach(name => leftovers.plugin(name))};

const installed = async () => installedPlugins(sandbox);

/** A rolling plugin from a repository of the test's own, with 1.2.9 and 1.2.10 builds. */
async function rollingPlugin(stem: string) {
	const repositoryPath = uniqueName(stem);
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
	await installPlugin(sandbox, repository.ref(rollingTag), {alias: name});
	created.push(name);
	return {repositoryPath, repository, name, pinned: (tag: string) => `${repositoryPath}/sidecar:${tag}`};
}

const kasmTui = async (ledgerDir: string, ...args: string[]) => runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, ...args]);

test('upgrade follows a moved rolling tag; rollback brings back the previous build, pinned; a second rollback goes back again', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name, pinned} = await rollingPlugin('flows-moved');
	assert.equal(await runningVersion(sandbox, name), '1.2.9');

	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const upgraded = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
	assert.equal(upgraded.code, 0, upgraded.stderr);
	assert.match(upgraded.stdout, /docker plugin disable .*\n.*\n.*docker plugin upgrade --grant-all-permissions/s);
	assert.equal(await runningVersion(sandbox, name), '1.2.10');

	// The tag it came from now names 1.2.10: the rollback must find 1.2.9's build by content.
	const rolledBack = await kasmTui(ledgerDir, 'rollback', name, '--yes');
	assert.equal(rolledBack.code, 0, rolledBack.stderr);
	const first = pinned('amd64-1.2.9');
	created.push(first);
	const names = (await installed()).map(plugin => plugin.Name);
	assert.ok(!names.includes(name), 'the rolling plugin is gone');
	assert.ok(names.includes(first), `pinned as ${first}`);
	assert.equal(await runningVersion(sandbox, first), '1.2.9');
	assert.match((await installed()).find(plugin => plugin.Name === first)!.PluginReference, /:amd64-1\.2\.9$/);

	const history = JSON.parse((await kasmTui(ledgerDir, 'history', first, '--json')).stdout) as Array<{action: string; outcome: string; name: string}>;
	assert.deepEqual(
		history.filter(entry => entry.outcome !== 'started').map(entry => `${entry.action}:${entry.outcome}`),
		['rollback:ok', 'upgrade:ok', 'observed:ok'],
		'the history followed the plugin to its pinned name',
	);

	const again = await kasmTui(ledgerDir, 'rollback', first, '--yes');
	assert.equal(again.code, 0, again.stderr);
	const second = pinned('amd64-1.2.10');
	created.push(second);
	assert.equal(await runningVersion(sandbox, second), '1.2.10');
	assert.ok(!(await installed()).some(plugin => plugin.Name === first));
});

test('auto-update upgrades an idle rolling plugin and skips a pinned one and one in use, saying why', async () => {
	const ledgerDir = ledgerFolder();
	const idle = await rollingPlugin('flows-auto-idle');
	const busy = await rollingPlugin('flows-auto-busy');
	const pinnedName = `${idle.repositoryPath}/pinned:amd64-1.2.9`;
	await installPlugin(sandbox, idle.repository.ref('amd64-1.2.9'), {alias: pinnedName});
	created.push(pinnedName);
	const volume = uniqueName('auto-volume');
	await sandbox.docker(['volume', 'create', '-d', busy.name, volume]);
	await moveTag(sandbox, idle.repositoryPath, rollingTag, 'amd64-1.2.10');
	await moveTag(sandbox, busy.repositoryPath, rollingTag, 'amd64-1.2.10');
	try {
		const result = await kasmTui(ledgerDir, 'auto-update', '--yes', '--json');
		const outcomes = JSON.parse(result.stdout) as Array<{plugin: string; result: string; reason?: string}>;
		const of = (plugin: string) => outcomes.find(outcome => outcome.plugin === plugin);
		assert.equal(of(idle.name)?.result, 'upgraded');
		assert.equal(of(pinnedName)?.result, 'skipped');
		assert.match(of(pinnedName)?.reason ?? '', /pinned/);
		assert.equal(of(busy.name)?.result, 'skipped');
		assert.match(of(busy.name)?.reason ?? '', new RegExp(`in use by 1 volume \\(${volume}\\)`));
		assert.equal(await runningVersion(sandbox, idle.name), '1.2.10');
		assert.equal(await runningVersion(sandbox, busy.name), '1.2.9');
		assert.equal(await runningVersion(sandbox, pinnedName), '1.2.9');
	} finally {
		await sandbox.docker(['volume', 'rm', volume]);
	}
});

test('auto-update leaves alone a rolling plugin that a dead change left unfinished, and says to recover it', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-auto-unfinished');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledger = new Ledger(ledgerDir);
	const [plugin] = (await installed()).filter(found => found.Name === name);
	// What a kasm-tui killed in the middle of an upgrade leaves: `started`, and no outcome.
	ledger.append({
		time: new Date().toISOString(),
		action: 'upgrade',
		name,
		reference: plugin!.PluginReference,
		tag: rollingTag,
		identity: {diffIds: []},
		attempt: 'dead-attempt',
		from: {name, reference: plugin!.PluginReference, tag: rollingTag, enabled: true},
		outcome: 'started',
		user: 'someone',
		version: '0.1.0',
	});
	const result = await kasmTui(ledgerDir, 'auto-update', '--yes', '--json');
	assert.equal(result.code, 0, result.stderr);
	const outcome = (JSON.parse(result.stdout) as Array<{plugin: string; result: string; reason?: string}>).find(found => found.plugin === name);
	assert.equal(outcome?.result, 'skipped');
	assert.match(outcome?.reason ?? '', new RegExp(`an upgrade of .* by someone did not finish: run "kasm-tui recover ${name.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" first`));
	assert.equal(await runningVersion(sandbox, name), '1.2.9', 'the plugin was not touched');
	assert.equal(ledger.read(name).entries.at(-1)?.attempt, 'dead-attempt', 'nothing was written over the unfinished change');
});

test('upgrade is refused while a volume uses the plugin, naming it; nothing changes, and the refusal is recorded', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-in-use');
	const volume = uniqueName('busy-volume');
	await sandbox.docker(['volume', 'create', '-d', name, volume]);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	try {
		const result = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
		assert.equal(result.code, 3);
		assert.match(result.stderr, new RegExp(`in use by 1 volume \\(${volume}\\)`));
		assert.equal(result.stderr.trimEnd().split('\n').length, 1);
		assert.equal(await runningVersion(sandbox, name), '1.2.9');
		const history = new Ledger(ledgerDir).read(name).entries;
		assert.equal(history.at(-1)?.outcome, 'refused');
	} finally {
		await sandbox.docker(['volume', 'rm', volume]);
	}
});

test('the registry stopped in the middle of an upgrade: the plugin is enabled again at its build, and the ledger says restored', async () => {
	const ledgerDir = ledgerFolder();
	const registry = await startExtraRegistry(sandbox);
	try {
		const repositoryPath = uniqueName('flows-outage');
		const remote = (tag: string) => `${registry.address}/${repositoryPath}:${tag}`;
		await pushPluginBuild(sandbox, remote('amd64-1.2.9'), {version: '1.2.9'});
		await pushPluginBuild(sandbox, remote('amd64-1.2.10'), {version: '1.2.10'});
		await pushPluginBuild(sandbox, remote(rollingTag), {version: '1.2.9'});
		const name = `${repositoryPath}:amd64-1.2-rolling`;
		await installPlugin(sandbox, remote(rollingTag), {alias: name});
		created.push(name);

		const context = await openFlowContext({target: parseHost(sandbox.host, 'flag'), ledgerDir});
		const plugin = (await listPluginsWithUsage(context.engine)).find(candidate => candidate.name === name)!;
		const plan = await planUpgrade(context, plugin);
		assert.equal(plan.refusal, undefined);
		await registry.stop();
		await assert.rejects(runPlan(context, plan), (error: unknown) => error instanceof FlowFailed && error.outcome === 'restored' && error.exitCode === 1);
		assert.equal(await runningVersion(sandbox, name), '1.2.9');
		const last = new Ledger(ledgerDir).read(name).entries.at(-1);
		assert.equal(last?.outcome, 'restored');
		assert.match(last?.error ?? '', /\S/);
	} finally {
		await registry.stop();
	}
});

test('reinstall installs an existing tag under an alias; a missing tag changes nothing, exit 2', async () => {
	const ledgerDir = ledgerFolder();
	const {name, pinned} = await rollingPlugin('flows-reinstall');
	const missing = await kasmTui(ledgerDir, 'reinstall', name, '--version', 'amd64-9.9.9', '--yes');
	assert.equal(missing.code, 2);
	assert.match(missing.stderr, /no tag amd64-9\.9\.9/);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');

	const alias = pinned('amd64-1.2.10');
	const result = await kasmTui(ledgerDir, 'reinstall', name, '--version', 'amd64-1.2.10', '--alias', alias, '--yes');
	assert.equal(result.code, 0, result.stderr);
	created.push(alias);
	assert.equal(await runningVersion(sandbox, alias), '1.2.10');
	assert.ok(!(await installed()).some(plugin => plugin.Name === name));
});

test("Kasm's upgrade_plugins flags: --name upgrades, --rollback rolls back, --reinstall --version --alias reinstalls, without asking", async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name, pinned} = await rollingPlugin('flows-kasm-flags');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const upgraded = await kasmTui(ledgerDir, 'upgrade-plugins', '--name', name);
	assert.equal(upgraded.code, 0, upgraded.stderr);
	assert.equal(await runningVersion(sandbox, name), '1.2.10');

	const rolledBack = await kasmTui(ledgerDir, 'upgrade-plugins', '--rollback', '--name', name);
	assert.equal(rolledBack.code, 0, rolledBack.stderr);
	created.push(pinned('amd64-1.2.9'));
	assert.equal(await runningVersion(sandbox, pinned('amd64-1.2.9')), '1.2.9');

	const alias = `${repositoryPath}/again:amd64-1.2-rolling`;
	const reinstalled = await kasmTui(ledgerDir, 'upgrade-plugins', '--reinstall', '--name', pinned('amd64-1.2.9'), '--version', 'amd64-1.2.10', '--alias', alias);
	assert.equal(reinstalled.code, 0, reinstalled.stderr);
	created.push(alias);
	assert.equal(await runningVersion(sandbox, alias), '1.2.10');
	assert.match(reinstalled.stdout, /automated updates will upgrade it/);
});

test('read-only refuses every change, exit 3, and the daemon is untouched', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-read-only');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	for (const args of [['upgrade', name], ['rollback', name], ['reinstall', name, '--version', 'amd64-1.2.10'], ['auto-update']]) {
		const result = await kasmTui(ledgerDir, '--read-only', '--yes', ...args);
		assert.equal(result.code, 3, `${args[0]}: ${result.stderr}`);
		assert.match(result.stderr, /read-only/);
	}

	assert.equal(await runningVersion(sandbox, name), '1.2.9');
});

test('without a terminal and without --yes nothing is changed, exit 2', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-no-tty');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const result = await kasmTui(ledgerDir, 'upgrade', name);
	assert.equal(result.code, 2);
	assert.match(result.stderr, /--yes/);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
});

test('a rollback with no earlier build in the history changes nothing and says what to do, exit 3', async () => {
	const ledgerDir = ledgerFolder();
	const {name} = await rollingPlugin('flows-no-previous');
	const result = await kasmTui(ledgerDir, 'rollback', name, '--yes');
	assert.equal(result.code, 3);
	assert.match(result.stderr, /cannot be determined.*kasm-tui reinstall/);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
});

/** The upgrade attempts in the ledger as [started, settled] positions: two that overlap ran at once. */
function upgradeAttempts(ledgerDir: string, name: string): Array<{attempt: string; started: number; settled: number; outcome: string}> {
	const {entries, skipped} = new Ledger(ledgerDir).read(name);
	assert.equal(skipped, 0, 'the ledger stays whole');
	const attempts = [...new Set(entries.filter(entry => entry.action === 'upgrade').map(entry => entry.attempt!))];
	return attempts.map(attempt => {
		const started = entries.findIndex(entry => entry.attempt === attempt && entry.outcome === 'started');
		const settled = entries.findIndex(entry => entry.attempt === attempt && entry.outcome !== 'started');
		return {attempt, started, settled, outcome: entries[settled]?.outcome ?? 'unsettled'};
	});
}

test('two upgrades of one plugin started at once: the second is refused naming the kasm-tui that holds the plugin, or runs wholly after the first', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-concurrent');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const results = await Promise.all([kasmTui(ledgerDir, 'upgrade', name, '--yes'), kasmTui(ledgerDir, 'upgrade', name, '--yes')]);
	const attempts = upgradeAttempts(ledgerDir, name);
	const said = results.map(result => `exit ${result.code}: ${result.stderr}`).join(' | ');
	assert.deepEqual(
		attempts.map(attempt => attempt.outcome),
		results.filter(result => result.code === 0).map(() => 'ok'),
		`one ok attempt in the ledger per upgrade that went through, and nothing else: ${said}`,
	);
	if (results.every(result => result.code === 0)) {
		const [first, second] = attempts.sort((a, b) => a.started - b.started);
		assert.ok(first!.settled < second!.started, `both went through, so the second started only once the first had settled: ${JSON.stringify(attempts)}`);
	} else {
		assert.deepEqual(results.map(result => result.code).sort(), [0, 3], said);
		assert.match(results.find(result => result.code === 3)!.stderr, /is being changed by another kasm-tui \(pid \d+ on \S+, upgrade since /);
	}

	assert.equal(await runningVersion(sandbox, name), '1.2.10');
});

test('an upgrade asked for while another kasm-tui is in the middle of one is refused, naming it; the first finishes undisturbed', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-frozen');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	// The first is frozen (SIGSTOP) as its first step begins: it holds the plugin for as long as the second takes.
	const first = spawn(kasmTuiCommand[0]!, [...kasmTuiCommand.slice(1), '--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes'], {
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, DOCKER_HOST: ''},
	});
	let stderr = '';
	let stopped = false;
	const frozen = new Promise<void>(resolve => {
		first.stderr.on('data', chunk => {
			stderr += chunk;
			if (!stopped && /\[1\/3\]/.test(stderr)) {
				stopped = first.kill('SIGSTOP');
				resolve();
			}
		});
	});
	const exited = new Promise<number | null>(resolve => first.on('close', code => resolve(code)));
	try {
		await frozen;
		const second = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
		assert.equal(second.code, 3, second.stderr);
		assert.match(second.stderr, new RegExp(`is being changed by another kasm-tui \\(pid ${first.pid} on \\S+, upgrade since `));
		assert.doesNotMatch(second.stderr, /kasm-tui recover/, 'a change under way is not one to recover');
	} finally {
		first.kill('SIGCONT');
	}

	assert.equal(await exited, 0, stderr);
	assert.deepEqual(
		upgradeAttempts(ledgerDir, name).map(attempt => attempt.outcome),
		['ok'],
		'the first upgrade, started and settled; nothing of the refused one',
	);
	assert.equal(await runningVersion(sandbox, name), '1.2.10');
});

test('kasm-tui killed with SIGKILL mid-upgrade: the next run finds the half-done change, refuses to pile on, and recover puts the plugin back', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-killed');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');

	// Kill it as soon as it says it is replacing the build: the plugin is disabled by then.
	await new Promise<void>((resolve, reject) => {
		const child = spawn(kasmTuiCommand[0]!, [...kasmTuiCommand.slice(1), '--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes'], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, DOCKER_HOST: ''},
		});
		let stderr = '';
		child.stderr.on('data', chunk => {
			stderr += chunk;
			if (/\[2\/3\]/.test(stderr)) {
				child.kill('SIGKILL');
			}
		});
		child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed: ${stderr}`))));
	});

	const plugin = (await installed()).find(candidate => candidate.Name === name);
	assert.ok(plugin, 'the plugin is still installed');
	const refused = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
	assert.equal(refused.code, 3);
	assert.match(refused.stderr, /did not finish.*kasm-tui recover/);

	const recovered = await kasmTui(ledgerDir, 'recover', name, '--yes');
	assert.equal(recovered.code, 0, recovered.stderr);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	assert.equal(new Ledger(ledgerDir).unfinished(name), undefined);
	assert.equal(new Ledger(ledgerDir).read(name).entries.at(-1)?.outcome, 'restored');
});

/** `upgrade --yes`, sent SIGINT (ctrl-c) as its step `step` of 3 begins. */
async function upgradeInterrupted(ledgerDir: string, name: string, step: number) {
	return runCliInterrupted(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name, '--yes'], `[${step}/3]`);
}

test('an upgrade undone after its pull leaves the plugin named by the tag that held its build; the next upgrade follows the rolling tag again', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-undo-reference');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const reference = async () => (await installed()).find(candidate => candidate.Name === name)?.PluginReference ?? '';
	const rolling = await reference();
	// ctrl-c as the upgrade step starts: it finishes (1.2.10 is in), then the undo puts 1.2.9 back.
	const interrupted = await upgradeInterrupted(ledgerDir, name, 2);
	assert.equal(interrupted.code, 1, interrupted.stderr);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	assert.match(await reference(), /:amd64-1\.2\.9$/, 'the daemon names the plugin by the tag its build came back from');

	const again = await kasmTui(ledgerDir, 'upgrade', name, '--yes');
	assert.equal(again.code, 0, again.stderr);
	assert.match(again.stdout, new RegExp(`follows \\S*${rollingTag.replaceAll('.', '\\.')} again`));
	assert.equal(await runningVersion(sandbox, name), '1.2.10', 'the upgrade pulled the rolling tag, not 1.2.9 again');
	assert.equal(await reference(), rolling, 'and the plugin follows the rolling tag again');
});

test('a reinstall whose build asks for more privileges says so in the plan, and grants exactly what the daemon asks', async () => {
	const ledgerDir = ledgerFolder();
	const {kasm} = await useSandbox();
	const name = `${uniqueName('flows-privileges')}/sidecar:amd64-1.2.9`;
	await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: name});
	created.push(name);
	const result = await kasmTui(ledgerDir, 'reinstall', name, '--version', 'amd64-2.0.0', '--alias', name.replace('1.2.9', '2.0.0'), '--yes');
	assert.equal(result.code, 0, result.stderr);
	created.push(name.replace('1.2.9', '2.0.0'));
	assert.match(result.stdout, /privileges {2}! network: host\n {14}! capabilities: CAP_NET_ADMIN {2}\(new: this build asks for it/);
	assert.match(result.stdout, /asks for more than this one: capabilities CAP_NET_ADMIN/);
	assert.equal(await runningVersion(sandbox, name.replace('1.2.9', '2.0.0')), '2.0.0');
});

test('ctrl-c (SIGINT) in the middle of an upgrade: the step under way finishes, the rest is undone, the plugin is enabled at its build', async () => {
	const ledgerDir = ledgerFolder();
	const {repositoryPath, name} = await rollingPlugin('flows-interrupted');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const result = await upgradeInterrupted(ledgerDir, name, 1);
	assert.equal(result.code, 1, result.stderr);
	assert.match(result.stderr, /SIGINT: finishing the current step, then undoing/);
	assert.match(result.stderr, /interrupted \(SIGINT\).*is as it was \(enabled/s);
	assert.equal(await runningVersion(sandbox, name), '1.2.9');
	const ledger = new Ledger(ledgerDir);
	assert.equal(ledger.unfinished(name), undefined, 'nothing is left half-done');
	assert.equal(ledger.read(name).entries.at(-1)?.outcome, 'restored');
});
