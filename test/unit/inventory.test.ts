import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {inventoryAddress, parseInventory, selectInventoryHosts} from '../../source/hosts/inventory.js';

/** kasmtech/ansible's inventory as an operator fills it in: two zones, a proxy, and the secrets the install writes back. */
const kasmInventory = `##################
# Host inventory #
##################
all:
  children:
    zone1:
      children:
        zone1_db:
          hosts:
            zone1_db_1:
              ansible_host: 10.0.1.5
              ansible_port: 22
              ansible_ssh_user: ubuntu
              ansible_ssh_private_key_file: ~/.ssh/id_rsa
        zone1_web:
          hosts:
            zone1_web_1:
              ansible_host: web1.example.internal
              ansible_port: 22
              ansible_ssh_user: ubuntu
              ansible_ssh_private_key_file: ~/.ssh/id_rsa
        zone1_agent:
          hosts:
            zone1_agent_1:
              ansible_host: 10.0.1.21
              ansible_port: 2222
              ansible_ssh_user: kasm-ops
              ansible_ssh_private_key_file: keys/agent.pem
            zone1_agent_2:
              ansible_host: 10.0.1.22
        #zone1_proxy:
          #hosts:
    zone2:
      children:
        zone2_agent:
          hosts:
            zone2_agent_1:
              ansible_host: 10.0.2.21
              ansible_ssh_user: ubuntu
  vars:
    user_password: S3cret-user-Pa55
    manager_token: tok-0123456789abcdef
    ansible_port: 22
    ansible_ssh_private_key_file: /etc/kasm/fleet.key
    default_web: 1
    zones:
      - zone1
      - zone2
`;

test('a Kasm YAML inventory: every host once, with its groups, its Kasm role and how to reach it', async () => {
	const inventory = await parseInventory(kasmInventory, '/srv/kasm-ansible/inventory');
	assert.deepEqual(
		inventory.hosts.map(host => host.name),
		['zone1_db_1', 'zone1_web_1', 'zone1_agent_1', 'zone1_agent_2', 'zone2_agent_1'],
	);
	const agent1 = inventory.hosts.find(host => host.name === 'zone1_agent_1')!;
	assert.deepEqual(agent1, {
		name: 'zone1_agent_1',
		groups: ['zone1_agent', 'zone1'],
		role: 'agent',
		address: '10.0.1.21',
		port: 2222,
		user: 'kasm-ops',
		// Relative to the inventory's folder, as Ansible reads it.
		keyFile: '/srv/kasm-ansible/keys/agent.pem',
	});
	assert.equal(inventoryAddress(agent1), 'ssh://kasm-ops@10.0.1.21:2222');
	// What the host does not say comes from its groups, `all`'s vars last.
	const agent2 = inventory.hosts.find(host => host.name === 'zone1_agent_2')!;
	assert.equal(agent2.port, 22);
	assert.equal(agent2.user, undefined);
	assert.equal(agent2.keyFile, '/etc/kasm/fleet.key');
	assert.equal(inventoryAddress(agent2), 'ssh://10.0.1.22:22');
	assert.equal(inventory.hosts.find(host => host.name === 'zone1_web_1')!.keyFile, path.join(os.homedir(), '.ssh/id_rsa'));
	assert.equal(inventory.hosts.find(host => host.name === 'zone1_db_1')!.role, 'db');
});

test('--group takes a zone or a zone\'s role group, --role a role in every zone, both at once their overlap', async () => {
	const inventory = await parseInventory(kasmInventory, 'inventory');
	const names = (choice: {group?: string; role?: string}) => selectInventoryHosts(inventory, choice).map(host => host.name);
	assert.deepEqual(names({group: 'zone1_agent'}), ['zone1_agent_1', 'zone1_agent_2']);
	assert.deepEqual(names({group: 'zone1'}), ['zone1_db_1', 'zone1_web_1', 'zone1_agent_1', 'zone1_agent_2']);
	assert.deepEqual(names({role: 'agent'}), ['zone1_agent_1', 'zone1_agent_2', 'zone2_agent_1']);
	assert.deepEqual(names({group: 'zone2', role: 'agent'}), ['zone2_agent_1']);
	assert.deepEqual(names({}), inventory.hosts.map(host => host.name));
	assert.throws(() => names({group: 'zone3_agent'}), /has no group "zone3_agent" \(groups: zone1, zone1_db, zone1_web, zone1_agent, zone2, zone2_agent\)/);
	assert.throws(() => names({role: 'worker'}), /--role takes one of db, web, agent, guac, proxy, not "worker"/);
	assert.throws(() => names({group: 'zone2', role: 'web'}), /names no host in the group zone2 and with the role web/);
});

test('the older INI inventory: [web], [db], [agent] groups, :children and :vars, host ranges', async () => {
	const inventory = await parseInventory(
		`# Kasm 1.x multi-server
[db]
kasm-db ansible_host=10.0.0.5

[web]
kasm-web ansible_host=10.0.0.6 ansible_ssh_user=admin

[agent]
kasm-agent[01:03] ansible_port=2201

[kasm:children]
db
web
agent

[kasm:vars]
ansible_ssh_user=ubuntu
ansible_ssh_private_key_file="/home/ops/.ssh/kasm key"
database_password='hunter2-but-longer'
`,
		'/etc/ansible/hosts',
	);
	assert.deepEqual(
		inventory.hosts.map(host => [host.name, inventoryAddress(host), host.role, host.keyFile]),
		[
			['kasm-db', 'ssh://ubuntu@10.0.0.5', 'db', '/home/ops/.ssh/kasm key'],
			['kasm-web', 'ssh://admin@10.0.0.6', 'web', '/home/ops/.ssh/kasm key'],
			['kasm-agent01', 'ssh://ubuntu@kasm-agent01:2201', 'agent', '/home/ops/.ssh/kasm key'],
			['kasm-agent02', 'ssh://ubuntu@kasm-agent02:2201', 'agent', '/home/ops/.ssh/kasm key'],
			['kasm-agent03', 'ssh://ubuntu@kasm-agent03:2201', 'agent', '/home/ops/.ssh/kasm key'],
		],
	);
	assert.deepEqual(selectInventoryHosts(inventory, {group: 'kasm', role: 'agent'}).length, 3);
});

test('no message about an inventory quotes a value from it: the install writes passwords and tokens into its vars', async () => {
	const secret = 'tok-9f8e7d6c5b4a-SECRET';
	const broken = [
		// A YAML error on the line that holds the secret: the parser's own message would quote it.
		`all:\n  vars:\n    manager_token: "${secret}\n  children: [\n`,
		// A connection variable that is a secret-bearing template, or not a port.
		`all:\n  hosts:\n    agent-1:\n      ansible_host: "{{ lookup('env', '${secret}') }}"\n`,
		`all:\n  hosts:\n    agent-1:\n      ansible_port: "${secret}"\n`,
		`all:\n  hosts:\n    agent-1:\n      ansible_ssh_user: "${secret} ; rm -rf /"\n`,
		`[agent]\nagent-1 ansible_port=${secret}\n`,
	];
	for (const text of broken) {
		await assert.rejects(parseInventory(text, 'inventory'), (error: Error) => {
			assert.equal(error.name, 'BadInput', error.message);
			assert.doesNotMatch(error.message, /SECRET|9f8e7d/, error.message);
			assert.doesNotMatch(error.message, /\n/, 'one line');
			assert.match(error.message, /^inventory\b/, 'it names the file');
			return true;
		});
	}
});

test('what an inventory cannot be is said in one line: a file of no inventory, a cycle, a name ssh cannot take', async () => {
	await assert.rejects(parseInventory('- just\n- a list\n', 'inv.yml'), /inv\.yml holds no inventory: it should start with "all:"/);
	await assert.rejects(parseInventory('[a:children]\nb\n[b:children]\na\n', 'inv'), /the group a is its own parent \(a → b → a\)|the group b is its own parent/);
	await assert.rejects(parseInventory('all:\n  hosts:\n    "-oProxyCommand=evil": {}\n', 'inv'), /is not a host name kasm-tui can use/);
	await assert.rejects(parseInventory('all:\n  hosts:\n    agent:\n      ansible_host: "-oProxyCommand=x"\n', 'inv'), /inv: all\.hosts\.agent: ansible_host is not a host name or address/);
});
