import assert from 'node:assert/strict';
import {after, afterEach, test} from 'node:test';
import {createElement} from 'react';
import {cleanup, render} from 'ink-testing-library';
import {App} from '../../source/app/components/app.js';
import {createHostServices} from '../../source/app/services/host-services.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import type {FleetHost} from '../../source/hosts/selection.js';
import {listPluginsWithUsage} from '../../source/docker/usage.js';
import {openFlowContext} from '../../source/flows/context.js';
import {ChangedSincePlan} from '../../source/flows/look-again.js';
import {runChange} from '../../source/flows/pipeline.js';
import {closeRollout, planRollout, runRollout} from '../../source/flows/rollout.js';
import {rolloutExitCode} from '../../source/flows/rollout-plan.js';
import {runPlan} from '../../source/flows/run.js';
import {planChange} from '../../source/flows/open-change.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {kasmTuiCommand} from '../helpers/cli.js';
import {answerPrompt, press, waitForFrame} from '../helpers/frames.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {startExtraDaemon, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import {installPlugin, moveTag, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {testRollingPlugin, uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * The change pipeline's last look: a plan is run only on the plugin it was made on. Between the
 * plan and its run (a prompt left open, a rollout's later stage) the plugin is changed behind
 * kasm-tui's back, as cron's auto-update or another operator would; the change is refused, says
 * what changed, records the refusal, and leaves the plugin as the other hand left it.
 */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const target = parseHost(sandbox.host, 'flag');
afterEach(() => cleanup());
/** A daemon of this file's own, beside the shared one: for a rollout's second host, and to freeze. */
let extra: Promise<ExtraDaemon> | undefined;
const ownDaemon = async () => (extra ??= startExtraDaemon(sandbox));
after(async () => (extra ? (await extra).stop() : undefined));

async function rollingPlugin(stem: string, on: Sandbox = sandbox) {
	return testRollingPlugin(sandbox, leftovers, stem, {versions: ['1.2.9', '1.2.10', '1.2.11'], on});
}

async function enabledOf(on: Sandbox, name: string): Promise<boolean> {
	return (JSON.parse(await on.docker(['plugin', 'inspect', name])) as Array<{Enabled: boolean}>)[0]!.Enabled;
}

const entriesOf = (ledgerDir: string, name: string) => new Ledger(ledgerDir).read(name).entries;

test('kasm-tui upgrade: the plugin disabled while the prompt was open is refused at "y", exit 3, saying what changed; nothing is done and the refusal is recorded', async () => {
	const {name, repositoryPath} = await rollingPlugin('pipeline-command');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kt-pipeline-command-');
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir, 'upgrade', name], {columns: 200, rows: 50});
	try {
		const prompt = await screen.waitFor(text => text.includes('Go ahead? [y/N]'), 30_000);
		assert.match(prompt, new RegExp(`upgrade ${name.replaceAll('.', '\\.')}`));
		assert.match(prompt, /docker plugin disable .*\n.*\n.*docker plugin upgrade/s);
		// Another hand, while the operator reads the plan.
		await sandbox.docker(['plugin', 'disable', name]);
		await screen.typeText('y');
		await screen.keys('Enter');
		assert.equal(await screen.exitCode(30_000), 3);
		// Joined as the terminal wrapped it (at 200 columns, mid-word).
		const said = (await screen.capture()).replaceAll('\n', '');
		assert.match(said, /kasm-tui: \S+ changed since the plan: it was enabled, now disabled; nothing was done: look again and confirm/);
	} finally {
		await screen.close();
	}

	assert.equal(await enabledOf(sandbox, name), false, 'left as the other hand left it, not enabled again');
	await sandbox.docker(['plugin', 'enable', name]);
	assert.equal(await runningVersion(sandbox, name), '1.2.9', 'no upgrade happened');
	const entries = entriesOf(ledgerDir, name);
	assert.deepEqual(
		entries.filter(entry => entry.action === 'upgrade').map(entry => entry.outcome),
		['refused'],
		'one refused attempt, and no started entry: nothing was begun',
	);
	assert.match(entries.at(-1)!.error ?? '', /changed since the plan: it was enabled, now disabled/);
});

test('the pipeline refuses a plan whose plugin got another build since, naming who changed it from its history, and runs one that is as planned', async () => {
	const {name, repository, repositoryPath} = await rollingPlugin('pipeline-build');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kt-pipeline-build-');
	const flow = await openFlowContext({target, ledgerDir});
	const other = await openFlowContext({target, ledgerDir});
	try {
		const find = async () => (await listPluginsWithUsage(flow.engine)).find(plugin => plugin.name === name)!;
		// Planned to go back to nothing in particular: a reinstall of 1.2.9 under its own name...
		const plugin = await find();
		let asked = 0;
		await assert.rejects(
			runChange(flow, {kind: 'reinstall', plugin, version: 'amd64-1.2.9', alias: name}, {
				async confirm() {
					asked++;
					// ...while another kasm-tui upgrades it to 1.2.10 (cron's auto-update).
					const upgrade = await planChange(other, {kind: 'upgrade', plugin: await find()});
					await runPlan(other, upgrade);
					return true;
				},
			}),
			(error: unknown) => {
				assert.ok(error instanceof ChangedSincePlan, String(error));
				assert.equal(error.exitCode, 3);
				assert.match(error.message, /changed since the plan: another build runs now; its history says: upgrade by \S+ at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d; nothing was done/);
				return true;
			},
		);
		assert.equal(asked, 1);
		assert.equal(await runningVersion(sandbox, name), '1.2.10', 'the other upgrade stands; the reinstall did nothing');
		const attempts = entriesOf(ledgerDir, name).filter(entry => entry.action === 'reinstall');
		assert.deepEqual(attempts.map(entry => entry.outcome), ['refused']);

		// Planned again on what is there now, it runs.
		const done = await runChange(flow, {kind: 'reinstall', plugin: await find(), version: 'amd64-1.2.9', alias: name}, {confirm: async () => true});
		assert.equal(done?.result.entry.outcome, 'ok');
		assert.equal(await runningVersion(sandbox, name), '1.2.9');
		assert.ok(repository);
	} finally {
		flow.engine.close();
		other.engine.close();
	}
});

test('the screen: u, a network made on the plugin while the prompt is open, then y: "Upgrade refused", what changed, nothing changed', async () => {
	const {name, repositoryPath} = await rollingPlugin('pipeline-screen');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kt-pipeline-screen-');
	const services = createHostServices(target, {readOnly: false, ledgerDir});
	const ui = render(createElement(App, {services, size: {columns: 160, rows: 45}}));
	await waitForFrame(ui.lastFrame, text => /Plugins \(\d+\)/.test(text), 20_000);
	await press(ui.stdin, ui.lastFrame, '/');
	ui.stdin.write(repositoryPath + '\r');
	await waitForFrame(ui.lastFrame, text => text.includes(`/${repositoryPath}`) && text.includes('enabled · rolling'));
	ui.stdin.write('u');
	await waitForFrame(ui.lastFrame, text => /Upgrade .*\?/.test(text), 20_000);
	// A network on the plugin: Docker would now refuse to disable it.
	const network = uniqueName('pipeline-net');
	await sandbox.docker(['network', 'create', '--internal', '-d', name, '--subnet', `198.19.${Math.floor(Math.random() * 256)}.0/24`, network]);
	try {
		await answerPrompt(ui, {title: /Upgrade .*\?/, body: [/docker plugin disable/, /docker plugin upgrade/]}, 'y');
		const frame = (await waitForFrame(ui.lastFrame, text => text.includes('Upgrade refused'), 30_000)).replaceAll(/\s+/g, ' ');
		assert.match(frame, new RegExp(`changed since the plan: it is in use now, by 1 network \\(${network}\\)`));
		assert.match(frame, /nothing was changed/);
		assert.equal(await enabledOf(sandbox, name), true);
		assert.equal(await runningVersion(sandbox, name), '1.2.9');
		assert.deepEqual(
			entriesOf(ledgerDir, name)
				.filter(entry => entry.action === 'upgrade')
				.map(entry => entry.outcome),
			['refused'],
		);
	} finally {
		await sandbox.docker(['network', 'rm', network]).catch(() => {});
	}
});

test('a rollout looks again at each host at its stage: a host changed since the plan is refused there (exit 3), the others go ahead; a refused canary stops it', async () => {
	const second = await ownDaemon();
	{
		const {name, repositoryPath} = await rollingPlugin('pipeline-rollout');
		await installPlugin(second.sandbox, `${sandbox.registry}/${repositoryPath}:${rollingTag}`, {alias: name});
		await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
		const hosts: FleetHost[] = [
			{name: 'one', target},
			{name: 'two', target: parseHost(second.host, 'flag')},
		];
		const ledgerDir = leftovers.folder('kt-pipeline-rollout-');

		// two is disabled after the plan was made (and confirmed): one goes ahead, two is refused.
		const plan = await planRollout(hosts, {action: 'upgrade', plugin: name}, {ledgerDir, canaries: ['one']});
		assert.deepEqual(plan.jobs.map(job => job.verdict.skip?.kind), [undefined, undefined]);
		await second.sandbox.docker(['plugin', 'disable', name]);
		const report = await runRollout(plan, {settleMs: 200}).finally(() => closeRollout(plan));
		assert.deepEqual(report.outcomes.map(outcome => outcome.result), ['done', 'refused']);
		assert.match(report.outcomes[1]!.reason ?? '', /changed since the plan: it was enabled, now disabled/);
		assert.equal(rolloutExitCode(report.outcomes), 3);
		assert.equal(await runningVersion(sandbox, name), '1.2.10');
		assert.equal(await enabledOf(second.sandbox, name), false, 'two is left as the other hand left it');
		const twoLedger = plan.jobs[1]!.flow!.ledger;
		assert.deepEqual(
			new Ledger(twoLedger.directory)
				.read(name)
				.entries.filter(entry => entry.action === 'upgrade')
				.map(entry => entry.outcome),
			['refused'],
		);

		// The canary changed since the plan: nothing proved, so no other host starts.
		await second.sandbox.docker(['plugin', 'enable', name]);
		await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.11');
		const again = await planRollout(hosts, {action: 'upgrade', plugin: name}, {ledgerDir, canaries: ['two']});
		await second.sandbox.docker(['plugin', 'disable', name]);
		const stopped = await runRollout(again, {settleMs: 200}).finally(() => closeRollout(again));
		assert.deepEqual(stopped.outcomes.map(outcome => [outcome.host, outcome.result]), [
			['one', 'not-started'],
			['two', 'refused'],
		]);
		assert.match(stopped.stopped ?? '', /the canary two changed since the plan/);
		await second.sandbox.docker(['plugin', 'rm', '--force', name]);
	}
});

test('a daemon that stops answering after the last step: the change is done and recorded ok, with a warning that it was not read back', async () => {
	const own = await ownDaemon();
	const {name, repositoryPath} = await rollingPlugin('pipeline-lost', own.sandbox);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kt-pipeline-lost-');
	const ownTarget = parseHost(own.host, 'flag');
	// Reads give up after 2 s, so a frozen daemon is seen as one that does not answer.
	const engine = await Engine.open(ownTarget, {timeoutMs: 2000});
	const flow = await openFlowContext({target: ownTarget, ledgerDir, engine});
	const dockerd = own.sandbox.state.pids.dockerd;
	const warnings: string[] = [];
	try {
		const plugin = (await listPluginsWithUsage(engine)).find(candidate => candidate.name === name)!;
		const plan = await planChange(flow, {kind: 'upgrade', plugin});
		// The gate runs once the upgraded plugin is enabled: the daemon freezes right then, as a host whose link drops.
		const result = await runPlan(flow, plan, event => event.kind === 'warning' && warnings.push(event.text), {gate: async () => void process.kill(dockerd, 'SIGSTOP')});
		assert.equal(result.entry.outcome, 'ok');
		assert.equal(result.notReadBack, true);
		assert.match(warnings.join('\n'), /the upgrade is done, but the daemon did not answer afterwards/);
	} finally {
		process.kill(dockerd, 'SIGCONT');
		engine.close();
	}

	assert.equal(await runningVersion(own.sandbox, name), '1.2.10');
	const upgrade = entriesOf(flow.ledger.directory, name).filter(entry => entry.action === 'upgrade');
	assert.deepEqual(upgrade.map(entry => entry.outcome), ['started', 'ok'], 'settled: recover finds nothing unfinished');
	await own.sandbox.docker(['plugin', 'rm', '--force', name]);
});
