import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {otherGeneration} from '../sandbox/engines.js';
import {importImage, installPlugin, kasmRepositoryPath} from '../sandbox/fixtures.js';
import {startExtraDaemon, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import {useSandbox} from '../sandbox/shared.js';

/**
 * doctor on a stand-in Kasm: a kasm_agent container from an image tagged kasmweb/agent:1.19.0
 * (a static busybox: no real Kasm image is reachable here), on a Docker 20.10 daemon and on a
 * newer one. Daemons of this file's own, with nothing else on them: every finding is the stand-in's.
 */
const {sandbox} = await useSandbox();
const newer = sandbox.state.kind === '20.10' ? otherGeneration(sandbox.state.kind) : sandbox.state.kind;
const started = await Promise.all([startExtraDaemon(sandbox, {kind: '20.10'}), startExtraDaemon(sandbox, {kind: newer})]);
after(async () => Promise.all(started.map(async daemon => daemon.stop())));
const [old, current] = started as [ExtraDaemon, ExtraDaemon];

async function standInKasm(daemon: ExtraDaemon, release: string): Promise<void> {
	await importImage(daemon.sandbox, `kasmweb/agent:${release}`, `kasm agent ${release}`);
	await daemon.sandbox.docker(['run', '-d', '--network', 'none', '--name', 'kasm_agent', `kasmweb/agent:${release}`, '/bin/busybox', 'sleep', '3600']);
}

await Promise.all([standInKasm(old, '1.19.0'), standInKasm(current, '1.19.0')]);

interface DoctorJson {
	ok: boolean;
	hosts: Array<{name: string; docker: string; kasm: string[]; findings: Array<{kind: string; subject: string; problem: string; command: string; sources: string[]}>}>;
	facts: Array<{says: string; source: string}>;
}

test('doctor names Kasm 1.19 on Docker 20.10 as a finding, "needs Docker ≥ 25.0.5", with its source; exit 1', async () => {
	const result = await runCli(['--host', old.host, 'doctor', '--json']);
	assert.equal(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as DoctorJson;
	assert.equal(report.ok, false);
	const [host] = report.hosts;
	assert.deepEqual(host!.kasm, ['1.19.0']);
	assert.match(host!.docker, /^20\.10\./);
	assert.deepEqual(
		host!.findings.map(finding => [finding.kind, finding.subject]),
		[['kasm-docker', 'Kasm 1.19.0']],
	);
	assert.match(host!.findings[0]!.problem, /^Kasm 1\.19\.0 needs Docker ≥ 25\.0\.5; this host runs Docker 20\.10\.\d+/);
	assert.match(host!.findings[0]!.command, /upgrade Docker on this host to 25\.0\.5 or newer/);
	assert.deepEqual(host!.findings[0]!.sources, ["Kasm 1.19 needs Docker 25.0.5 or newer (Kasm Workspaces 1.19's system requirements (kasmweb.com docs))"]);
	assert.ok(report.facts.some(fact => fact.source === 'moby/moby#51186'), 'the facts travel with their sources');

	const text = await runCli(['--host', old.host, 'doctor']);
	assert.equal(text.code, 1, text.stderr);
	assert.match(text.stdout, /docker 20\.10\.\S+ \(API 1\.41\) · Kasm 1\.19\.0 · 0 live sessions/);
	assert.match(text.stdout, /^ {2}! Kasm 1\.19\.0 needs Docker ≥ 25\.0\.5; this host runs Docker 20\.10\.\S+\n {6}do: upgrade Docker on this host to 25\.0\.5 or newer\n {6}source: Kasm 1\.19 needs Docker 25\.0\.5 or newer/m);
});

test(`doctor finds the same stand-in Kasm 1.19 fine on Docker ${newer}: exit 0`, async () => {
	const result = await runCli(['--host', current.host, 'doctor', '--json']);
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const report = JSON.parse(result.stdout) as DoctorJson;
	assert.equal(report.ok, true);
	assert.deepEqual(report.hosts[0]!.kasm, ['1.19.0']);
	assert.deepEqual(report.hosts[0]!.findings, []);
	const text = await runCli(['--host', current.host, 'doctor']);
	assert.equal(text.code, 0);
	assert.match(text.stdout, /Kasm 1\.19\.0 · 0 live sessions\n {2}fine: nothing needs you here/);
});

test('fleet doctor examines each host: the old one has the finding, the newer one is fine, a live session is a finding too', async () => {
	await current.sandbox.docker(['run', '-d', '--network', 'none', '--label', 'kasm.kasmid=doctor', '--name', 'doctor-session', 'kasmweb/agent:1.19.0', '/bin/busybox', 'sleep', '3600']);
	try {
		const result = await runCli(['fleet', 'doctor', '--host', `agent-old=${old.host}`, '--host', `agent-new=${current.host}`, '--json']);
		assert.equal(result.code, 1, result.stderr);
		const report = JSON.parse(result.stdout) as DoctorJson;
		assert.deepEqual(
			report.hosts.map(host => [host.name, host.findings.map(finding => finding.kind)]),
			[
				['agent-old', ['kasm-docker']],
				['agent-new', ['live-sessions']],
			],
		);
		assert.match(report.hosts[1]!.findings[0]!.command, /^kasm-tui upgrade <plugin> --host unix:\/\/\S+ --sessions wait$/);
	} finally {
		await current.sandbox.docker(['rm', '-f', 'doctor-session']);
	}
});

test("fleet plugins shows each host's Kasm release beside its Docker: --json's kasm, and a KASM column", async () => {
	const hosts = ['--host', `agent-old=${old.host}`, '--host', `agent-new=${current.host}`];
	const result = await runCli(['fleet', 'plugins', ...hosts, '--json', '--read-only']);
	assert.equal(result.code, 0, result.stderr);
	const report = JSON.parse(result.stdout) as {hosts: Array<{name: string; engine: string; kasm: string[]}>};
	assert.deepEqual(
		report.hosts.map(host => [host.name, host.kasm]),
		[
			['agent-old', ['1.19.0']],
			['agent-new', ['1.19.0']],
		],
	);
	assert.match(report.hosts[0]!.engine, /^20\.10\./);
	const text = await runCli(['fleet', 'plugins', ...hosts, '--read-only']);
	assert.equal(text.code, 0, text.stderr);
	assert.match(text.stdout, /^HOST\s+ADDRESS\s+ENGINE\s+PLUGINS\s+KASM\s+STATE/m);
	assert.match(text.stdout, /^agent-old\s+\S+\s+20\.10\.\S+\s+0\s+1\.19\.0\s+answers/m);
});

test('doctor names a disabled plugin, with the docker command that enables it', async () => {
	const name = 'doctor-probe/sidecar:amd64-1.2.9';
	await installPlugin(current.sandbox, `${sandbox.registry}/${kasmRepositoryPath}:amd64-1.2.9`, {alias: name, disabled: true});
	try {
		const result = await runCli(['--host', current.host, 'doctor', '--json']);
		assert.equal(result.code, 1, result.stderr);
		const findings = (JSON.parse(result.stdout) as DoctorJson).hosts[0]!.findings;
		assert.deepEqual(
			findings.map(found => [found.kind, found.subject]),
			[['plugin-disabled', name]],
		);
		assert.match(findings[0]!.command, /^docker -H unix:\/\/\S+ plugin enable doctor-probe\/sidecar:amd64-1\.2\.9$/);
	} finally {
		await current.sandbox.docker(['plugin', 'rm', '-f', name]);
	}
});
