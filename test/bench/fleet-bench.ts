import {startExtraDaemon, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {startSshBed, type SshBed} from '../sandbox/ssh-host.js';
import type {PtyScreen} from './pty-screen.js';
import {installPlugins, pluginPrefix} from './seed.js';

/**
 * A fleet beside the seeded sandbox, for the fleet's figures: three more daemons pulling from its
 * registry, each with the first few of the seed's plugins, reached the ways a fleet is: bravo
 * over ssh:// through an ssh config (Debian's sshd on loopback), charlie over tcp with TLS,
 * delta on a socket. And an ssh alias for the seeded sandbox itself, so `fleet plugins --json`
 * over ssh lists the same 20 plugins `docker -H ssh://… plugin ls` does.
 */
export interface BenchFleet {
	/** `fleet`'s arguments for the four hosts: alpha (the seeded sandbox), bravo (ssh), charlie (TLS), delta. */
	hostArgs: string[];
	/** kasm-tui's environment for them: the bed's ssh first on PATH, charlie's TLS material. */
	env: NodeJS.ProcessEnv;
	/** The docker CLI's for the ssh alias (no TLS variables: they are charlie's). */
	sshEnv: NodeJS.ProcessEnv;
	/** `ssh://kasm-agent-0`: the seeded sandbox over ssh. */
	sandboxOverSsh: string;
	/** Plugin names across the fleet: the matrix's rows. */
	names: number;
	/** The extra daemons' folders, for the leftover check. */
	folders: string[];
	stop(): Promise<void>;
}

export async function startBenchFleet(box: Sandbox, env: NodeJS.ProcessEnv, seeded: number, {perHost = 5, log = (_line: string) => {}} = {}): Promise<BenchFleet> {
	const bed: SshBed = startSshBed();
	const extras: ExtraDaemon[] = [];
	const stop = async () => {
		await bed.stop().catch(() => {});
		await Promise.all(extras.map(async extra => extra.stop().catch(() => {})));
	};

	try {
		const started = await Promise.allSettled([startExtraDaemon(box), startExtraDaemon(box, {tls: true}), startExtraDaemon(box)]);
		for (const result of started) {
			if (result.status === 'fulfilled') {
				extras.push(result.value);
			}
		}

		const failed = started.find(result => result.status === 'rejected');
		if (failed) {
			throw (failed as PromiseRejectedResult).reason;
		}

		const [bravo, charlie, delta] = extras as [ExtraDaemon, ExtraDaemon, ExtraDaemon];
		log(`fleet: three more daemons up; installing ${perHost} plugins on each…`);
		await Promise.all(extras.map(async extra => installPlugins(extra.sandbox, 0, perHost, 2)));
		await bed.addHost('kasm-agent-0', box.host);
		await bed.addHost('kasm-agent-1', bravo.host);
		const sshEnv = {...env, PATH: bed.env.PATH, SSH_AUTH_SOCK: ''};
		return {
			hostArgs: ['--host', `alpha=${box.host}`, '--host', 'bravo=ssh://kasm-agent-1', '--host', `charlie=${charlie.tcpHost!}`, '--host', `delta=${delta.host}`],
			env: {...sshEnv, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: charlie.tls!.clientFolder},
			sshEnv,
			sandboxOverSsh: 'ssh://kasm-agent-0',
			names: Math.max(seeded, perHost),
			folders: extras.map(extra => extra.sandbox.state.dir),
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * The fleet screen's first full frame: every host live in the hosts pane, the matrix titled with
 * every plugin name across the four hosts, and a seeded plugin's row drawn.
 */
export function isFleetFrame(hosts: number, names: number) {
	return (screen: PtyScreen) => {
		const {rows} = screen;
		return (
			(rows[0] ?? '').includes(`fleet of ${hosts} host${hosts === 1 ? '' : 's'}`) &&
			rows.some(row => row.includes(`Hosts (${hosts}: ${hosts} live)`)) &&
			rows.some(row => row.includes(`Plugins × hosts (${names} × ${hosts})`)) &&
			rows.some(row => row.includes(pluginPrefix))
		);
	};
}
