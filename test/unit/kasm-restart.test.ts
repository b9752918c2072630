import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {sshHostArguments, type SshTransport} from '../../source/docker/ssh.js';
import {BadInput} from '../../source/errors.js';
import {usageBesidesKasm, usedOnlyByKasm} from '../../source/docker/usage.js';
import {describeStep, dockerCommand} from '../../source/flows/plan.js';
import {checkedKasmDir} from '../../source/cli/kasm-dir.js';
import {kasmControl, KasmRestartImpossible, sshKasmControl} from '../../source/machine/kasm-control.js';

test("a plugin used only by Kasm's kasm_* network, volumes and containers is freed by a Kasm restart; anything else keeps it in use", () => {
	const kasms = {networks: ['kasm_default_network'], volumes: [], containers: ['kasm_agent', 'kasm_api']};
	assert.equal(usedOnlyByKasm(kasms), true);
	assert.equal(usedOnlyByKasm({networks: [], volumes: [], containers: []}), false, 'nothing uses it: no restart is needed');
	const mixed = {...kasms, volumes: ['shared-data']};
	assert.equal(usedOnlyByKasm(mixed), false);
	assert.deepEqual(usageBesidesKasm(mixed), {networks: [], volumes: ['shared-data'], containers: []});
});

test('a tcp:// host gives no shell: the Kasm restart is refused there, with what to do instead', async () => {
	const target = parseHost('tcp://10.0.0.5:2375', 'flag');
	await assert.rejects(kasmControl(target, 'agent-3'), (error: unknown) => {
		assert.ok(error instanceof KasmRestartImpossible);
		assert.equal(error.exitCode, 3);
		assert.match(error.message, /^agent-3 is reached over tcp:\/\/, which gives kasm-tui no shell there to run Kasm's stop and start: run them on the host yourself \(sudo \/opt\/kasm\/current\/bin\/stop, the change, sudo \/opt\/kasm\/current\/bin\/start\), or reach it over ssh:\/\//);
		return true;
	});
});

test("over ssh Kasm's scripts run through the operator's ssh with the host's port, user and key, with sudo -n unless that user is root", () => {
	const transport = parseHost('ssh://ops@kasm-agent-2:2222', 'flag').transport as SshTransport;
	const withKey = {...transport, identityFile: '/keys/agent 2'};
	const asOps = sshKasmControl(withKey, sshHostArguments(withKey), '/opt/kasm/current', false);
	assert.equal(asOps.where, 'kasm-agent-2 over ssh');
	assert.equal(
		asOps.stop.text,
		"ssh -o ConnectTimeout=30 -o ServerAliveInterval=3 -o ServerAliveCountMax=3 -T -l ops -p 2222 -i '/keys/agent 2' -- kasm-agent-2 sudo -n /opt/kasm/current/bin/stop",
	);
	assert.deepEqual(asOps.start.args.slice(-3), ['sudo', '-n', '/opt/kasm/current/bin/start']);
	const asRoot = sshKasmControl(transport, sshHostArguments(transport), '/opt/kasm', true);
	assert.deepEqual(asRoot.stop.args.slice(-2), ['kasm-agent-2', '/opt/kasm/bin/stop']);
	// The plan shows these commands as the docker commands of the other steps are shown.
	const step = {kind: 'kasm-stop' as const, kasm: asOps, services: ['kasm_agent', 'kasm_api', 'kasm_db', 'kasm_guac', 'kasm_proxy']};
	assert.equal(dockerCommand(step), asOps.stop.text);
	assert.equal(describeStep(step), 'stop Kasm on kasm-agent-2 over ssh (kasm_agent, kasm_api, kasm_db, kasm_guac and 1 more)');
	assert.equal(describeStep({...step, kind: 'kasm-start'}), 'start Kasm on kasm-agent-2 over ssh, and wait for kasm_agent, kasm_api, kasm_db, kasm_guac and 1 more to run again');
});

test('--kasm-dir takes an absolute path of plain characters only: it becomes part of a remote command line', () => {
	assert.equal(checkedKasmDir('/opt/kasm/1.18.0/'), '/opt/kasm/1.18.0');
	for (const bad of ['opt/kasm', '/opt/kasm; reboot', '/opt/$(id)', '/opt/../etc', '/opt/kasm dir', '']) {
		assert.throws(() => checkedKasmDir(bad), (error: unknown) => error instanceof BadInput && /--kasm-dir takes an absolute path/.test(error.message), bad);
	}
});
