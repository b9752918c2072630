import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {makeTlsMaterial, startExtraDaemon} from '../sandbox/fleet-hosts.js';
import {useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
// A daemon on tcp with --tlsverify: it speaks TLS, with a certificate of its own CA.
const daemon = await startExtraDaemon(sandbox, {tls: true});
after(async () => daemon.stop());
const port = new URL(daemon.tcpHost!.replace(/^tcp:/, 'http:')).port;
const https = `https://127.0.0.1:${port}`;

/**
 * What DOCKER_CERT_PATH names: the client certificate the daemon accepts, and the CA of another
 * authority, which the daemon's certificate does not verify against.
 */
const wrongCa = leftovers.folder('kasm-tui-tls-wrong-ca-');
fs.copyFileSync(path.join(daemon.tls!.clientFolder, 'cert.pem'), path.join(wrongCa, 'cert.pem'));
fs.copyFileSync(path.join(daemon.tls!.clientFolder, 'key.pem'), path.join(wrongCa, 'key.pem'));
fs.copyFileSync(makeTlsMaterial(path.join(leftovers.folder('kasm-tui-tls-other-'), 'tls')).ca, path.join(wrongCa, 'ca.pem'));
const env = {DOCKER_CERT_PATH: wrongCa, DOCKER_TLS_VERIFY: ''};

const lines = (text: string) => text.trimEnd().split('\n').filter(Boolean);

test('TLS to a daemon whose certificate nothing checks is refused, exit 2, one line that says what to do', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-tls-');
	for (const args of [
		['--host', https, 'plugins', '--json'],
		['--host', https, 'upgrade', 'kasmweb/sidecar:amd64-1.2-rolling', '--yes'],
		['fleet', 'plugins', '--json', '--host', `remote=${https}`, '--host', `local=${sandbox.host}`],
	]) {
		const result = await runCli(['--ledger-dir', ledgerDir, ...args], {env});
		assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
		assert.equal(result.stdout, '');
		assert.equal(lines(result.stderr).length, 1, result.stderr);
		assert.match(result.stderr, /^kasm-tui: the Docker host .*127\.0\.0\.1.* certificate.*DOCKER_TLS_VERIFY=1.*--tls-insecure/);
	}

	assert.deepEqual(fs.readdirSync(ledgerDir), [], 'no daemon was asked who it is');
});

test('the certificate really does not verify: with DOCKER_TLS_VERIFY=1 the daemon is not reached', async () => {
	const result = await runCli(['--host', https, 'plugins', '--json'], {env: {...env, DOCKER_TLS_VERIFY: '1'}});
	assert.equal(result.code, 1, result.stderr);
	assert.match(result.stderr, /certificate/i);
});

test('--tls-insecure talks to it, and says so on standard error with and without --json', async () => {
	for (const json of [true, false]) {
		const result = await runCli(['--host', https, 'plugins', '--tls-insecure', ...(json ? ['--json'] : [])], {env});
		assert.equal(result.code, 0, result.stderr);
		if (json) {
			assert.ok(Array.isArray(JSON.parse(result.stdout)));
		}

		assert.deepEqual(lines(result.stderr), [
			`kasm-tui: warning: the certificate of tcp://127.0.0.1:${port} is not checked (--tls-insecure): anyone on the way can read and change what is sent, registry passwords included`,
		]);
	}
});

test('fleet plugins --json says which hosts are reached without a checked certificate: tlsVerified', async () => {
	const result = await runCli(['fleet', 'plugins', '--json', '--tls-insecure', '--host', `remote=${https}`, '--host', `local=${sandbox.host}`], {env});
	assert.equal(result.code, 0, result.stderr);
	const {hosts} = JSON.parse(result.stdout) as {hosts: Array<{name: string; reachable: boolean; tlsVerified: boolean | null}>};
	assert.deepEqual(
		hosts.map(host => [host.name, host.reachable, host.tlsVerified]),
		[
			['remote', true, false],
			['local', true, null],
		],
	);
	assert.deepEqual(lines(result.stderr), [
		`kasm-tui: warning: the certificate of remote (tcp://127.0.0.1:${port}) is not checked (--tls-insecure): anyone on the way can read and change what is sent, registry passwords included`,
	]);
});

test('a docker context that skips the check (SkipTLSVerify) is the operator\'s choice: used, and said like --tls-insecure', async () => {
	const config = leftovers.folder('kasm-tui-tls-contexts-');
	const name = 'skips-the-check';
	const id = createHash('sha256').update(name).digest('hex');
	fs.mkdirSync(path.join(config, 'contexts', 'meta', id), {recursive: true});
	fs.writeFileSync(path.join(config, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: daemon.tcpHost, SkipTLSVerify: true}}}));
	fs.cpSync(wrongCa, path.join(config, 'contexts', 'tls', id, 'docker'), {recursive: true});
	const result = await runCli(['plugins', '--json'], {env: {...env, DOCKER_CONFIG: config, DOCKER_CONTEXT: name}});
	assert.equal(result.code, 0, result.stderr);
	assert.ok(Array.isArray(JSON.parse(result.stdout)));
	assert.deepEqual(lines(result.stderr), [
		`kasm-tui: warning: the certificate of tcp://127.0.0.1:${port} is not checked (the docker context ${name} says SkipTLSVerify): anyone on the way can read and change what is sent, registry passwords included`,
	]);
});
