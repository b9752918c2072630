import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {isAlive, signal, sleep, waitForExit} from './processes.js';
import {freePort, startDetached} from './sandbox.js';

/**
 * ssh:// hosts on loopback, the way an operator reaches a Kasm agent: Debian's sshd on
 * 127.0.0.1 (key auth only, StrictModes off because the keys live under /tmp), whose
 * `SetEnv DOCKER_HOST=…` points the far side's `docker system dial-stdio` at a sandbox daemon,
 * and a `Host` block per alias in an ssh config of the test's own.
 *
 * OpenSSH reads ~/.ssh/config from the password database's home, never from $HOME, so a
 * throw-away HOME cannot hold it. Instead `env.PATH` starts with a folder whose `ssh` runs the
 * real one with `-F` that config: kasm-tui finds `ssh` on PATH as it would the operator's.
 */
export interface SshBed {
	dir: string;
	/** For a child process: PATH with the bed's `ssh` first, and no agent of the machine's. */
	env: NodeJS.ProcessEnv;
	/** The ssh config file (what ~/.ssh/config would be). */
	config: string;
	/** The client's key, authorized on every sshd of the bed. */
	identity: string;
	knownHosts: string;
	/** Every ssh started through the bed, oldest first: its process id and arguments. */
	started(): Array<{pid: number; args: string}>;
	/**
	 * Starts an sshd whose sessions reach `dockerHost`, and a Host block `alias` for it; `relay`
	 * puts something in between (a slow link): given the sshd's port, it answers the port to use.
	 */
	addHost(alias: string, dockerHost: string, options?: {sshdConfig?: string[]; relay?: (sshdPort: number) => Promise<number>}): Promise<SshServer>;
	/** A Host block of its own (a wrong key, another known_hosts, a name that resolves nowhere). */
	addAlias(alias: string, lines: string[]): void;
	stop(): Promise<void>;
}

export interface SshServer {
	alias: string;
	/** `ssh://alias`: no user, no port, all from the ssh config. */
	address: string;
	port: number;
	pid: number;
	/** Its host key line as known_hosts holds it. */
	hostKey: string;
	/**
	 * Freezes every link open now (SIGSTOP on each per-connection sshd and what runs in it), as a
	 * link that drops without a reset: new connections are still taken. Returns the thaw.
	 */
	freezeSessions(): () => void;
	stop(): Promise<void>;
}

function keygen(file: string): void {
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kasm-tui-test', '-f', file], {stdio: ['ignore', 'ignore', 'pipe']});
}

/** The per-connection sshd processes (and what runs in them) of a listener: its children, by parent id. */
function childrenOf(pid: number): number[] {
	const children: number[] = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		try {
			const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
			const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (parent === pid) {
				children.push(Number(entry), ...childrenOf(Number(entry)));
			}
		} catch {}
	}

	return children;
}

async function waitForPort(port: number, pid: number, logFile: string): Promise<void> {
	const deadline = Date.now() + 20_000;
	while (Date.now() < deadline) {
		const open = await new Promise<boolean>(resolve => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('data', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (open) {
			return;
		}

		if (!isAlive(pid)) {
			throw new Error(`sshd exited while starting: ${fs.readFileSync(logFile, 'utf8').slice(-800)}`);
		}

		await sleep(50);
	}

	throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
}

export function startSshBed(): SshBed {
	if (!fs.existsSync('/usr/sbin/sshd')) {
		throw new Error('the ssh tests need sshd: apt-get install -y openssh-server (the sandbox installs it)');
	}

	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-ssh-'));
	fs.chmodSync(dir, 0o700);
	const identity = path.join(dir, 'id_ed25519');
	keygen(identity);
	const config = path.join(dir, 'ssh_config');
	const knownHosts = path.join(dir, 'known_hosts');
	fs.writeFileSync(config, '');
	fs.writeFileSync(knownHosts, '');
	const bin = path.join(dir, 'bin');
	fs.mkdirSync(bin);
	const log = path.join(dir, 'ssh.log');
	// One line per ssh started (its pid, then its arguments): how tests count connections.
	fs.writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\necho "$$ $*" >> '${log}'\nexec /usr/bin/ssh -F '${config}' "$@"\n`, {mode: 0o755});
	const servers: SshServer[] = [];

	const bed: SshBed = {
		dir,
		config,
		identity,
		knownHosts,
		started: () =>
			(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '')
				.split('\n')
				.filter(Boolean)
				.map(line => ({pid: Number(line.split(' ')[0]), args: line.slice(line.indexOf(' ') + 1)})),
		env: {PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, SSH_AUTH_SOCK: ''},
		addAlias(alias, lines) {
			fs.appendFileSync(config, [`Host ${alias}`, ...lines.map(line => `  ${line}`), ''].join('\n'));
		},
		async addHost(alias, dockerHost, options = {}) {
			fs.mkdirSync('/run/sshd', {recursive: true, mode: 0o755});
			const folder = fs.mkdtempSync(path.join(dir, `${alias}-`));
			const hostKey = path.join(folder, 'host_ed25519');
			keygen(hostKey);
			const port = await freePort();
			const sshdConfig = path.join(folder, 'sshd_config');
			fs.writeFileSync(
				sshdConfig,
				[
					`Port ${port}`,
					'ListenAddress 127.0.0.1',
					`HostKey ${hostKey}`,
					`PidFile ${path.join(folder, 'sshd.pid')}`,
					`AuthorizedKeysFile ${identity}.pub`,
					'PasswordAuthentication no',
					'KbdInteractiveAuthentication no',
					'UsePAM no',
					'StrictModes no',
					'PermitRootLogin prohibit-password',
					`SetEnv DOCKER_HOST=${dockerHost}`,
					'LogLevel ERROR',
					...(options.sshdConfig ?? []),
					'',
				].join('\n'),
			);
			const logFile = path.join(folder, 'sshd.log');
			const pid = startDetached('/usr/sbin/sshd', ['-D', '-e', '-f', sshdConfig], logFile);
			await waitForPort(port, pid, logFile);
			const publicKey = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
			const reachedOn = options.relay ? await options.relay(port) : port;
			const known = `[127.0.0.1]:${reachedOn} ${publicKey}`;
			fs.appendFileSync(knownHosts, known + '\n');
			bed.addAlias(alias, [
				'HostName 127.0.0.1',
				`Port ${reachedOn}`,
				'User root',
				`IdentityFile ${identity}`,
				'IdentitiesOnly yes',
				`UserKnownHostsFile ${knownHosts}`,
				'StrictHostKeyChecking yes',
				'BatchMode yes',
			]);
			const server: SshServer = {
				alias,
				address: `ssh://${alias}`,
				port,
				pid,
				hostKey: known,
				freezeSessions() {
					const sessions = childrenOf(pid);
					for (const child of sessions) {
						signal(child, 'SIGSTOP');
					}

					return () => {
						for (const child of sessions) {
							signal(child, 'SIGCONT');
						}
					};
				},
				async stop() {
					const sessions = childrenOf(pid);
					for (const child of [pid, ...sessions]) {
						// A frozen session ends only once it runs again.
						signal(child, 'SIGCONT');
						signal(child, 'SIGTERM');
					}

					if (!(await waitForExit([pid, ...sessions], 5000))) {
						for (const child of [pid, ...sessions]) {
							signal(child, 'SIGKILL');
						}
					}
				},
			};
			servers.push(server);
			return server;
		},
		async stop() {
			for (const server of servers) {
				await server.stop();
			}

			fs.rmSync(dir, {recursive: true, force: true});
		},
	};
	return bed;
}
