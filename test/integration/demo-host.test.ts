import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {seedDemoHost, type DemoHost} from '../sandbox/demo-host.js';
import {runningVersion} from '../sandbox/fixtures.js';
import {startSandbox, type Sandbox} from '../sandbox/sandbox.js';

// The demo's own host, as `npm run demo` makes it: a sandbox of this file's own.
let sandbox: Sandbox;
let demo: DemoHost;
before(async () => {
	sandbox = await startSandbox();
	demo = await seedDemoHost(sandbox);
});
after(async () => sandbox.stop());

const kasmTui = async (...args: string[]) => runCli(['--host', sandbox.host, '--ledger-dir', demo.ledgerDir, ...args], {env: {DOCKER_CONFIG: sandbox.state.dockerConfig}});

test("the demo's history was made by real changes: installs, auto-updates (one put back), upgrades, a reinstall, a rollback, each naming its build", async () => {
	const ledger = new Ledger(demo.ledgerDir);
	const settled = (name: string) => ledger.read(name).entries.filter(entry => entry.outcome !== 'started');
	const story = (name: string) => settled(name).map(entry => `${entry.action} ${entry.outcome}`);
	assert.deepEqual(story(demo.plugins.rolling), ['install ok', 'auto-update ok', 'auto-update restored', 'upgrade ok']);
	assert.deepEqual(story(demo.plugins.pinned), ['install ok', 'auto-update ok', 'auto-update restored', 'upgrade ok', 'rollback ok']);
	assert.deepEqual(story(demo.plugins.network), ['install ok', 'reinstall ok']);
	for (const name of Object.values(demo.plugins)) {
		const entries = settled(name);
		assert.ok(entries.filter(entry => entry.outcome === 'ok').every(entry => entry.identity.diffIds.length > 0 && entry.identity.digest), `${name}: every build is named by content and digest`);
		const times = entries.map(entry => entry.time);
		assert.deepEqual(times, [...times].sort(), `${name}: in order`);
		assert.ok(Date.now() - Date.parse(times[0]!) > 30 * 24 * 3600 * 1000, `${name}: it reads as weeks of history`);
	}

	assert.match(settled(demo.plugins.rolling)[2]?.error ?? '', /missing-entrypoint|no such file/);
});

test('rollback works in the demo as on a host: the rolling sidecar goes back to the build before its upgrade', async () => {
	assert.equal(await runningVersion(sandbox, demo.plugins.rolling), '1.2.9');
	const result = await kasmTui('rollback', demo.plugins.rolling, '--yes');
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, /rollback of \S+ done: kasmweb\/sidecar:amd64-1\.2\.1 is enabled, amd64-1\.2\.9 → amd64-1\.2\.1$/m);
	assert.equal(await runningVersion(sandbox, 'kasmweb/sidecar:amd64-1.2.1'), '1.2.1');
});
