import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {after, type TestContext} from 'node:test';
import {hostLedgerDirectory} from '../../source/ledger/hosts.js';
import {Ledger} from '../../source/ledger/ledger.js';
import {runCli} from '../helpers/cli.js';
import {otherGeneration} from './engines.js';
import {installPlugin, pushRepository, rollingTag} from './fixtures.js';
import {startExtraDaemon, startSilentHost, type ExtraDaemon} from './fleet-hosts.js';
import type {Sandbox} from './sandbox.js';
import {uniqueName, useLeftovers, useSandbox} from './shared.js';
import {startSshBed} from './ssh-host.js';

export type FleetBed = Awaited<ReturnType<typeof useFleetBed>>;
export type BedHost = 'alpha' | 'bravo' | 'charlie' | 'delta';

/**
 * Four daemons on this machine, reached the four ways a fleet is: the sandbox's own socket
 * (alpha), ssh:// through an ssh config (bravo), a docker context over tcp with TLS (charlie),
 * another socket (delta); and an address that takes connections and never answers (down).
 * charlie is the other engine generation (26.1 beside a 20.10 sandbox, 20.10 beside a 26.1 or 28.5 one),
 * as a fleet part-way through an engine upgrade is. Everything is stopped when the file ends.
 */
export async function useFleetBed() {
	const {sandbox} = await useSandbox();
	const leftovers = useLeftovers(sandbox);
	const bed = startSshBed();
	after(async () => bed.stop());
	const kinds = {alpha: sandbox.state.kind, charlie: otherGeneration(sandbox.state.kind)};
	const started = await Promise.allSettled([startExtraDaemon(sandbox), startExtraDaemon(sandbox, {tls: true, kind: kinds.charlie}), startExtraDaemon(sandbox)]);
	after(async () => Promise.all(started.map(async daemon => (daemon.status === 'fulfilled' ? daemon.value.stop() : undefined))));
	const [bravo, charlie, delta] = started.map(daemon => {
		if (daemon.status === 'rejected') {
			throw daemon.reason;
		}

		return daemon.value;
	}) as [ExtraDaemon, ExtraDaemon, ExtraDaemon];
	const down = await startSilentHost();
	after(async () => down.close());
	const bravoSsh = await bed.addHost('kasm-agent-1', bravo.host);

	// The operator's docker config: a context for charlie with its TLS material, as `docker context create` leaves it.
	const dockerConfig = leftovers.folder('kasm-tui-fleet-docker-');
	fs.writeFileSync(path.join(dockerConfig, 'config.json'), '{"auths":{}}\n');
	const contextId = createHash('sha256').update('charlie').digest('hex');
	fs.mkdirSync(path.join(dockerConfig, 'contexts', 'meta', contextId), {recursive: true});
	fs.writeFileSync(
		path.join(dockerConfig, 'contexts', 'meta', contextId, 'meta.json'),
		JSON.stringify({Name: 'charlie', Metadata: {}, Endpoints: {docker: {Host: charlie.tcpHost, SkipTLSVerify: false}}}),
	);
	fs.cpSync(charlie.tls!.clientFolder, path.join(dockerConfig, 'contexts', 'tls', contextId, 'docker'), {recursive: true});

	// Settings of the test's own: a short settle time for the health gate, and a fleet list for --group.
	const configDir = leftovers.folder('kasm-tui-fleet-config-');
	fs.writeFileSync(
		path.join(configDir, 'config.json'),
		JSON.stringify({
			rolloutSettleSeconds: 1,
			hosts: [
				{name: 'alpha', address: sandbox.host, group: 'east'},
				{name: 'bravo', address: 'ssh://kasm-agent-1', group: 'east'},
				{name: 'down', address: down.address, group: 'west'},
			],
		}),
	);
	const env = {...bed.env, DOCKER_CONFIG: dockerConfig, KASM_TUI_CONFIG_DIR: configDir, KASM_TUI_API_TIMEOUT: '3'};
	// In-process flows over ssh find the bed's ssh the same way.
	process.env.PATH = bed.env.PATH;

	const hostFlags = {
		alpha: ['--host', `alpha=${sandbox.host}`],
		bravo: ['--host', 'bravo=ssh://kasm-agent-1'],
		charlie: ['--context', 'charlie'],
		delta: ['--host', `delta=${delta.host}`],
		down: ['--host', `down=${down.address}`],
	};
	const daemons: Record<BedHost, Sandbox> = {alpha: sandbox, bravo: bravo.sandbox, charlie: charlie.sandbox, delta: delta.sandbox};

	/** Gone from every daemon when the test ends, with the volumes that use it: the next test's auto-update finds nothing of it. */
	const removedAfter = (t: TestContext, name: string) => {
		t.after(async () => {
			for (const daemon of Object.values(daemons)) {
				const volumes = (await daemon.docker(['volume', 'ls', '-q', '--filter', `driver=${name}`]).catch(() => '')).trim().split('\n').filter(Boolean);
				if (volumes.length > 0) {
					await daemon.docker(['volume', 'rm', '--force', ...volumes]).catch(() => {});
				}

				await daemon.docker(['plugin', 'rm', '--force', name]).catch(() => {});
			}
		});
	};

	return {
		sandbox,
		leftovers,
		kinds,
		/** The ssh bed: every ssh kasm-tui started (`started()`), its config. */
		ssh: bed,
		/** bravo's sshd, whose links a test can freeze. */
		bravoSsh,
		bravo,
		charlie,
		delta,
		down,
		dockerConfig,
		configDir,
		env,
		hostFlags,
		daemons,
		removedAfter,
		kasmTui: async (ledgerDir: string, ...args: string[]) => runCli(['--ledger-dir', ledgerDir, ...args], {env, timeoutMs: 180_000}),

		/** A rolling plugin of a repository of the test's own, installed on the daemons named. */
		async rollingEverywhere(t: TestContext, stem: string, on: BedHost[], versions = ['1.2.9', '1.2.10']) {
			const repositoryPath = uniqueName(stem);
			const repository = await pushRepository(sandbox, repositoryPath, versions);
			const name = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
			removedAfter(t, name);
			await Promise.all(on.map(async host => installPlugin(daemons[host], repository.ref(rollingTag), {alias: name})));
			return {repositoryPath, repository, name};
		},

		/** The ledger kasm-tui keeps for a daemon, found the way kasm-tui finds it. */
		async ledgerOf(ledgerDir: string, daemon: Sandbox): Promise<Ledger> {
			const {ID: id, Name: name, DockerRootDir: dataRoot} = JSON.parse(await daemon.docker(['info', '--format', '{{json .}}'])) as {ID: string; Name: string; DockerRootDir: string};
			return new Ledger(hostLedgerDirectory(ledgerDir, {id, name, dataRoot, address: daemon.host, local: daemon === sandbox}, {claim: false}));
		},

		/** Nothing a health gate made is left on any daemon. */
		async assertNoProbeLeft() {
			for (const [host, daemon] of Object.entries(daemons)) {
				assert.equal((await daemon.docker(['volume', 'ls', '-q', '--filter', 'label=kasm-tui.probe'])).trim(), '', `no probe volume left on ${host}`);
				assert.equal((await daemon.docker(['network', 'ls', '-q', '--filter', 'label=kasm-tui.probe'])).trim(), '', `no probe network left on ${host}`);
			}
		},
	};
}
