import {spawn, type ChildProcessByStdio} from 'node:child_process';
import {Duplex, type Readable, type Writable} from 'node:stream';
import {DaemonUnreachable} from '../errors.js';
import {debug} from '../debug.js';
import {safeText} from '../text.js';
import type {EngineTarget} from './target.js';
import {EngineAgent} from './transport.js';

/**
 * ssh:// as the docker CLI does it (cli/connhelper): the operator's own `ssh` runs
 * `docker system dial-stdio` on the far side, and HTTP goes over its stdin and stdout. So
 * ~/.ssh/config (User, Port, IdentityFile, ProxyJump, ControlMaster), known_hosts and the
 * agent all apply, and nothing of ours runs on the host.
 */

export type SshTransport = Extract<EngineTarget['transport'], {kind: 'ssh'}>;

export interface SshCommand {
	file: string;
	args: string[];
}

/** ssh asks the server every 3 s of silence and gives up after 3 unanswered: a dead link is seen in ~12 s, not at TCP's minutes. */
export const keepAlive = {intervalSeconds: 3, countMax: 3};

/**
 * `ssh -o ConnectTimeout=N -o ServerAliveInterval=3 -o ServerAliveCountMax=3 -T [-l USER] [-p PORT]
 * [-i KEY] -- HOST docker [--host=unix://PATH] system dial-stdio`: the docker CLI's arguments, and
 * keep-alives. No port or user unless the address has them, so the ssh config's apply.
 */
export function sshCommand(transport: SshTransport, {connectTimeoutSeconds = 30}: {connectTimeoutSeconds?: number} = {}): SshCommand {
	const args = [
		'-o',
		`ConnectTimeout=${Math.max(1, Math.ceil(connectTimeoutSeconds))}`,
		'-o',
		`ServerAliveInterval=${keepAlive.intervalSeconds}`,
		'-o',
		`ServerAliveCountMax=${keepAlive.countMax}`,
		'-T',
	];
	if (transport.username) {
		args.push('-l', transport.username);
	}

	if (transport.port) {
		args.push('-p', String(transport.port));
	}

	if (transport.identityFile) {
		// As Ansible passes ansible_ssh_private_key_file: tried before the agent's and the config's keys.
		args.push('-i', transport.identityFile);
	}

	args.push('--', transport.host, 'docker');
	if (transport.socketPath) {
		// Checked to be a plain path when the address was read: the far side's shell sees it.
		args.push(`--host=unix://${transport.socketPath}`);
	}

	args.push('system', 'dial-stdio');
	return {file: 'ssh', args};
}

/** ssh's options and the host, for running another command there (Kasm's scripts): sshCommand's, without its docker part. */
export function sshHostArguments(transport: SshTransport): string[] {
	const {args} = sshCommand(transport);
	return args.slice(0, args.indexOf('--') + 2);
}

const noise = [/^Warning: Permanently added /, /^Pseudo-terminal will not be allocated/, /^\*\*/, /^@+$/, /^\s*$/];

/** One line saying why ssh (or dial-stdio behind it) gave up, from what it printed; never more than 200 characters. */
export function sshFailureReason(stderr: string, exit: {code: number | null; signal?: NodeJS.Signals | null}): string {
	const lines = stderr
		.split(/\r?\n|\r/)
		.map(line => safeText(line).trim())
		.filter(line => !noise.some(pattern => pattern.test(line)));
	const has = (pattern: RegExp) => lines.find(line => pattern.test(line));
	const short = (line: string) => line.replace(/^ssh: /, '').slice(0, 160);
	let found: string | undefined;
	if (has(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i)) {
		return 'its host key does not match the one in known_hosts (it changed, or something is in between): check the host, then remove the old key with ssh-keygen -R';
	}

	if (has(/No \S+ host key is known for|Host key verification failed/i)) {
		return 'its host key is not in known_hosts and ssh cannot ask here: connect once with ssh to check and accept it';
	}

	if ((found = has(/Permission denied \(/))) {
		return `ssh was refused (${short(found.replace(/^.*?(Permission denied \([^)]*\)).*$/, '$1'))}): check the user, key or ssh-agent for that host`;
	}

	if ((found = has(/Could not resolve hostname/i))) {
		return `unknown host name (${short(found)}): check the address, or HostName in the ssh config`;
	}

	if (has(/Connection refused/i)) {
		return 'ssh: connection refused: is sshd running there, on that port?';
	}

	if (has(/Timeout, server .* not responding/i)) {
		return 'ssh: the host stopped answering (no reply to keep-alives)';
	}

	if (has(/timed out|Connection timed out/i)) {
		return 'ssh: the connection timed out';
	}

	if (has(/No route to host/i)) {
		return 'ssh: no route to host';
	}

	if (exit.code === 127 || has(/docker: (command )?not found|docker: No such file/i)) {
		return 'no docker command on the far side: docker system dial-stdio needs the docker CLI (18.09 or later) there';
	}

	if (has(/unknown command "dial-stdio"|unknown command: docker system dial-stdio/i)) {
		return 'the docker CLI on the far side has no "system dial-stdio": it needs Docker 18.09 or later';
	}

	if ((found = has(/Cannot connect to the Docker daemon|dial unix|connect: no such file|connect: permission denied/i))) {
		return `the docker CLI on the far side cannot reach its daemon (${short(found)})`;
	}

	if (exit.signal) {
		return `ssh was ended by ${exit.signal}`;
	}

	const last = lines.at(-1);
	return last ? `ssh exited with code ${exit.code ?? '?'}: ${short(last)}` : `ssh exited with code ${exit.code ?? '?'}`;
}

/** A failure on the way to the daemon over ssh, with what to do about it. */
export class SshUnreachable extends DaemonUnreachable {
	override name = 'SshUnreachable';
	constructor(address: string, reason: string) {
		super(address, reason);
		this.message = `cannot reach the Docker daemon at ${address} over ssh: ${reason}`;
	}
}

type SshChild = ChildProcessByStdio<Writable, Readable, Readable>;

/** The ssh processes alive now: ended with the process, whatever else happens. */
const living = new Set<SshChild>();
let exitHookInstalled = false;

function endEverySsh(): void {
	for (const running of living) {
		running.kill('SIGTERM');
	}
}

/**
 * A signal nothing else handles ends kasm-tui at once (no 'exit' event), and each ssh, in a
 * session of its own, would outlive it: ours are ended first, then the signal does what it would
 * have. While a change defers signals (its own listener), this one stands aside.
 */
function endSshThenDie(signal: NodeJS.Signals): void {
	if (process.listenerCount(signal) > 1) {
		return;
	}

	endEverySsh();
	for (const name of deadlySignals) {
		process.off(name, endSshThenDie);
	}

	process.kill(process.pid, signal);
}

const deadlySignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function remember(child: SshChild) {
	living.add(child);
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		// A crash (an uncaught error) exits through here too.
		process.on('exit', endEverySsh);
		for (const name of deadlySignals) {
			process.on(name, endSshThenDie);
		}
	}
}

/**
 * One ssh process as a socket for node:http, under docker-modem's requests: what http writes goes
 * to ssh's stdin, what ssh prints comes back. It has the few socket methods http and its Agent
 * call (timeouts, ref). When ssh exits with an error, the connection fails with its reason.
 */
export class SshConnection extends Duplex {
	readonly connecting = false;
	private readonly child: SshChild;
	private stderr = '';
	private idleMs = 0;
	private idleTimer?: NodeJS.Timeout;
	private exited = false;

	constructor(
		private readonly address: string,
		command: SshCommand,
	) {
		super({allowHalfOpen: false});
		// Its own session, as the docker CLI's: ssh cannot prompt on our terminal (the screen owns it),
		// and ctrl-c reaches kasm-tui, which finishes the step under way, not ssh.
		this.child = spawn(command.file, command.args, {stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: process.env});
		remember(this.child);
		debug('ssh', `started ssh for ${address}`, {pid: this.child.pid});
		this.child.stdout.on('data', (chunk: Buffer) => {
			this.touch();
			if (!this.push(chunk)) {
				this.child.stdout.pause();
			}
		});
		this.child.stderr.on('data', (chunk: Buffer) => {
			this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4096);
		});
		// ssh gone: the close below says why.
		this.child.stdin.on('error', () => {});
		this.child.on('error', (error: NodeJS.ErrnoException) => {
			this.exited = true;
			living.delete(this.child);
			this.destroy(new SshUnreachable(address, error.code === 'ENOENT' ? 'no ssh command on this machine: install openssh-client' : safeText(error.message).slice(0, 200)));
		});
		this.child.on('close', (code, signal) => {
			this.exited = true;
			living.delete(this.child);
			debug('ssh', `ssh for ${address} ended`, {code, signal});
			if (code === 0) {
				this.push(null);
			} else if (!this.destroyed) {
				this.destroy(new SshUnreachable(address, sshFailureReason(this.stderr, {code, signal})));
			}
		});
		// An idle connection that dies is reported by the next request that needs it, not here.
		this.on('error', () => {});
	}

	override _read(): void {
		this.child.stdout.resume();
	}

	override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
		this.touch();
		// A write to an ssh that has died fails with EPIPE; its exit, with the reason, follows.
		this.child.stdin.write(chunk, () => callback());
	}

	override _final(callback: (error?: Error | null) => void): void {
		this.child.stdin.end(() => callback());
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		clearTimeout(this.idleTimer);
		if (!this.exited) {
			this.child.kill('SIGTERM');
		}

		callback(error);
	}

	/** As net.Socket's: 'timeout' once nothing moved for `ms` (0 turns it off). */
	setTimeout(ms: number, onTimeout?: () => void): this {
		this.idleMs = ms;
		// node:http takes its listener back with setTimeout(0, listener), as net.Socket allows.
		if (onTimeout && ms === 0) {
			this.removeListener('timeout', onTimeout);
		} else if (onTimeout) {
			this.once('timeout', onTimeout);
		}

		this.touch();
		return this;
	}

	setNoDelay(): this {
		return this;
	}

	setKeepAlive(): this {
		return this;
	}

	/** An idle connection must not keep kasm-tui running: its ssh is let go of until used again. */
	ref(): this {
		this.child.ref();
		for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Array<{ref?: () => void}>) {
			stream.ref?.();
		}

		return this;
	}

	unref(): this {
		this.child.unref();
		for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Array<{unref?: () => void}>) {
			stream.unref?.();
		}

		return this;
	}

	private touch() {
		clearTimeout(this.idleTimer);
		if (this.idleMs > 0) {
			this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
			this.idleTimer.unref();
		}
	}
}

/**
 * The connections to one daemon over ssh. Requests share ONE ssh process, kept alive between them
 * (HTTP/1.1 keep-alive; the Agent queues requests while it is busy, and starts a new ssh if it
 * died). A stream (events, pull progress) holds its connection for as long as it runs, so each
 * gets an ssh of its own, which ends with it; with ControlMaster in the ssh config those share
 * the master's connection.
 */
export class SshAgent extends EngineAgent {
	/** Where streams go: a new ssh each, not kept once the stream ends. */
	readonly streams: EngineAgent;

	constructor(address: string, transport: SshTransport, options: {connectTimeoutSeconds?: number} = {}) {
		const command = sshCommand(transport, options);
		super({keepAlive: true, maxSockets: 1, maxFreeSockets: 1}, () => new SshConnection(address, command));
		this.streams = new EngineAgent({keepAlive: false}, () => new SshConnection(address, command));
	}

	override destroy(): void {
		super.destroy();
		this.streams.destroy();
	}
}
