import assert from 'node:assert/strict';
import path from 'node:path';
import {test} from 'node:test';
import {cliPath} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin, pushRepository, runningVersion} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/** The real kasm-tui in tmux: install, its privileges and result, the log of what it installed, a refusal's next step. */
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const daemonLog = path.join(sandbox.state.dir, 'dockerd.log');

async function openOn(ledgerDir: string, filter: string) {
	const screen = await TmuxScreen.open([process.execPath, cliPath, '--host', sandbox.host, '--ledger-dir', ledgerDir, '--daemon-log', daemonLog], {columns: 120, rows: 36});
	await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
	// Other tests share the daemon: narrow the list to this test's plugins, as an operator would.
	await screen.keys('/');
	await screen.typeText(filter);
	await screen.keys('Enter');
	await screen.waitFor(text => text.includes(`/${filter}`) && !text.includes('█'));
	return screen;
}

test('in a terminal, I installs a tag picked from a repository with the privileges shown, the result names the build, and l follows its log', async () => {
	const repositoryPath = uniqueName('e2e-install');
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2.10`);
	const ledgerDir = leftovers.folder('kasm-tui-e2e-');
	const screen = await openOn(ledgerDir, repositoryPath);
	try {
		await screen.waitFor(text => text.includes('Plugins (0)'));
		await screen.keys('I');
		await screen.waitFor(text => text.includes('Install a plugin: which one?'));
		await screen.typeText(repository.repository);
		await screen.keys('Enter');
		let shown = await screen.waitFor(text => text.includes('which tag?'), 20_000);
		assert.match(shown, /amd64-1\.2-rolling +rolling/);
		await screen.pickRow(/amd64-1\.2\.10/);
		await screen.keys('Enter');
		await screen.waitFor(text => text.includes('under which name?'));
		await screen.typeText(name);
		await screen.keys('Enter');
		shown = await screen.answerPrompt(
			{
				title: /Install .*\?/,
				body: [/grants ! network: host/, /! reaches into the host; each is granted exactly as listed/, /\$ docker plugin install --disable --grant-all-permissions --alias/],
			},
			'y',
		);
		shown = await screen.waitFor(text => /Install (done|failed|refused)/.test(text), 60_000);
		assert.match(shown, /Install done: /);
		assert.match(shown.replaceAll(/\s+/g, ' '), /is enabled, nothing → amd64-1\.2\.10/);
		assert.equal(await runningVersion(sandbox, name), '1.2.10');
		await screen.keys('Enter');
		await screen.waitFor(text => text.includes('Plugins (1)') && text.includes('enabled · pinned'), 20_000);

		await screen.keys('l');
		shown = await screen.waitFor(text => text.includes('kasm-fixture: ready, version 1.2.10'), 20_000);
		assert.match(shown, /Log of .*sidecar:amd64-1\.2\.10/);
		const ready = (text: string) => (text.match(/kasm-fixture: ready, version 1\.2\.10/g) ?? []).length;
		const before = ready(shown);
		await sandbox.docker(['plugin', 'disable', name]);
		await sandbox.docker(['plugin', 'enable', name]);
		await screen.waitFor(text => ready(text) > before, 20_000);
		await screen.keys('Escape');
		await screen.waitFor(text => text.includes('Plugins (1)'));
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0, 'q quits with the log closed: nothing keeps it running');
	} finally {
		await screen.close();
	}
});

test('in a terminal, a rollback with no earlier build is refused with nothing changed, and i from its result opens the picker', async () => {
	const repositoryPath = uniqueName('e2e-refused');
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9', '1.2.10']);
	const name = leftovers.plugin(`${repositoryPath}/sidecar:amd64-1.2.9`);
	await installPlugin(sandbox, repository.ref('amd64-1.2.9'), {alias: name});
	const ledgerDir = leftovers.folder('kasm-tui-e2e-');
	const screen = await openOn(ledgerDir, repositoryPath);
	try {
		await screen.waitFor(text => text.includes('enabled · pinned') && text.includes('(installed'), 20_000);
		await screen.keys('r');
		const shown = await screen.waitFor(text => text.includes('Rollback refused'), 20_000);
		assert.match(shown, /Rollback refused: .*sidecar:amd64-1\.2\.9/);
		assert.match(shown, /press i to pick a version to reinstall/);
		assert.doesNotMatch(shown, /kasm-tui (tags|reinstall)/);
		await screen.keys('i');
		await screen.waitFor(text => text.includes('which version?') && /amd64-1\.2\.9 +installed/.test(text));
		// Escape and q sent together would read as alt-q: one, then the other.
		await screen.keys('Escape');
		await screen.waitFor(text => text.includes('Plugins (1)'));
		await screen.keys('q');
		assert.equal(await screen.exitCode(), 0);
		assert.equal(await runningVersion(sandbox, name), '1.2.9', 'nothing was changed');
	} finally {
		await screen.close();
	}
});
