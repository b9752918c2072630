import {execFile} from 'node:child_process';
import fs from 'node:fs';
import {promisify} from 'node:util';
import path from 'node:path';
import {importImage} from './fixtures.js';
import type {Sandbox} from './sandbox.js';

/**
 * A stand-in for an installed Kasm (no real Kasm image is reachable here): a folder with `bin/stop`
 * and `bin/start` as Kasm's are, which do what its docker compose file does: `start` creates the
 * network `kasm_default_network` on the plugin's driver and runs the `kasm_*` services on it (from
 * `kasmweb/<service>:<release>` images, a static busybox each), `stop` removes them and the network.
 * So while it runs, its services keep the plugin "in use", as Kasm's keep the sidecar.
 */
export interface StandInKasm {
	dir: string;
	/** The service containers, by name: kasm_agent, kasm_api. */
	services: string[];
	network: string;
	start(): Promise<void>;
	stop(): Promise<void>;
	/** The services running now, by name. */
	running(): Promise<string[]>;
}

const runFile = promisify(execFile);
const services = ['agent', 'api'];
const dockerCli = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export async function standInKasm(sandbox: Sandbox, {plugin, dir, release = '1.18.0'}: {plugin: string; dir: string; release?: string}): Promise<StandInKasm> {
	await Promise.all(services.map(async service => importImage(sandbox, `kasmweb/${service}:${release}`, `kasm ${service} ${release}`)));
	const network = 'kasm_default_network';
	const subnet = `198.18.${10 + Math.floor(Math.random() * 200)}.0/24`;
	const head = [
		'#!/bin/sh',
		'set -e',
		`export DOCKER_HOST=${quoted(sandbox.state.host)} DOCKER_CONFIG=${quoted(sandbox.state.dockerConfig)}`,
		`docker=${quoted(dockerCli)}`,
		// Where each run is written down, for the tests to see it ran (and as who).
		`echo "$(basename "$0") $(id -u)" >> ${quoted(path.join(dir, 'runs.log'))}`,
	];
	const start = [
		...head,
		`"$docker" network inspect ${network} >/dev/null 2>&1 || "$docker" network create -d ${quoted(plugin)} --subnet ${subnet} ${network} >/dev/null`,
		...services.map(
			service =>
				`"$docker" rm -f kasm_${service} >/dev/null 2>&1 || true; "$docker" run -d --name kasm_${service} --network ${network} kasmweb/${service}:${release} /bin/busybox sleep 86400 >/dev/null`,
		),
		'echo "Kasm started"',
	];
	const stop = [
		...head,
		`"$docker" rm -f ${services.map(service => `kasm_${service}`).join(' ')} >/dev/null 2>&1 || true`,
		`"$docker" network rm ${network} >/dev/null 2>&1 || true`,
		'echo "Kasm stopped"',
	];
	fs.mkdirSync(path.join(dir, 'bin'), {recursive: true});
	fs.writeFileSync(path.join(dir, 'bin', 'start'), start.join('\n') + '\n', {mode: 0o755});
	fs.writeFileSync(path.join(dir, 'bin', 'stop'), stop.join('\n') + '\n', {mode: 0o755});
	const run = async (script: string) => {
		await runFile(path.join(dir, 'bin', script), [], {timeout: 120_000});
	};
	const kasm: StandInKasm = {
		dir,
		services: services.map(service => `kasm_${service}`),
		network,
		start: async () => run('start'),
		stop: async () => run('stop'),
		async running() {
			const names = await sandbox.docker(['ps', '--filter', 'name=kasm_', '--format', '{{.Names}}']);
			return names.split('\n').filter(Boolean).sort();
		},
	};
	await kasm.start();
	return kasm;
}
