import assert from 'node:assert/strict';
import {test} from 'node:test';
import path from 'node:path';
import {kasmTuiCommand, runCli} from '../helpers/cli.js';
import {heldUntil, startProxy} from '../helpers/hardening.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {importImage, installPlugin, moveTag, pushPluginBuild, pushRepository, rollingTag, runningVersion} from '../sandbox/fixtures.js';
import {restartDaemon, startSandbox} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const created = {push: (...names: string[]) => names.forEach(name => leftovers.plugin(name))};

/** Plugins of the test's own, from a repository of its own, and the screen opened on them. */
async function setUp(stem: string) {
	const repositoryPath = uniqueName(stem);
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
	await installPlugin(sandbox, repository.ref(rollingTag), {alias: name});
	created.push(name);
	const ledgerDir = leftovers.folder('kasm-tui-e2e-');
	return {repositoryPath, repository, name, ledgerDir};
}

async function openOn(ledgerDir: string, filter: string, options: {columns?: number; rows?: number; env?: Record<string, string>} = {}) {
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir], {columns: 120, rows: 36, ...options});
	await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
	// Other tests share the daemon: narrow the list to this test's plugins, as an operator would.
	await screen.keys('/');
	await screen.typeText(filter);
	await screen.keys('Enter');
	await screen.waitFor(text => new RegExp(`Plugins \\(\\d+\\)  /${filter}`).test(text));
	return screen;
}

test('the screen opens on the daemon, moves, follows a resize, and q quits with exit 0 and the terminal restored', async () => {
	const {name, ledgerDir, repositoryPath} = await setUp('e2e-open');
	const second = `${repositoryPath}/pinned:amd64-1.2.9`;
	await installPlugin(sandbox, `${sandbox.registry}/${repositoryPath}:amd64-1.2.9`, {alias: second, disabled: true});
	created.push(second);
	const screen = await openOn(ledgerDir, repositoryPath);
	try {
		let shown = await screen.waitFor(text => text.includes('enabled · rolling') || text.includes('disabled · pinned'));
		assert.match(shown.split('\n')[0]!, new RegExp(sandbox.host.replaceAll('/', '\\/')));
		assert.match(shown.split('\n')[0]!, /docker \d+\.\d+/);
		const firstState = /enabled · rolling/.test(shown) ? /disabled · pinned/ : /enabled · rolling/;
		await screen.keys('j');
		shown = await screen.waitFor(text => firstState.test(text));
		assert.match(shown.split('\n')[0]!, /kasm-tui/, 'the header is still on the first row');

		await screen.resize(80, 24);
		shown = await screen.waitFor(text => /q quit\s*$/.test(text.split('\n')[23] ?? ''));
		assert.ok(shown.split('\n').every(row => row.trimEnd().length <= 80));
		assert.match(shown, firstState);

		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
		assert.doesNotMatch(await screen.capture(), /Plugins \(/, 'back from the alternate screen, no frame is left');
	} finally {
		await screen.close();
	}

	assert.ok(name);
});

test('upgrade cancelled changes nothing; upgrade confirmed follows the moved tag; rollback and a reinstall from the tags, all from the screen', async () => {
	const {name, ledgerDir, repositoryPath} = await setUp('e2e-flows');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	const screen = await openOn(ledgerDir, repositoryPath);
	try {
		await screen.waitFor(text => text.includes('enabled · rolling') && text.includes('(installed'));

		const upgradePrompt = {title: /Upgrade .*sidecar:amd64-1\.2-rolling\?/, body: [/\$ docker plugin disable/, /\$ docker plugin upgrade --grant-all-permissions/, /! network: host/]};
		await screen.keys('u');
		await screen.answerPrompt(upgradePrompt, 'n');
		await screen.waitFor(text => text.includes('cancelled: nothing was changed'));
		assert.equal(await runningVersion(sandbox, name), '1.2.9', 'cancel left the daemon as it was');

		await screen.keys('u');
		await screen.answerPrompt(upgradePrompt, 'y');
		let shown = await screen.waitFor(text => /Upgrade (done|failed)/.test(text), 60_000);
		assert.match(shown, /Upgrade done: /);
		assert.equal(await runningVersion(sandbox, name), '1.2.10', 'the upgrade changed the daemon');
		await screen.keys('Enter');

		// The history now has the build before: r rolls back to it and pins it.
		await screen.waitFor(text => /upgrade\s+amd64-1\.2-rolling \(amd64-1\.2\.10\) ok/.test(text));
		await screen.keys('r');
		await screen.answerPrompt({title: /Rollback .*sidecar:amd64-1\.2-rolling\?/, body: [/as [\w./-]+\/sidecar:amd64-1\.2\.9/]}, 'y');
		shown = await screen.waitFor(text => /Rollback (done|failed)/.test(text), 60_000);
		assert.match(shown, /Rollback done: /);
		const pinned = `${repositoryPath}/sidecar:amd64-1.2.9`;
		created.push(pinned);
		assert.equal(await runningVersion(sandbox, pinned), '1.2.9');
		await screen.keys('Enter');

		// i: pick 1.2.10 from the registry's tags, keep Kasm's default name (the reference).
		await screen.waitFor(text => text.includes(pinned.slice(-30)) && text.includes('latest patch'));
		await screen.keys('i');
		shown = await screen.waitFor(text => text.includes('which version?'));
		await screen.pickRow(/amd64-1\.2\.10/);
		await screen.keys('Enter');
		await screen.waitFor(text => text.includes('under which name?'));
		await screen.keys('Enter');
		await screen.answerPrompt({title: /Reinstall .*sidecar:amd64-1\.2\.9\?/, body: [/amd64-1\.2\.10/]}, 'y');
		shown = await screen.waitFor(text => /Reinstall (done|failed)/.test(text), 60_000);
		assert.match(shown, /Reinstall done: /);
		const reinstalled = `${sandbox.registry}/${repositoryPath}:amd64-1.2.10`;
		created.push(reinstalled);
		assert.equal(await runningVersion(sandbox, reinstalled), '1.2.10');
		await screen.keys('Enter', 'q');
		assert.equal(await screen.exitCode(), 0);
	} finally {
		await screen.close();
	}
});

test('right after an upgrade, while the screen\'s listing is slow to come, r rolls back to the build before the upgrade, and the history waits for that listing', async () => {
	const {name, ledgerDir, repositoryPath} = await setUp('e2e-stale');
	await moveTag(sandbox, repositoryPath, rollingTag, 'amd64-1.2.10');
	// The screen reaches the daemon through a proxy that can hold the volume listing, which every read of the screen waits for.
	const proxy = await startProxy({socketPath: sandbox.state.socket}, {socketPath: path.join(leftovers.folder('kasm-tui-e2e-proxy-'), 'docker.sock')});
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', `unix://${proxy.address}`, '--ledger-dir', ledgerDir], {columns: 120, rows: 36});
	let release = () => {};
	try {
		await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
		await screen.keys('/');
		await screen.typeText(repositoryPath);
		await screen.keys('Enter');
		await screen.waitFor(text => text.includes('enabled · rolling') && text.includes('(installed'));
		await screen.keys('u');
		await screen.waitFor(text => /Upgrade .*\?/.test(text) && text.includes('y go ahead'));
		// From here the screen's listing stays the one from before the upgrade, as on a slow host.
		const released = new Promise<void>(resolve => {
			release = resolve;
		});
		// Only once the upgrade's enable is sent: the look again under the lock, before its first step, reads what uses the plugin.
		let enabled = false;
		proxy.rule = request => {
			enabled ||= request.method === 'POST' && /\/plugins\/.+\/enable/.test(request.url ?? '');
			return enabled && /\/volumes(\?|$)/.test(request.url ?? '') ? heldUntil(released, sandbox.state.socket) : undefined;
		};
		await screen.answerPrompt({title: /Upgrade .*sidecar:amd64-1\.2-rolling\?/, body: [/\$ docker plugin upgrade /]}, 'y');
		let shown = await screen.waitFor(text => /Upgrade (done|failed)/.test(text), 60_000);
		assert.match(shown, /Upgrade done: /);
		await screen.keys('Enter');
		shown = await screen.waitFor(text => text.includes('▶Plugins'));
		assert.match(shown, /build\s+= amd64-1\.2\.9/, 'the screen still shows the listing from before the upgrade');
		assert.doesNotMatch(shown, /upgrade\s+amd64-1\.2-rolling \(amd64-1\.2\.10\)/, 'and not the upgrade\'s history beside it');

		// r is planned from the plugin as the daemon has it now, without waiting for the listing.
		await screen.keys('r');
		// Back to the build before the upgrade; the plugin is enabled, so it is disabled first.
		await screen.answerPrompt({title: /Rollback .*\?/, body: [/as [\w./-]+\/sidecar:amd64-1\.2\.9/, /\$ docker plugin disable /]}, 'n', 30_000);
		await screen.waitFor(text => text.includes('cancelled: nothing was changed'));

		release();
		shown = await screen.waitFor(text => /upgrade\s+amd64-1\.2-rolling \(amd64-1\.2\.10\) ok/.test(text), 30_000);
		assert.match(shown, /build\s+= amd64-1\.2\.10/, 'the history comes with the listing after the upgrade');
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
		const history = JSON.parse((await runCli(['--host', sandbox.host, '--ledger-dir', ledgerDir, 'history', name, '--json'])).stdout) as Array<{action: string}>;
		assert.equal(history.filter(entry => entry.action === 'observed').length, 1, 'the build it was installed with, and nothing from the old listing');
	} finally {
		release();
		await screen.close();
		await proxy.close();
	}
});

test('the screen follows a change made elsewhere, and lives through a daemon restart: banner, then recovery', async () => {
	// A sandbox of the test's own: restarting the shared daemon would disturb other tests.
	const own = await startSandbox();
	const ledgerDir = leftovers.folder('kasm-tui-e2e-');
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', own.host, '--ledger-dir', ledgerDir], {columns: 120, rows: 36});
	try {
		await screen.waitFor(text => text.includes('Plugins (0)'));
		await pushPluginBuild(own, `${own.registry}/live/plugin:1.0`, {version: 'live'});
		await installPlugin(own, `${own.registry}/live/plugin:1.0`, {alias: 'live/plugin:1.0'});
		let shown = await screen.waitFor(text => text.includes('Plugins (1)') && text.includes('enabled · pinned'));
		await own.docker(['plugin', 'disable', 'live/plugin:1.0']);
		shown = await screen.waitFor(text => text.includes('disabled · pinned'));

		const restarted = restartDaemon(own, {downMs: 1500});
		shown = await screen.waitFor(text => text.includes('daemon lost'));
		assert.match(shown, /Plugins \(1\)/, 'the last state stays on screen under the banner');
		await restarted;
		await screen.waitFor(text => !text.includes('daemon lost') && text.includes('Plugins (1)'), 20_000);
		await own.docker(['plugin', 'enable', 'live/plugin:1.0']);
		await screen.waitFor(text => text.includes('enabled · pinned'), 20_000);
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
	} finally {
		await screen.close();
		await own.stop();
	}
});

/** `kasm-tui images --json` for one repository, as a script would read it. */
async function imagesJson(repository?: string) {
	const result = await runCli(['--host', sandbox.host, 'images', '--json', ...(repository ? [repository] : [])], {env: {DOCKER_CONFIG: sandbox.state.dockerConfig}});
	assert.equal(result.code, 0, result.stderr);
	return JSON.parse(result.stdout) as Array<{tag: string; id: string; usedBy: {containers: string[]}; updateAvailable: boolean | null; unlisted?: boolean}>;
}

test('after its tag moves, an image in use shows in use and an update; p pulls it, and the old build stays listed while its container runs: the screen and images --json alike', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-e2e-');
	const repositoryPath = uniqueName('e2e-image');
	const repository = `${sandbox.registry}/${repositoryPath}`;
	const reference = `${repository}:rolling`;
	const container = uniqueName('e2e-web');
	// Build 1 is pushed and run here; build 2 goes up under a tag of its own, and the registry's tag moves to it.
	const first = await importImage(sandbox, reference, 'build 1');
	await sandbox.docker(['push', reference]);
	await sandbox.docker(['create', '--name', container, '--network', 'none', reference]);
	const second = `${repository}:next`;
	await importImage(sandbox, second, 'build 2');
	await sandbox.docker(['push', second]);
	await sandbox.docker(['rmi', second]);
	await moveTag(sandbox, repositoryPath, 'rolling', 'next');
	const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir], {columns: 130, rows: 36});
	try {
		assert.deepEqual(
			(await imagesJson(repository)).map(row => [row.tag, row.id, row.usedBy.containers, row.updateAvailable]),
			[['rolling', first, [container], true]],
		);
		await screen.waitFor(text => /Images \(\d+\)/.test(text));
		await screen.keys('Tab', '/');
		await screen.typeText(repositoryPath);
		await screen.keys('Enter');
		// The row in focus in the images pane (names may be cut short to fit).
		const imageRow = (text: string) => text.split('\n').find(line => line.startsWith('▸ ')) ?? '';
		let shown = await screen.waitFor(text => imageRow(text).includes('↑ ● in use'), 30_000);
		assert.match(shown, /a newer build is behind this tag/);
		assert.match(shown, new RegExp(`used by\\s+${container}`));
		await screen.keys('p');
		await screen.answerPrompt({title: /Pull .*:rolling\?/, body: [new RegExp(`\\$ docker pull ${reference.replaceAll('.', '\\.')}`)]}, 'y');
		shown = await screen.waitFor(text => /Pull (done|failed)/.test(text), 60_000);
		assert.match(shown, /Pull done: /);
		await screen.keys('Enter');
		shown = await screen.waitFor(text => text.includes('up to date with its registry'), 30_000);
		assert.doesNotMatch(imageRow(shown), /↑|●/, 'the pulled build: current, and used by nothing');
		assert.match(shown, /used by\s+no container/);
		// The old build is no tag's now: every kind here lists it untagged (26.1's containerd store forgot it; forgottenImages), in use.
		const shortId = first.replace('sha256:', '').slice(0, 12);
		await screen.keys('/', ...Array.from(repositoryPath, () => 'BSpace'));
		await screen.typeText(shortId);
		await screen.keys('Enter');
		shown = await screen.waitFor(text => text.includes(`<none> ${shortId} ● in use`), 30_000);
		assert.match(shown, new RegExp(`used by\\s+${container}`));
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);

		const rows = await imagesJson();
		const current = rows.find(row => row.tag === 'rolling' && row.id !== first);
		assert.deepEqual([current?.usedBy.containers, current?.updateAvailable], [[], false], 'the pulled build: used by nothing, up to date');
		const old = rows.find(row => row.id === first);
		assert.deepEqual([old?.tag, old?.usedBy.containers, old?.updateAvailable], ['<none>', [container], null], 'the old build: no tag, still in use');
		assert.equal(old?.unlisted, undefined, 'the daemon lists it itself: no row was put back for it');
	} finally {
		await screen.close();
		await sandbox.docker(['rm', '--force', container]).catch(() => {});
		await sandbox.docker(['rmi', '--force', reference, first]).catch(() => {});
	}
});

test('NO_COLOR draws no colour, and focus and marks still show', async () => {
	const {ledgerDir, repositoryPath} = await setUp('e2e-nocolor');
	const screen = await openOn(ledgerDir, repositoryPath, {env: {NO_COLOR: '1'}});
	try {
		const shown = await screen.waitFor(text => text.includes('! network: host'));
		assert.match(shown, /▶Plugins/);
		const raw = await screen.captureWithEscapes();
		assert.doesNotMatch(raw, /\u001B\[(?:\d+;)*(?:3\d|4\d|9\d|10\d)m/, 'no colour sequences');
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
	} finally {
		await screen.close();
	}
});

test('without a terminal the screen refuses with a one-line hint and exit 2', async () => {
	const result = await runCli(['--host', sandbox.host]);
	assert.equal(result.code, 2);
	assert.match(result.stderr, /ssh -t/);
	assert.equal(result.stderr.trimEnd().split('\n').length, 1);
});
