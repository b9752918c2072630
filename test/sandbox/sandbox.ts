import {execFileSync, spawn, type SpawnOptions} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {currentEngineKind, engineLaunch, type EngineKind} from './engines.js';
import {isAlive, processesInCgroups, processesMentioning, signal, sleep, waitForExit} from './processes.js';
import {findTool} from '../../source/build/apt.js';

/**
 * A private Docker engine and a registry on loopback, for tests, the demo and the benchmark.
 * Recipe and traps: ../shared/engine-sandbox.md. Everything lives in one short folder under /tmp
 * (unix socket paths are limited to 108 bytes, and a plugin's socket sits 80 bytes deep in the
 * exec-root), and everything started is recorded in its state.json so another process can stop it.
 */
export interface SandboxState {
	dir: string;
	/** `unix://…/docker.sock`: what kasm-tui's --host takes. */
	host: string;
	socket: string;
	/** `127.0.0.1:PORT` of the registry, listed as insecure in the daemon. */
	registry: string;
	dataRoot: string;
	execRoot: string;
	/** A docker CLI config folder of the sandbox's own, so the operator's credentials are never used. */
	dockerConfig: string;
	pids: {dockerd: number; registry: number};
	/** The process that started it: when it is gone, the sandbox is stale (1: kept on purpose). */
	owner: number;
	/** More dockerd arguments (a fleet test's daemon that also listens on tcp with TLS). */
	daemonArgs?: string[];
	/** Which engine generation runs (engines.ts), and what the daemon itself says it is. */
	kind: EngineKind;
	engine: EngineFacts;
}

/** What the daemon says of itself once it is up, for tests that assert a kind's own behaviour. */
export interface EngineFacts {
	/** `20.10.24+dfsg1`, `26.1.5+dfsg1`. */
	version: string;
	/** The newest Engine API it speaks: `1.41`, `1.45`. */
	apiVersion: string;
	/** `containerd` when images live in containerd's store (the snapshotter), else `classic`. */
	imageStore: 'classic' | 'containerd';
}

const prefix = 'kt-';
const requiredPackages = [
	{command: 'dockerd', package: 'docker.io'},
	{command: 'docker', package: 'docker.io'},
	{command: 'docker-registry', package: 'docker-registry'},
	{command: 'gcc', package: 'gcc'},
	{command: 'busybox', package: 'busybox-static', path: '/bin/busybox'},
	{command: 'tar', package: 'tar'},
	// The end-to-end tests drive the real screen in a pseudo-terminal.
	{command: 'tmux', package: 'tmux'},
	// A registry that wants a password (htpasswd, bcrypt) or a token (a key signed with openssl).
	{command: 'htpasswd', package: 'apache2-utils'},
	{command: 'openssl', package: 'openssl'},
	// ssh:// hosts of the fleet tests: an sshd on loopback in front of a sandbox daemon.
	{command: 'sshd', package: 'openssh-server'},
];

function isStaticBusybox(): boolean {
	try {
		// A dynamic busybox cannot run inside a rootfs that has no libc.
		return !execFileSync('ldd', ['/bin/busybox'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).includes('=>');
	} catch {
		return fs.existsSync('/bin/busybox');
	}
}

/** Installs what is missing with apt when we are root; otherwise one line saying what is missing. */
export function ensurePrerequisites(log: (line: string) => void = () => {}): void {
	const missing = new Set(
		requiredPackages
			.filter(item => (item.path ? !fs.existsSync(item.path) || (item.package === 'busybox-static' && !isStaticBusybox()) : !findTool(item.command)))
			.map(item => item.package),
	);
	if (missing.size === 0) {
		return;
	}

	const list = [...missing].join(' ');
	if (process.getuid?.() !== 0) {
		throw new Error(`the sandbox needs ${list}: run as root so it can install them, or run "apt-get install -y ${list}"`);
	}

	log(`installing ${list} with apt-get…`);
	const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
	execFileSync('apt-get', ['update', '-qq'], {stdio: ['ignore', 'ignore', 'inherit'], env});
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {stdio: ['ignore', 'ignore', 'inherit'], env});
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

function httpStatus(options: http.RequestOptions): Promise<number> {
	return new Promise(resolve => {
		const request = http.request({...options, timeout: 1000}, response => {
			response.resume();
			resolve(response.statusCode ?? 0);
		});
		request.on('error', () => resolve(0));
		request.on('timeout', () => request.destroy());
		request.end();
	});
}

function tail(file: string, lines = 8): string {
	try {
		return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

async function waitUntil(what: string, pid: number, logFile: string, ready: () => Promise<boolean>, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await ready()) {
			return;
		}

		if (!isAlive(pid)) {
			throw new Error(`${what} exited while starting; its log ends with:\n${tail(logFile)}`);
		}

		await sleep(100);
	}

	throw new Error(`${what} did not answer within ${timeoutMs / 1000} s; its log ends with:\n${tail(logFile)}`);
}

/** Starts a process of its own session, logging to `logFile`; returns its id. */
export function startDetached(command: string, args: string[], logFile: string, extra: SpawnOptions = {}): number {
	const log = fs.openSync(logFile, 'a');
	const child = spawn(command, args, {detached: true, stdio: ['ignore', log, log], ...extra});
	fs.closeSync(log);
	child.unref();
	if (!child.pid) {
		throw new Error(`could not start ${command}`);
	}

	return child.pid;
}

export interface StartOptions {
	log?: (line: string) => void;
	/** Default: the kind this process runs on (KASM_TUI_ENGINE, else 20.10). */
	kind?: EngineKind;
}

export class Sandbox {
	constructor(readonly state: SandboxState) {}

	get host() {
		return this.state.host;
	}

	get registry() {
		return this.state.registry;
	}

	/** The environment that makes a docker CLI or kasm-tui talk to this sandbox and nothing else. */
	get env(): NodeJS.ProcessEnv {
		return {...process.env, DOCKER_HOST: this.state.host, DOCKER_CONFIG: this.state.dockerConfig, DOCKER_CONTEXT: ''};
	}

	/** Runs the docker CLI against the sandbox; throws with its error output when it fails. */
	docker(args: string[], options: {input?: string | Buffer; timeoutMs?: number} = {}): Promise<string> {
		return new Promise((resolve, reject) => {
			const child = spawn(dockerCli(), args, {env: this.env, stdio: ['pipe', 'pipe', 'pipe']});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', chunk => {
				stdout += chunk;
			});
			child.stderr.on('data', chunk => {
				stderr += chunk;
			});
			const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
			child.on('error', reject);
			child.on('close', code => {
				clearTimeout(timer);
				if (code === 0) {
					resolve(stdout);
				} else {
					reject(new Error(`docker ${args.join(' ')} failed (${code}): ${stderr.trim() || stdout.trim()}`));
				}
			});
			child.stdin.end(options.input);
		});
	}

	/** Leaves it running after this process ends: no later start reaps it; `npm run sandbox -- down` stops it. */
	keep(): void {
		this.state.owner = 1;
		fs.writeFileSync(path.join(this.state.dir, 'state.json'), JSON.stringify(this.state, null, 2) + '\n');
	}

	/**
	 * Stops everything it started, by process id, and removes its folder. Safe to call twice. A
	 * test process may have restarted the daemon (shared.ts): its new id is in state.json.
	 */
	async stop(): Promise<void> {
		try {
			this.state.pids = (JSON.parse(fs.readFileSync(path.join(this.state.dir, 'state.json'), 'utf8')) as SandboxState).pids;
		} catch {}

		await stopSandbox(this.state);
	}
}

/** The docker.io client matches the daemon; a newer client elsewhere on PATH works too. */
function dockerCli(): string {
	return fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/** A sandbox's paths in `dir`, its daemon of `kind`, pulling from `registry`, with a docker CLI config of its own. */
export function sandboxState(dir: string, registry: string, kind: EngineKind): SandboxState {
	const state: SandboxState = {
		dir,
		socket: path.join(dir, 'docker.sock'),
		host: `unix://${path.join(dir, 'docker.sock')}`,
		registry,
		dataRoot: path.join(dir, 'data'),
		execRoot: path.join(dir, 'x'),
		dockerConfig: path.join(dir, 'docker-config'),
		pids: {dockerd: 0, registry: 0},
		owner: process.pid,
		kind,
		engine: {version: '', apiVersion: '', imageStore: 'classic'},
	};
	fs.mkdirSync(state.dockerConfig);
	fs.writeFileSync(path.join(state.dockerConfig, 'config.json'), '{"auths":{}}\n');
	return state;
}

export async function startSandbox({log = () => {}, kind = currentEngineKind()}: StartOptions = {}): Promise<Sandbox> {
	if (process.getuid?.() !== 0) {
		throw new Error('the sandbox runs its own dockerd, which needs root: run the tests or the demo as root (e.g. with sudo)');
	}

	ensurePrerequisites(log);
	// Fetched (once) before anything starts, so a failed fetch leaves nothing running.
	engineLaunch(kind, log);
	await reapStaleSandboxes(log);
	const startedAt = Date.now();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	fs.chmodSync(dir, 0o711);
	const port = await freePort();
	const state = sandboxState(dir, `127.0.0.1:${port}`, kind);
	const writeState = () => fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
	writeState();

	try {
		state.pids.registry = startRegistryProcess(dir, 'registry', state.registry);
		writeState();

		state.pids.dockerd = startDaemon(state);
		writeState();

		await waitUntil('the registry', state.pids.registry, path.join(dir, 'registry.log'), async () =>
			(await httpStatus({host: '127.0.0.1', port, path: '/v2/'})) === 200,
		);
		await waitForDaemon(state);
		state.engine = await engineFacts(state.socket);
		writeState();
	} catch (error) {
		await stopSandbox(state);
		throw error;
	}

	log(`sandbox up in ${Date.now() - startedAt} ms: Docker ${state.engine.version} (${kind}) ${state.host}, registry ${state.registry}`);
	return new Sandbox(state);
}

/** A docker-registry config: its storage in `dir/name`, serving on `address`, plus `extra` lines (auth). */
function registryConfig(dir: string, name: string, address: string, extra: string[] = []): string {
	const file = path.join(dir, `${name}.yml`);
	fs.writeFileSync(
		file,
		[
			'version: 0.1',
			'log:',
			'  level: warn',
			'  accesslog:',
			'    disabled: true',
			'storage:',
			'  filesystem:',
			`    rootdirectory: ${path.join(dir, name)}`,
			'  delete:',
			'    enabled: true',
			'http:',
			`  addr: ${address}`,
			...extra,
			'',
		].join('\n'),
	);
	return file;
}

function startRegistryProcess(dir: string, name: string, address: string, extra: string[] = []): number {
	return startDetached(findTool('docker-registry') ?? 'docker-registry', ['serve', registryConfig(dir, name, address, extra)], path.join(dir, `${name}.log`));
}

/** A registry of one test's own on loopback (e.g. one to stop in the middle of a flow). */
export interface ExtraRegistry {
	/** `127.0.0.1:PORT` */
	address: string;
	pid: number;
	stop(): Promise<void>;
}

export interface ExtraRegistryOptions {
	/** Names its config, storage and log in `folder`. */
	name?: string;
	/** Default: the sandbox's folder. */
	folder?: string;
	/** Extra config lines, e.g. an `auth:` section. */
	config?: string[];
	/** What /v2/ answers once it is up: 200, or 401 for one that wants credentials. */
	readyStatus?: number;
}

/** Starts another docker-registry on a free loopback port; the daemon trusts all of 127.0.0.0/8. */
export async function startExtraRegistry(sandbox: Sandbox, options: ExtraRegistryOptions = {}): Promise<ExtraRegistry> {
	const name = options.name ?? `registry-${Date.now().toString(36)}`;
	const folder = options.folder ?? sandbox.state.dir;
	const port = await freePort();
	const address = `127.0.0.1:${port}`;
	const pid = startRegistryProcess(folder, name, address, options.config);
	const stop = async () => {
		signal(pid, 'SIGTERM');
		if (!(await waitForExit([pid], 5000))) {
			signal(pid, 'SIGKILL');
			await waitForExit([pid], 5000);
		}
	};

	try {
		await waitUntil(`the registry ${name}`, pid, path.join(folder, `${name}.log`), async () =>
			(await httpStatus({host: '127.0.0.1', port, path: '/v2/'})) === (options.readyStatus ?? 200),
		);
	} catch (error) {
		await stop();
		throw error;
	}

	return {address, pid, stop};
}

export function startDaemon(state: SandboxState): number {
	const {dir} = state;
	const launch = engineLaunch(state.kind);
	return startDetached(
		launch.dockerd,
		[
			...launch.args(dir),
			'--host',
			state.host,
			'--data-root',
			state.dataRoot,
			'--exec-root',
			state.execRoot,
			'--pidfile',
			path.join(dir, 'docker.pid'),
			'--insecure-registry',
			state.registry,
			// Extra registries of single tests (one to stop mid-flow, one with a password) live on loopback too.
			'--insecure-registry',
			'127.0.0.0/8',
			// No bridge, no iptables: the sandbox never touches the host's network.
			'--bridge=none',
			'--iptables=false',
			'--ip-forward=false',
			'--ip-masq=false',
			// Its own containerd namespaces, so a system containerd, if one runs, keeps its own.
			'--containerd-namespace',
			`kasmtui-${path.basename(dir)}`,
			'--containerd-plugins-namespace',
			`kasmtui-${path.basename(dir)}-plugins`,
			// Info, as a host's daemon logs: a plugin's stdout reaches the log at that level (kasm-tui logs).
			'--log-level',
			'info',
			...(state.daemonArgs ?? []),
		],
		path.join(dir, 'dockerd.log'),
		{env: {...process.env, PATH: launch.path, DOCKER_CONFIG: state.dockerConfig}},
	);
}

function getJson(socketPath: string, apiPath: string): Promise<unknown> {
	return new Promise((resolve, reject) => {
		const request = http.get({socketPath, path: apiPath, timeout: 10_000}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', chunk => {
				body += chunk;
			});
			response.on('end', () => {
				try {
					resolve(JSON.parse(body));
				} catch (error) {
					reject(error as Error);
				}
			});
		});
		request.on('error', reject);
		request.on('timeout', () => request.destroy(new Error(`no answer to ${apiPath}`)));
	});
}

async function engineFacts(socketPath: string): Promise<EngineFacts> {
	const version = (await getJson(socketPath, '/version')) as {Version: string; ApiVersion: string};
	const info = (await getJson(socketPath, '/info')) as {DriverStatus?: string[][] | null};
	const snapshotter = (info.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && value === 'io.containerd.snapshotter.v1');
	return {version: version.Version, apiVersion: version.ApiVersion, imageStore: snapshotter ? 'containerd' : 'classic'};
}

export async function waitForDaemon(state: SandboxState): Promise<void> {
	await waitUntil('dockerd', state.pids.dockerd, path.join(state.dir, 'dockerd.log'), async () =>
		(await httpStatus({socketPath: state.socket, path: '/_ping'})) === 200,
	);
}

/**
 * Stops the daemon and starts it again on the same socket and folders, as an operator's
 * `systemctl restart docker` would: what a screen or a flow must live through. Enabled plugins
 * keep running across it, as they do on a real host. `down` is how long it stays away.
 */
export async function restartDaemon(sandbox: Sandbox, {downMs = 0}: {downMs?: number} = {}): Promise<void> {
	const {state} = sandbox;
	signal(state.pids.dockerd, 'SIGTERM');
	if (!(await waitForExit([state.pids.dockerd], 30_000))) {
		signal(state.pids.dockerd, 'SIGKILL');
		await waitForExit([state.pids.dockerd], 5000);
	}

	await sleep(downMs);
	state.pids.dockerd = startDaemon(state);
	fs.writeFileSync(path.join(state.dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
	await waitForDaemon(state);
}

/** A sandbox another process started (the test runner), from its state.json. */
export function attachSandbox(stateFile: string): Sandbox {
	return new Sandbox(JSON.parse(fs.readFileSync(stateFile, 'utf8')) as SandboxState);
}

/**
 * Enabled plugins outlive their daemon (that is their design), each with a shim and a process
 * that ignores SIGTERM as PID 1 of its namespace: end those first, by process id, then the
 * daemon, its containerd and the registry; then unmount and remove the folder.
 */
export async function stopSandbox(state: SandboxState): Promise<void> {
	const pluginIds = (() => {
		try {
			return fs.readdirSync(path.join(state.dataRoot, 'plugins')).filter(name => /^[a-f\d]{64}$/.test(name));
		} catch {
			return [];
		}
	})();

	const pluginProcesses = processesInCgroups(pluginIds);
	const shims = processesMentioning([state.execRoot, `kasmtui-${path.basename(state.dir)}`]).filter(
		pid => pid !== state.pids.dockerd && pid !== state.pids.registry,
	);
	for (const pid of [...pluginProcesses, ...shims]) {
		signal(pid, 'SIGKILL');
	}

	await waitForExit(pluginProcesses, 5000);

	for (const pid of [state.pids.dockerd, state.pids.registry]) {
		if (pid) {
			signal(pid, 'SIGTERM');
		}
	}

	const daemons = [state.pids.dockerd, state.pids.registry].filter(Boolean);
	if (!(await waitForExit(daemons, 15_000))) {
		for (const pid of daemons) {
			signal(pid, 'SIGKILL');
		}

		await waitForExit(daemons, 5000);
	}

	// Whatever still names the folder (a containerd that outlived dockerd, a late shim) goes too.
	const leftovers = [...processesMentioning([state.dir]), ...processesInCgroups(pluginIds)];
	for (const pid of leftovers) {
		signal(pid, 'SIGKILL');
	}

	await waitForExit(leftovers, 5000);
	unmountBelow(state.dir);
	fs.rmSync(state.dir, {recursive: true, force: true, maxRetries: 3});
	await removePluginSocketFolders(pluginIds);
}

/**
 * dockerd on Linux puts every plugin's socket under /run/docker/plugins/<id>, whatever its
 * exec-root, and leaves the folder when the plugin dies with the sandbox. Ours go: the ids we
 * know, and any folder holding our fixture's socket (kasm.sock) that no process answers.
 */
async function removePluginSocketFolders(pluginIds: string[]): Promise<void> {
	const root = '/run/docker/plugins';
	let folders: string[];
	try {
		folders = fs.readdirSync(root).filter(name => /^[a-f\d]{64}$/.test(name));
	} catch {
		return;
	}

	// A plugin of another sandbox that is being disabled or restarted answers nothing either, and
	// without its folder its daemon cannot restore it (dockerd 20.10 then panics): never touch those.
	const others = pluginIdsOfOtherSandboxes(pluginIds);
	for (const id of folders) {
		const socket = path.join(root, id, 'kasm.sock');
		const ours = pluginIds.includes(id) || (!others.has(id) && fs.existsSync(socket) && !(await answers(socket)));
		if (ours) {
			fs.rmSync(path.join(root, id), {recursive: true, force: true});
		}
	}
}

/** The plugin ids in the data-root of every sandbox folder still on disk, but for the ids given (ours). */
function pluginIdsOfOtherSandboxes(ours: string[]): Set<string> {
	const ids = new Set<string>();
	for (const name of fs.readdirSync(os.tmpdir())) {
		if (!name.startsWith(prefix)) {
			continue;
		}

		try {
			for (const id of fs.readdirSync(path.join(os.tmpdir(), name, 'data', 'plugins'))) {
				if (!ours.includes(id)) {
					ids.add(id);
				}
			}
		} catch {}
	}

	return ids;
}

function answers(socketPath: string): Promise<boolean> {
	return new Promise(resolve => {
		const connection = net.connect(socketPath);
		connection.once('connect', () => {
			connection.destroy();
			resolve(true);
		});
		connection.once('error', () => resolve(false));
	});
}

function unmountBelow(dir: string): void {
	let mounts: string[];
	try {
		mounts = fs
			.readFileSync('/proc/self/mountinfo', 'utf8')
			.split('\n')
			.map(line => line.split(' ')[4] ?? '')
			.map(point => point.replaceAll('\\040', ' '))
			.filter(point => point === dir || point.startsWith(dir + '/'));
	} catch {
		return;
	}

	for (const point of mounts.sort((a, b) => b.length - a.length)) {
		try {
			execFileSync('umount', ['-l', point], {stdio: 'ignore'});
		} catch {}
	}
}

/** Sandboxes whose owner died (a killed test run) are stopped before a new one starts. */
export function reapStaleSandboxes(log: (line: string) => void = () => {}): Promise<void> {
	const stale: SandboxState[] = [];
	for (const name of fs.readdirSync(os.tmpdir())) {
		if (!name.startsWith(prefix)) {
			continue;
		}

		try {
			const state = JSON.parse(fs.readFileSync(path.join(os.tmpdir(), name, 'state.json'), 'utf8')) as SandboxState;
			if (!isAlive(state.owner)) {
				stale.push(state);
			}
		} catch {}
	}

	return (async () => {
		for (const state of stale) {
			log(`stopping a sandbox left behind by process ${state.owner}: ${state.dir}`);
			await stopSandbox(state);
		}
	})();
}
