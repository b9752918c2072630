import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {runCli} from '../helpers/cli.js';
import {installPlugin} from '../sandbox/fixtures.js';
import {startExtraDaemon} from '../sandbox/fleet-hosts.js';
import {freePort} from '../sandbox/sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';
import {startSshBed} from '../sandbox/ssh-host.js';

/**
 * Hosts from a Kasm Ansible inventory naming sandbox daemons: two agents behind sshds of their
 * own (each its own port, the user and key file the inventory gives), a web server and another
 * zone's agent on ports where nothing answers, and the secrets the install writes into `vars`.
 */

const {sandbox, kasm} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const bed = startSshBed();
after(async () => bed.stop());
const other = await startExtraDaemon(sandbox);
after(async () => other.stop());
const agentA = await bed.addHost('agent-a', sandbox.host);
const agentB = await bed.addHost('agent-b', other.host);
// The ssh config knows the hosts' keys and nothing else: no user, no port, no key for 127.0.0.1. The inventory says those.
bed.addAlias('127.0.0.1', [`UserKnownHostsFile ${bed.knownHosts}`, 'StrictHostKeyChecking yes', 'BatchMode yes', 'IdentitiesOnly yes', 'ConnectTimeout 5']);

const plugin = leftovers.plugin(`${uniqueName('inventory')}/sidecar:amd64-1.2.9`);
await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: plugin});

const secrets = ['Inv3ntory-user-PASSWORD-71', 'manager-token-0f1e2d3c4b5a', 'registration-token-aa55aa55'];
const folder = leftovers.folder('kasm-tui-inventory-');
fs.mkdirSync(path.join(folder, 'keys'));
fs.copyFileSync(bed.identity, path.join(folder, 'keys', 'agent.pem'));
fs.chmodSync(path.join(folder, 'keys', 'agent.pem'), 0o600);
const nobodyHome = [await freePort(), await freePort()];
const host = (port: number) => `              ansible_host: 127.0.0.1
              ansible_port: ${port}
              ansible_ssh_user: root
              ansible_ssh_private_key_file: keys/agent.pem`;
const inventory = path.join(folder, 'inventory');
fs.writeFileSync(
	inventory,
	`all:
  children:
    zone1:
      children:
        zone1_web:
          hosts:
            zone1_web_1:
${host(nobodyHome[0]!)}
        zone1_agent:
          hosts:
            zone1_agent_1:
${host(agentA.port)}
            zone1_agent_2:
${host(agentB.port)}
    zone2:
      children:
        zone2_agent:
          hosts:
            zone2_agent_1:
${host(nobodyHome[1]!)}
  vars:
    user_password: ${secrets[0]}
    manager_token: ${secrets[1]}
    registration_token: "${secrets[2]}"
    zones:
      - zone1
      - zone2
`,
);

const overSsh = async (args: string[]) => runCli(args, {env: bed.env});
const portsDialled = (since: number) => bed.started().slice(since).map(entry => Number(/-p (\d+)/.exec(entry.args)?.[1]));

test('fleet plugins --inventory --group zone1_agent reads exactly that group\'s agents, each over ssh with the port, user and key the inventory gives', async () => {
	const before = bed.started().length;
	const result = await overSsh(['fleet', 'plugins', '--inventory', inventory, '--group', 'zone1_agent', '--json']);
	assert.equal(result.code, 0, result.stderr);
	const {hosts} = JSON.parse(result.stdout) as {hosts: Array<{name: string; address: string; group: string; reachable: boolean; plugins: Array<{name: string}>}>};
	assert.deepEqual(
		hosts.map(entry => [entry.name, entry.address, entry.group, entry.reachable]),
		[
			['zone1_agent_1', `ssh://root@127.0.0.1:${agentA.port}`, 'zone1_agent', true],
			['zone1_agent_2', `ssh://root@127.0.0.1:${agentB.port}`, 'zone1_agent', true],
		],
	);
	assert.ok(hosts[0]!.plugins.some(entry => entry.name === plugin), 'agent 1 is the sandbox, where the plugin is');
	assert.ok(!hosts[1]!.plugins.some(entry => entry.name === plugin), 'agent 2 is the other daemon, where it is not');
	const dialled = portsDialled(before);
	assert.deepEqual([...new Set(dialled)].sort(), [agentA.port, agentB.port].sort(), 'no ssh to the web server or the other zone');
	for (const entry of bed.started().slice(before)) {
		assert.match(entry.args, new RegExp(`-l root .*-i ${path.join(folder, 'keys', 'agent.pem').replaceAll('.', '\\.')} `), 'the inventory\'s user and key file');
	}
});

test('--role agent takes every zone\'s agents; an agent that does not answer is that host\'s failure, the others are read', async () => {
	const result = await overSsh(['fleet', 'plugins', '--inventory', inventory, '--role', 'agent', '--json']);
	assert.equal(result.code, 0, `the command stands while one host answers: ${result.stderr}`);
	const {hosts} = JSON.parse(result.stdout) as {hosts: Array<{name: string; reachable: boolean; error: string | null}>};
	assert.deepEqual(
		hosts.map(entry => [entry.name, entry.reachable]),
		[
			['zone1_agent_1', true],
			['zone1_agent_2', true],
			['zone2_agent_1', false],
		],
	);
	assert.match(hosts[2]!.error!, /refused|not answer|closed/i);
	assert.doesNotMatch(hosts[2]!.error!, /\n/);
});

test('an inventory\'s secrets appear in no output and no --debug file, whatever the command meets', async () => {
	const debugFile = path.join(leftovers.folder('kasm-tui-inventory-debug-'), 'debug.log');
	const runs = [
		await overSsh(['fleet', 'plugins', '--inventory', inventory, '--debug', debugFile]),
		await overSsh(['fleet', 'plugins', '--inventory', inventory, '--group', 'zone9', '--debug', debugFile]),
		await overSsh(['fleet', 'plugins', '--inventory', inventory, '--role', 'agent', '--json', '--debug', debugFile]),
	];
	// A file whose YAML breaks on the line of a secret: the parser's own message would quote it.
	const broken = path.join(folder, 'broken');
	fs.writeFileSync(broken, `all:\n  vars:\n    manager_token: "${secrets[1]}\n  children: [\n`);
	runs.push(await overSsh(['fleet', 'plugins', '--inventory', broken, '--debug', debugFile]));
	assert.equal(runs[1]!.code, 2, 'an unknown group is bad input');
	assert.match(runs[1]!.stderr, /has no group "zone9" \(groups: zone1, zone1_web, zone1_agent, zone2, zone2_agent\)/);
	assert.equal(runs[3]!.code, 2);
	assert.match(runs[3]!.stderr, /broken line \d+ is not YAML an inventory can be/);
	const debugText = fs.readFileSync(debugFile, 'utf8');
	assert.ok(debugText.length > 0, 'the debug file was written');
	for (const secret of secrets) {
		for (const [index, run] of runs.entries()) {
			assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `run ${index} printed a secret`);
		}

		assert.ok(!debugText.includes(secret), 'the debug file holds a secret');
	}
});

test('--inventory with --host, or --role without an inventory, is one line and exit 2', async () => {
	const mixed = await overSsh(['fleet', 'plugins', '--inventory', inventory, '--host', sandbox.host]);
	assert.equal(mixed.code, 2);
	assert.match(mixed.stderr, /--inventory names the hosts: give it without --host, --context and --all-contexts/);
	const role = await overSsh(['fleet', 'plugins', '--role', 'agent', '--host', sandbox.host]);
	assert.equal(role.code, 2);
	assert.match(role.stderr, /--role picks from a Kasm inventory: give it with --inventory FILE/);
	const missing = await overSsh(['fleet', 'plugins', '--inventory', path.join(folder, 'nothing-here')]);
	assert.equal(missing.code, 2);
	assert.match(missing.stderr, /--inventory .*nothing-here: there is no such file/);
});
