import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {watchEvents} from '../../source/docker/events.js';
import {listPlugins} from '../../source/docker/plugins.js';
import {listPluginsWithUsage} from '../../source/docker/usage.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {assertOneErrorLine} from '../helpers/hardening.js';
import {installPlugin} from '../sandbox/fixtures.js';
import {isAlive, signal, waitForExit} from '../sandbox/processes.js';
import {startSshBed} from '../sandbox/ssh-host.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const bed = startSshBed();
after(async () => bed.stop());

// ssh://kasm-agent-1 says nothing of port, user or key: only the ssh config does, as on an operator's laptop.
const agent = await bed.addHost('kasm-agent-1', sandbox.host);
const plugin = leftovers.plugin(`${uniqueName('ssh-seen')}/sidecar:amd64-1.2.9`);
await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: plugin});

const overSsh = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, {env: {...bed.env, ...env}});
const startedFor = (alias: string) => bed.started().filter(entry => entry.args.includes(` ${alias} `));

/** An in-process engine over ssh, closed when the file ends. */
async function sshEngine(address: string): Promise<Engine> {
	const previous = process.env.PATH;
	process.env.PATH = bed.env.PATH;
	after(() => {
		process.env.PATH = previous;
	});
	const engine = await Engine.open(parseHost(address, 'flag'));
	after(() => engine.close());
	return engine;
}

test('--host ssh://ALIAS reaches the daemon the ssh config names, lists what docker -H ssh:// lists, and Node prints nothing of its own', async () => {
	const before = startedFor('kasm-agent-1').length;
	const result = await overSsh(['--host', agent.address, 'plugins', '--json']);
	assert.equal(result.code, 0, result.stderr);
	assert.equal(result.stderr, '', 'no deprecation warning, no ssh chatter');
	const names = (JSON.parse(result.stdout) as Array<{name: string}>).map(entry => entry.name);
	assert.ok(names.includes(plugin), `the plugin on the far daemon is listed: ${names.join(', ')}`);
	const docker = await sandbox.docker(['plugin', 'ls', '--format', '{{.Name}}']);
	assert.deepEqual(names.sort(), docker.trim().split('\n').sort());
	assert.equal(startedFor('kasm-agent-1').length - before, 1, 'one ssh for the plugins, networks, volumes, containers and info together');
});

test('a host behind a jump host, as ProxyJump in the ssh config says, is reached the same way', async () => {
	// The jump goes through kasm-agent-1's sshd and on to the same sshd again: two hops, one config.
	bed.addAlias('kasm-behind-jump', [
		'HostName 127.0.0.1',
		`Port ${agent.port}`,
		'User root',
		`IdentityFile ${bed.identity}`,
		'IdentitiesOnly yes',
		`UserKnownHostsFile ${bed.knownHosts}`,
		'StrictHostKeyChecking yes',
		'BatchMode yes',
		'ProxyJump kasm-agent-1',
	]);
	const result = await overSsh(['--host', 'ssh://kasm-behind-jump', 'plugins', '--json']);
	assert.equal(result.code, 0, result.stderr);
	assert.ok((JSON.parse(result.stdout) as Array<{name: string}>).some(entry => entry.name === plugin));
});

test('one ssh connection carries every request; a stream gets one of its own, and both work at once', async () => {
	const engine = await sshEngine(agent.address);
	const before = startedFor('kasm-agent-1').length;
	for (let round = 0; round < 5; round++) {
		assert.ok((await listPluginsWithUsage(engine)).some(found => found.name === plugin));
	}

	assert.equal(startedFor('kasm-agent-1').length - before, 1, 'twenty requests, one ssh');

	const volume = uniqueName('ssh-event');
	const seen = new Promise<string>(resolve => {
		const watch = watchEvents(engine, {
			types: ['volume'],
			onEvent: event => {
				if (event.id === volume) {
					watch.close();
					resolve(event.action);
				}
			},
			onState: state => {
				if (state === 'live') {
					void sandbox.docker(['volume', 'create', volume]);
				}
			},
		});
	});
	// The stream is open and requests still go through beside it.
	assert.ok(Array.isArray(await listPlugins(engine)));
	assert.equal(await seen, 'create');
	await sandbox.docker(['volume', 'rm', volume]);
	assert.equal(startedFor('kasm-agent-1').length - before, 2, 'the event stream had an ssh of its own');
});

test('an ssh connection that dies is started again for the next request', async () => {
	const engine = await sshEngine(agent.address);
	await engine.version();
	const first = startedFor('kasm-agent-1').at(-1)!;
	assert.ok(isAlive(first.pid));
	signal(first.pid, 'SIGKILL');
	assert.ok(await waitForExit([first.pid], 5000));
	assert.ok((await listPlugins(engine)).some(found => found.name === plugin), 'the next request is answered');
	const second = startedFor('kasm-agent-1').at(-1)!;
	assert.notEqual(second.pid, first.pid);
});

/** A unix socket that takes connections and never answers: a daemon that hangs. */
async function silentSocket(): Promise<string> {
	const socketPath = path.join(bed.dir, `silent-${process.pid}.sock`);
	const held: net.Socket[] = [];
	const server = net.createServer(socket => held.push(socket));
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	after(() => {
		for (const socket of held) {
			socket.destroy();
		}

		server.close();
	});
	return socketPath;
}

test('each way ssh can fail is one line naming the host and what to do, exit 1', async () => {
	const wrongKey = path.join(bed.dir, 'other_key');
	fs.copyFileSync(`${bed.identity}`, wrongKey);
	fs.chmodSync(wrongKey, 0o600);
	const knownElsewhere = path.join(bed.dir, 'known_hosts_other');
	// The same address with another server's key: what a replaced host, or a man in the middle, looks like.
	const other = await bed.addHost('kasm-agent-other', sandbox.host);
	fs.writeFileSync(knownElsewhere, other.hostKey.replace(`[127.0.0.1]:${other.port}`, `[127.0.0.1]:${agent.port}`) + '\n');
	const common = ['HostName 127.0.0.1', `Port ${agent.port}`, 'User root', 'IdentitiesOnly yes', 'BatchMode yes', 'StrictHostKeyChecking yes'];
	bed.addAlias('kasm-changed-key', [...common, `IdentityFile ${bed.identity}`, `UserKnownHostsFile ${knownElsewhere}`]);
	bed.addAlias('kasm-unknown-key', [...common, `IdentityFile ${bed.identity}`, `UserKnownHostsFile ${path.join(bed.dir, 'known_hosts_empty')}`]);
	bed.addAlias('kasm-no-login', [...common, 'IdentityFile /nonexistent/key', `UserKnownHostsFile ${bed.knownHosts}`]);
	bed.addAlias('kasm-nowhere', ['HostName kasm-nowhere.invalid', 'BatchMode yes']);
	// A host whose sessions find no docker command: the original command runs with a PATH that holds none.
	const noDocker = await bed.addHost('kasm-no-docker', sandbox.host, {sshdConfig: ['ForceCommand env PATH=/nonexistent /bin/sh -c "$SSH_ORIGINAL_COMMAND"']});
	const noDaemon = await bed.addHost('kasm-no-daemon', `unix://${path.join(bed.dir, 'nothing-here.sock')}`);

	const cases: Array<[string, RegExp]> = [
		['ssh://kasm-changed-key', /host key does not match the one in known_hosts/],
		['ssh://kasm-unknown-key', /host key is not in known_hosts/],
		['ssh://kasm-no-login', /ssh was refused \(Permission denied \(publickey\)\)/],
		['ssh://kasm-nowhere', /unknown host name \(Could not resolve hostname kasm-nowhere\.invalid/],
		[noDocker.address, /no docker command on the far side/],
		[noDaemon.address, /the docker CLI on the far side cannot reach its daemon/],
	];
	for (const [address, reason] of cases) {
		const result = await overSsh(['--host', address, 'plugins']);
		assert.equal(result.code, 1, `${address}: ${result.stderr}`);
		const line = assertOneErrorLine(result.stderr, address);
		assert.match(line, new RegExp(`^kasm-tui: cannot reach the Docker daemon at ${address.replaceAll('.', '\\.')} over ssh: `));
		assert.match(line, reason, address);
	}
});

test('a far daemon that never answers is given up after the read timeout, over ssh as on a socket', async () => {
	const hung = await bed.addHost('kasm-hung', `unix://${await silentSocket()}`);
	const result = await overSsh(['--host', hung.address, 'plugins'], {KASM_TUI_API_TIMEOUT: '1'});
	assert.equal(result.code, 1, result.stderr);
	assert.match(assertOneErrorLine(result.stderr, 'hung'), /did not answer "(list|read) .*" within 1 s/);
});

test('the ledger kept before the fleet goes on working where it is, and the same daemon reached over ssh:// reads the same history', async () => {
	const ledgerDir = leftovers.folder('kasm-tui-ssh-ledger-');
	// What an earlier kasm-tui left: entries in the folder itself, no daemon named anywhere.
	new Ledger(ledgerDir).append({
		time: '2026-06-01T12:00:00.000Z',
		action: 'upgrade',
		name: plugin,
		reference: kasm.ref('amd64-1.2.9'),
		tag: 'amd64-1.2.9',
		identity: {diffIds: []},
		outcome: 'ok',
		user: 'earlier-operator',
		version: '0.0.9',
	});
	const history = async (address: string) => {
		const result = await overSsh(['--host', address, '--ledger-dir', ledgerDir, 'history', plugin, '--json']);
		assert.equal(result.code, 0, result.stderr);
		return (JSON.parse(result.stdout) as Array<{user: string; action: string}>).map(entry => `${entry.action} by ${entry.user}`);
	};

	assert.deepEqual(await history(sandbox.host), ['upgrade by earlier-operator']);
	assert.deepEqual(await history(agent.address), ['upgrade by earlier-operator'], 'one daemon, one history, whatever the address');
	const id = JSON.parse(await sandbox.docker(['info', '--format', '{{json .ID}}'])) as string;
	assert.equal((JSON.parse(fs.readFileSync(path.join(ledgerDir, 'daemon.json'), 'utf8')) as {id: string}).id, id);
	assert.ok(!fs.existsSync(path.join(ledgerDir, 'hosts')), 'nothing was moved or split off');
	assert.equal(new Ledger(ledgerDir).read(plugin).entries[0]?.user, 'earlier-operator');
});
