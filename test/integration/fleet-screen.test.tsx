import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {FleetApp} from '../../source/app/components/fleet-app.js';
import {createFleetServices} from '../../source/app/services/fleet-services.js';
import {selectHosts} from '../../source/hosts/selection.js';
import {kasmTuiCommand, runCli} from '../helpers/cli.js';
import {answerPrompt, keys, press, renderAt, waitForFrame} from '../helpers/frames.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {moveTag, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {useFleetBed} from '../sandbox/fleet-bed.js';
import {uniqueName} from '../sandbox/shared.js';
import {isAlive} from '../sandbox/processes.js';
import {waitUntil} from '../helpers/hardening.js';

/**
 * The fleet screen on real daemons: the services the screen runs on (readFleet, each host's
 * ledger and registry, planRollout and runRollout) drawn by the real FleetApp, and once end to
 * end in a terminal. Four hosts: alpha (the sandbox's socket), bravo (ssh:// through an ssh
 * config), charlie (a docker context, tcp with TLS, the other engine generation), down (never answers).
 */
const bed = await useFleetBed();
const {sandbox, leftovers, bravo, charlie, hostFlags, daemons, rollingEverywhere, ledgerOf} = bed;
// In-process, the screen's services find the bed's ssh config, docker contexts and settings as the bin does.
Object.assign(process.env, bed.env);
// Every in-process screen's services end their connections once its test is over, as quitting does.
const opened: Array<{close(): void}> = [];
afterEach(() => {
	cleanup();
	for (const services of opened.splice(0)) {
		services.close();
	}
});
/** The ssh processes kasm-tui started through the bed that still run. */
const sshAlive = () => bed.ssh.started().filter(started => isAlive(started.pid));

const fourHosts = () => selectHosts({hosts: [hostFlags.alpha[1]!, hostFlags.bravo[1]!, hostFlags.down[1]!], contexts: ['charlie']}, {env: process.env});
const size = {columns: 200, rows: 50};

/** The screen on the four hosts, with what readFleet handed it, in the order it came. */
function openFleet(ledgerDir: string, options: {canaries?: string[]} = {}) {
	const services = createFleetServices(fourHosts(), {readOnly: false, ledgerDir, rollout: {canaries: options.canaries ?? []}});
	opened.push(services);
	const answered: string[] = [];
	const read = services.read.bind(services);
	services.read = async onHost => read(reading => {
		answered.push(reading.host.name);
		onHost(reading);
	});
	const ui = renderAt(<FleetApp services={services} size={size} />, size.columns);
	return {ui, services, answered};
}

/** Narrows the matrix to the test's own plugins, as an operator would on a shared host. */
async function filterTo(ui: ReturnType<typeof openFleet>['ui'], text: string): Promise<string> {
	await press(ui.stdin, ui.lastFrame, '/');
	for (const character of text) {
		await press(ui.stdin, ui.lastFrame, character);
	}

	await press(ui.stdin, ui.lastFrame, keys.enter);
	return waitForFrame(ui.lastFrame, frame => frame.includes(`/${text}`) && frame.includes('Plugins × hosts (1 × 4)'));
}

const escaped = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const engineOf = async (name: keyof typeof daemons) => (await daemons[name].docker(['version', '--format', '{{.Server.Version}}'])).trim();

test('the screen reads the four hosts the four ways: those that answer are drawn while the silent one is still connecting, then it is unreachable with why', async t => {
	const {name} = await rollingEverywhere(t, 'fleet-screen-read', ['alpha', 'bravo', 'charlie']);
	const {ui, answered} = openFleet(leftovers.folder('kasm-tui-fleet-screen-'));
	const early = await waitForFrame(ui.lastFrame, frame => /alpha\s+live/.test(frame) && /bravo\s+live/.test(frame) && /charlie\s+live/.test(frame), 20_000);
	assert.match(early, /down\s+connecting…/, 'the answers are on screen before the silent host is given up');
	const frame = await waitForFrame(ui.lastFrame, text => /down\s+unreachable/.test(text) && text.includes(name.slice(0, 30)), 20_000);
	assert.match(frame, /down\s+unreachable (?:no answer within 3 s|.*did not answer)/);
	assert.deepEqual(answered.slice(0, 3).sort(), ['alpha', 'bravo', 'charlie']);
	assert.equal(answered[3], 'down');
	const [engine, otherEngine] = await Promise.all([engineOf('alpha'), engineOf('charlie')]);
	assert.match(frame, new RegExp(`alpha\\s+live\\s+docker ${escaped(engine)}`));
	assert.match(frame, new RegExp(`bravo\\s+live\\s+docker ${escaped(engine)}`), 'over ssh:// through the ssh config');
	assert.match(frame, new RegExp(`charlie\\s+live\\s+docker ${escaped(otherEngine)}`), 'the other generation, over tcp with TLS');
	assert.match(frame, /ssh:\/\/kasm-agent-1/);
	assert.match(frame, new RegExp(escaped(charlie.tcpHost!)));
});

test('a selected cell shows that host\'s plugin: its own history from its own ledger, the registry\'s tags, and what uses it there', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-screen-cell', ['alpha', 'bravo', 'charlie']);
	const volume = uniqueName('fleet-screen-volume');
	await bravo.sandbox.docker(['volume', 'create', '-d', name, volume]);
	const ledgerDir = leftovers.folder('kasm-tui-fleet-screen-');
	// charlie alone was upgraded, by kasm-tui on the command line: its ledger has an upgrade the others' have not.
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const upgraded = await runCli(['--ledger-dir', ledgerDir, '--host', charlie.tcpHost!, 'upgrade', name, '--yes'], {
		env: {...bed.env, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: charlie.tls!.clientFolder},
	});
	assert.equal(upgraded.code, 0, upgraded.stderr);

	const {ui} = openFleet(ledgerDir);
	await waitForFrame(ui.lastFrame, frame => /down\s+unreachable/.test(frame), 20_000);
	let frame = await filterTo(ui, repositoryPath);
	assert.match(frame, /!1\.2\.9 +!1\.2\.9 ● +✗ +!1\.2\.10/, 'drift: charlie runs another build; bravo\'s is in use');
	await press(ui.stdin, ui.lastFrame, 'l');
	await press(ui.stdin, ui.lastFrame, 'l');
	frame = await press(ui.stdin, ui.lastFrame, 'l');
	frame = await waitForFrame(ui.lastFrame, text => text.includes(`address ${charlie.tcpHost}`) && /upgrade\s+amd64-1\.2-rolling/.test(text) && text.includes('amd64-1.2.10  ('), 20_000);
	assert.match(frame, /release amd64-1\.2\.10/);
	assert.match(frame, /drift\s+alpha runs amd64-1\.2\.9 · bravo runs amd64-1\.2\.9/);
	assert.match(frame, /amd64-1\.2\.9\s+\(previous/, 'the registry\'s tags, the one before marked from charlie\'s ledger');

	await press(ui.stdin, ui.lastFrame, 'h');
	frame = await press(ui.stdin, ui.lastFrame, 'h');
	frame = await waitForFrame(ui.lastFrame, text => text.includes('address ssh://kasm-agent-1') && /observed\s+amd64-1\.2-rolling/.test(text), 20_000);
	assert.match(frame, new RegExp(`used\\s+1 volume \\(${volume}\\)`));
	assert.doesNotMatch(frame, /upgrade\s+amd64-1\.2-rolling \(amd64-1\.2\.10\)/, 'bravo\'s history is its own');
	const bravoLedger = await ledgerOf(ledgerDir, bravo.sandbox);
	assert.deepEqual(bravoLedger.read(name).entries.map(entry => entry.action), ['observed'], 'the history shown is the one kept for bravo\'s daemon');
});

test('a rollout from the screen: the plan before anything changes, one confirmation, live progress host by host, each host\'s outcome; the hosts are upgraded', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-screen-rollout', ['alpha', 'bravo', 'charlie']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-fleet-screen-');
	const {ui} = openFleet(ledgerDir, {canaries: ['bravo']});
	await waitForFrame(ui.lastFrame, frame => /down\s+unreachable/.test(frame), 20_000);
	await filterTo(ui, repositoryPath);
	await press(ui.stdin, ui.lastFrame, 'u');
	await waitForFrame(ui.lastFrame, text => /y go ahead/.test(text), 60_000);
	assert.deepEqual(await Promise.all((['alpha', 'bravo', 'charlie'] as const).map(async host => runningVersion(daemons[host], name))), ['1.2.9', '1.2.9', '1.2.9'], 'the plan changed nothing');
	const progress: string[] = [];
	await answerPrompt(
		ui,
		{
			title: new RegExp(`Fleet upgrade ${escaped(name)} on 3 hosts\\?`),
			body: [/order: bravo \(canary\), then alpha, then charlie/, /\$ docker plugin upgrade --grant-all-permissions/, /down tcp:\/\/127\.0\.0\.1:\d+ skipped: unreachable/],
		},
		'y',
	);
	const report = await waitForFrame(
		ui.lastFrame,
		text => {
			progress.push(text);
			return text.includes(`Fleet upgrade done: ${name}`);
		},
		180_000,
	);
	assert.ok(progress.some(text => /canary 1\/3: bravo/.test(text) && /bravo\s+canary\s+under way/.test(text) && /alpha\s+waiting/.test(text)), 'the canary first, the others waiting');
	assert.ok(progress.some(text => /bravo: health: volume probe ok/.test(text)), 'the health gate\'s checks as they come');
	assert.ok(progress.some(text => /bravo\s+canary\s+done/.test(text) && /charlie\s+(?:waiting|under way)/.test(text)));
	for (const host of ['alpha', 'bravo', 'charlie']) {
		assert.match(report, new RegExp(`${host}\\s+(?:canary\\s+)?done\\s+amd64-1\\.2\\.9 → amd64-1\\.2\\.10`));
	}

	assert.match(report, /down\s+skipped\s+unreachable/);
	assert.deepEqual(await Promise.all((['alpha', 'bravo', 'charlie'] as const).map(async host => runningVersion(daemons[host], name))), ['1.2.10', '1.2.10', '1.2.10']);
	await bed.assertNoProbeLeft();
	// Back on the matrix, the hosts read again: every host at the new build, no drift.
	await press(ui.stdin, ui.lastFrame, keys.enter);
	await waitForFrame(ui.lastFrame, text => / 1\.2\.10 +1\.2\.10 +✗ +1\.2\.10/.test(text), 30_000);
});

test('the screen\'s services end every connection when it quits: the reads\', each host\'s detail\'s, no ssh left', async t => {
	const {name} = await rollingEverywhere(t, 'fleet-screen-close', ['bravo']);
	const before = new Set(sshAlive().map(started => started.pid));
	const services = createFleetServices(fourHosts(), {readOnly: false, ledgerDir: leftovers.folder('kasm-tui-fleet-screen-')});
	const ours = () => sshAlive().filter(started => !before.has(started.pid));
	const readings = await services.read(() => {});
	const bravoReading = readings.find(reading => reading.host.name === 'bravo');
	assert.ok(bravoReading?.reachable);
	// The detail of bravo's cell: its history and tags, over ssh, as the screen asks when the cell is selected.
	const details = await services.details('bravo', bravoReading.plugins.find(plugin => plugin.name === name)!);
	assert.ok(details.history.length > 0, 'bravo\'s history, read over ssh');
	assert.ok(ours().length > 0, 'the detail holds an ssh to bravo while the screen is open');
	services.close();
	await waitUntil('every ssh of the screen ended', () => ours().length === 0, 10_000);
});

test('kasm-tui fleet in a terminal: the matrix over four hosts, then a rollout confirmed with y; NO_COLOR draws no colour', async t => {
	const {name, repositoryPath} = await rollingEverywhere(t, 'fleet-e2e', ['alpha', 'bravo', 'charlie']);
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const ledgerDir = leftovers.folder('kasm-tui-fleet-e2e-');
	const before = new Set(sshAlive().map(started => started.pid));
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--ledger-dir', ledgerDir, 'fleet', ...hostFlags.alpha, ...hostFlags.bravo, ...hostFlags.charlie, ...hostFlags.down], {
		columns: 120,
		rows: 40,
		env: {...bed.env, NO_COLOR: '1', KASM_TUI_LEDGER_DIR: ledgerDir},
	});
	try {
		await screen.waitFor(text => text.includes('Hosts (4: 3 live, 1 unreachable)'), 30_000);
		await screen.keys('/');
		await screen.typeText(repositoryPath);
		await screen.keys('Enter');
		let shown = await screen.waitFor(text => text.includes('Plugins × hosts (1 × 4)') && / 1\.2\.9 +1\.2\.9 +✗ +1\.2\.9/.test(text));
		assert.match(shown.split('\n')[0]!, /kasm-tui ─ fleet of 4 hosts/);
		assert.match(shown, /down\s+unreachable no answer within 3 s/);
		const raw = await screen.captureWithEscapes();
		assert.doesNotMatch(raw, /\u001B\[(?:\d+;)*(?:3\d|4\d|9\d|10\d)m/, 'no colour sequences');
		assert.match(shown, /▶Plugins × hosts/, 'focus shows without colour');

		await screen.keys('u');
		await screen.answerPrompt({title: new RegExp(`Fleet upgrade ${escaped(name.slice(0, 40))}.* on 3 hosts\\?`), body: [/order: alpha, then bravo, then charlie/]}, 'y', 60_000);
		shown = await screen.waitFor(text => text.includes('Fleet upgrade done:'), 180_000);
		assert.match(shown, /alpha\s+done/);
		assert.match(shown, /bravo\s+done/);
		assert.match(shown, /charlie\s+done/);
		assert.match(shown, /down\s+skipped/);
		assert.deepEqual(await Promise.all((['alpha', 'bravo', 'charlie'] as const).map(async host => runningVersion(daemons[host], name))), ['1.2.10', '1.2.10', '1.2.10']);
		await screen.keys('Enter');
		await screen.waitFor(text => / 1\.2\.10 +1\.2\.10 +✗ +1\.2\.10/.test(text), 30_000);
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
		assert.doesNotMatch(await screen.capture(), /Plugins × hosts/, 'back from the alternate screen');
		await waitUntil('no ssh outlives the screen', () => sshAlive().every(started => before.has(started.pid)), 5000);
	} finally {
		await screen.close();
	}
});
