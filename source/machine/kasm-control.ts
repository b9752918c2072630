import fs from 'node:fs';
import path from 'node:path';
import type {SshTransport} from '../docker/ssh.js';
import type {EngineTarget} from '../docker/target.js';
import {KasmTuiError, Refused} from '../errors.js';
import {debug} from '../debug.js';
import {safeText, shellWord} from '../text.js';

/**
 * Kasm's own procedure for a plugin its services use (the seed's `sudo /opt/kasm/bin/stop`, the
 * change, `sudo /opt/kasm/bin/start`): its scripts run on the daemon's machine, as root. On the
 * local daemon that is this machine; on an ssh:// host, the operator's own ssh runs them there
 * (`sudo -n` unless the ssh user is root); a tcp:// host gives no shell, so it cannot be done.
 */

/** Where Kasm is installed when --kasm-dir is not given, first found first. */
export const defaultKasmDirs = ['/opt/kasm/current', '/opt/kasm'] as const;

/** How long Kasm's stop or start script may take before it counts as failed. */
export const kasmCommandTimeoutMs = 300_000;

/** A command as it runs, and as the plan shows it. */
export interface KasmCommand {
	file: string;
	args: string[];
	/** The exact command line, as an operator would type it. */
	text: string;
}

export interface KasmControl {
	/** The Kasm folder: the one with bin/stop and bin/start. */
	dir: string;
	/** Where the scripts run, in words: `this machine`, `agent-1 over ssh`. */
	where: string;
	stop: KasmCommand;
	start: KasmCommand;
}

/** A Kasm restart that cannot be made on this host: nothing is changed. */
export class KasmRestartImpossible extends Refused {
	override name = 'KasmRestartImpossible';
}

export class KasmCommandFailed extends KasmTuiError {
	override name = 'KasmCommandFailed';
}

/** `sudo -n` unless already root: Kasm's scripts need root, and a password prompt would hang. */
function asRoot(script: string, root: boolean): string[] {
	return root ? [script] : ['sudo', '-n', script];
}

function commandOf(file: string, args: string[]): KasmCommand {
	return {file, args, text: [file, ...args].map(word => shellWord(word)).join(' ')};
}

/**
 * How Kasm is stopped and started for the daemon at `target`: its folder found (the one given, else
 * the first of defaultKasmDirs with both scripts), and the commands that run them. Refused when the
 * host gives no shell (tcp://), when no Kasm folder is there, or when ssh cannot reach it.
 */
export async function kasmControl(target: EngineTarget, hostName: string, given?: string): Promise<KasmControl> {
	// `given` was checked where the command line was read (cli/kasm-dir.ts): a plain absolute path.
	const dirs = given === undefined ? [...defaultKasmDirs] : [given];
	const {transport} = target;
	switch (transport.kind) {
		case 'tcp': {
			throw new KasmRestartImpossible(
				`${hostName} is reached over tcp://, which gives kasm-tui no shell there to run Kasm's stop and start: run them on the host yourself (sudo ${dirs[0]}/bin/stop, the change, sudo ${dirs[0]}/bin/start), or reach it over ssh:// (--host ssh://USER@HOST); nothing was changed`,
			);
		}

		case 'unix': {
			const dir = dirs.find(candidate => isExecutable(path.join(candidate, 'bin', 'stop')) && isExecutable(path.join(candidate, 'bin', 'start')));
			if (!dir) {
				throw noKasm(hostName, dirs, 'this machine');
			}

			const root = process.getuid?.() === 0;
			const [stopFile, ...stopArgs] = asRoot(`${dir}/bin/stop`, root);
			const [startFile, ...startArgs] = asRoot(`${dir}/bin/start`, root);
			return {dir, where: 'this machine', stop: commandOf(stopFile!, stopArgs), start: commandOf(startFile!, startArgs)};
		}

		case 'ssh': {
			const where = `${safeText(transport.host)} over ssh`;
			// Loaded for ssh:// hosts only, as the transport loads it.
			const sshArgs = (await import('../docker/ssh.js')).sshHostArguments(transport);
			// One look: who the ssh user is there, and which Kasm folder has both scripts.
			const probe = `id -u; for d in ${dirs.join(' ')}; do if [ -x "$d/bin/stop" ] && [ -x "$d/bin/start" ]; then echo "$d"; exit 0; fi; done; exit 3`;
			let answer: string;
			try {
				answer = await runCommand({file: 'ssh', args: [...sshArgs, probe], text: ''}, {timeoutMs: 30_000});
			} catch (error) {
				if (error instanceof KasmCommandFailed && / exit 3\b/.test(error.message)) {
					throw noKasm(hostName, dirs, where);
				}

				throw new KasmRestartImpossible(`could not look for Kasm on ${hostName} over ssh (${(error as Error).message}); nothing was changed`);
			}

			const [uid, dir] = answer.trim().split('\n').map(line => line.trim());
			if (!dir || !dirs.includes(dir)) {
				throw noKasm(hostName, dirs, where);
			}

			return sshKasmControl(transport, sshArgs, dir, uid === '0');
		}
	}
}

/**
 * Kasm's scripts in `dir` run on an ssh:// host through the operator's ssh (`sshArgs`: its
 * options and the host, as sshHostArguments gives them), with `sudo -n` unless the ssh user there is root.
 */
export function sshKasmControl(transport: SshTransport, sshArgs: string[], dir: string, root: boolean): KasmControl {
	return {
		dir,
		where: `${safeText(transport.host)} over ssh`,
		stop: commandOf('ssh', [...sshArgs, ...asRoot(`${dir}/bin/stop`, root)]),
		start: commandOf('ssh', [...sshArgs, ...asRoot(`${dir}/bin/start`, root)]),
	};
}

function noKasm(hostName: string, dirs: string[], where: string): KasmRestartImpossible {
	return new KasmRestartImpossible(
		`no Kasm folder with bin/stop and bin/start on ${hostName} (${where}): looked in ${dirs.join(' and ')}; give its folder with --kasm-dir DIR; nothing was changed`,
	);
}

function isExecutable(file: string): boolean {
	try {
		fs.accessSync(file, fs.constants.X_OK);
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

/**
 * Runs one of Kasm's commands to its end, within `timeoutMs` (then it is killed, and failed): its
 * standard output is returned; a failure says the exit and the last line it printed, cleaned.
 */
export async function runCommand(command: KasmCommand, {timeoutMs = kasmCommandTimeoutMs, signal}: {timeoutMs?: number; signal?: AbortSignal} = {}): Promise<string> {
	debug('kasm', `running ${command.text || command.file}`);
	return new Promise((resolve, reject) => {
		// node:child_process is loaded here, not with this module: every command loads it (source/cli/commands.ts).
		const {spawn} = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
		const child = spawn(command.file, command.args, {stdio: ['ignore', 'pipe', 'pipe'], detached: true});
		const output: Buffer[] = [];
		let errors = '';
		let size = 0;
		child.stdout.on('data', (chunk: Buffer) => {
			// Kept bounded: a chatty script must not fill memory.
			if (size < 1_000_000) {
				output.push(chunk);
				size += chunk.length;
			}
		});
		child.stderr.on('data', (chunk: Buffer) => {
			errors = (errors + chunk.toString('utf8')).slice(-4000);
		});
		let timedOut = false;
		const kill = () => {
			try {
				// The whole group: a script's own children (docker compose) go too.
				process.kill(-child.pid!, 'SIGTERM');
			} catch {
				child.kill('SIGTERM');
			}
		};

		const timer = setTimeout(() => {
			timedOut = true;
			kill();
		}, timeoutMs);
		signal?.addEventListener('abort', kill, {once: true});
		child.on('error', error => {
			clearTimeout(timer);
			reject(new KasmCommandFailed(`${command.file} could not be run: ${safeText(error.message)}`));
		});
		child.on('close', (code, killedBy) => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', kill);
			const stdout = Buffer.concat(output).toString('utf8');
			if (code === 0) {
				resolve(stdout);
				return;
			}

			const last = lastLine(errors) || lastLine(stdout);
			const how = timedOut ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : killedBy ? `was stopped by ${killedBy}` : `failed with exit ${code}`;
			reject(new KasmCommandFailed(`${command.text || command.file} ${how}${last ? `: ${last}` : ''}`));
		});
	});
}

function lastLine(text: string): string {
	const lines = text
		.split(/\r?\n|\r/)
		.map(line => safeText(line).trim())
		.filter(Boolean);
	return (lines.at(-1) ?? '').slice(0, 200);
}
