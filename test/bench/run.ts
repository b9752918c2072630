/**
 * `npm run bench`: starts a sandbox of its own, seeds it at the scale of a busy Kasm host, measures
 * kasm-tui against the docker CLI and Node's own floors, prints a table and writes the figures as
 * JSON. Everything it starts is stopped at the end, also on errors and ctrl-c. Nothing asserts a
 * time: the figures are for people. See README.md beside this file.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {createHash} from 'node:crypto';
import {nodeBinary} from '../../source/build/package.js';
import {isAlive, processesInCgroups} from '../sandbox/processes.js';
import {startSandbox, type Sandbox} from '../sandbox/sandbox.js';
import {ApiProxy} from './api-proxy.js';
import {EngineApi} from './engine-api.js';
import {commandLine, processesWith, waitForQuietMachine} from './proc.js';
import {buildWithSourceMaps, profileIn, summariseProfile} from './profile.js';
import {PtyScreen} from './pty-screen.js';
import {printReport, type ApiCount, type BenchResults} from './report.js';
import {isFleetFrame, startBenchFleet, type BenchFleet} from './fleet-bench.js';
import {imagesFleetFigures, type ImagesFleetFigures} from './fleet-images-bench.js';
import {firstFrameRun, memorySession, openScreens, ptyFloorRun, screens, session, type FirstFrameRun, type ScreenTarget} from './screen-bench.js';
import {createContainers, createNetworks, installPlugins, pluginName, pushBuilds, seedImages, type SeedTimes} from './seed.js';
import {stats, timeCommands, timeOnce, type Command} from './timing.js';
import {scaleFigures, startScaleFleet, type ScaleFigures, type ScaleFleet} from './fleet-scale.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');

const {values: options} = parseArgs({
	options: {
		'json-out': {type: 'string'},
		cli: {type: 'string'},
		executable: {type: 'string'},
		runs: {type: 'string', default: '15'},
		'screen-runs': {type: 'string', default: '9'},
		keys: {type: 'string', default: '1000'},
		'idle-seconds': {type: 'string', default: '30'},
		plugins: {type: 'string', default: '20'},
		'many-plugins': {type: 'string', default: '100'},
		images: {type: 'string', default: '500'},
		containers: {type: 'string', default: '200'},
		networks: {type: 'string', default: '20'},
		profile: {type: 'string'},
		stage: {type: 'string', default: process.env.KASM_TUI_BENCH_STAGE ?? 'all'},
		'scale-hosts': {type: 'string', default: '24'},
		'scale-runs': {type: 'string', default: '5'},
		'images-hosts': {type: 'string', default: '8'},
		help: {type: 'boolean', short: 'h'},
	},
});

if (options.help) {
	process.stdout.write(
		[
			'npm run bench [-- options]',
			'  --json-out FILE      where the JSON results go (default: a file in the OS temp folder)',
			'  --cli FILE           the kasm-tui bin to measure (default: dist/cli.js)',
			'  --executable FILE    the single executable to measure beside it (default: dist/kasm-tui-linux-x64)',
			'  --runs N             runs per headless command, after one warm-up (default 15)',
			'  --screen-runs N      screen starts for the first-frame time (default 9)',
			'  --keys N             key presses in the long screen session (default 1000)',
			'  --idle-seconds N     idle time for the CPU figure (default 30)',
			'  --profile DIR        also run plugins --json and one screen start under node --cpu-prof, write the',
			'                       .cpuprofile files to DIR and print where their time goes (not timed); the',
			'                       source-mapped build they point into stays in node_modules/.cache/kasm-tui/',
			'  --plugins N --many-plugins N --images N --containers N --networks N   the seed (20, 100, 500, 200, 20)',
			'  --stage fleet-scale  only the fleet at scale (env KASM_TUI_BENCH_STAGE; npm run bench:fleet): no seed,',
			'                       no executable needed (default: all, the scale stage last)',
			'  --scale-hosts N      daemons of the scale stage, each reached over its socket and over ssh (default 24)',
			'  --scale-runs N       runs of each fleet command and screen starts at scale, after a warm-up (default 5)',
			'  --stage fleet-images only fleet images --json over --images-hosts daemons of --images rows each against',
			'                       one host\'s images --json (no seed, no executable needed)',
			'  --images-hosts N     daemons of the fleet images stage (default 8)',
			'',
		].join('\n'),
	);
	process.exit(0);
}

const count = (name: keyof typeof options) => Number(options[name]);
if (!['all', 'fleet-scale', 'fleet-images'].includes(options.stage!)) {
	process.stderr.write(`--stage takes all, fleet-scale or fleet-images, not "${options.stage}"\n`);
	process.exit(2);
}

/** Only the fleet at scale: it needs neither the seed nor the single executable. */
const scaleOnly = options.stage === 'fleet-scale' || options.stage === 'fleet-images';
/** The fleet images stage's daemons' folders: nothing may still run from them at the end. */
const imagesFolders: string[] = [];
const builtCli = path.resolve(options.cli ?? path.join(root, 'dist', 'cli.js'));
/**
 * The bin measured is a copy of the build taken now, so a rebuild while the benchmark runs (the
 * tests, another session) cannot swap or remove it mid-run. It sits under node_modules so the
 * bundle's externals (dockerode) resolve exactly as they do from dist/.
 */
const snapshotDir = path.join(root, 'node_modules', '.cache', 'kasm-tui', `bench-dist-${process.pid}`);
const cli = path.join(snapshotDir, path.basename(builtCli));
const builtExecutable = path.resolve(options.executable ?? path.join(root, 'dist', 'kasm-tui-linux-x64'));
const executable = path.join(snapshotDir, 'executable', path.basename(builtExecutable));
/** The Node inside the executable, for its floors: the same binary the package step put in it. */
const node24 = nodeBinary();
/** The checkout the measured bin was built from (this one, unless --cli names another): profiling builds it again. */
const treeRoot = (() => {
	for (let folder = path.dirname(builtCli); folder !== path.dirname(folder); folder = path.dirname(folder)) {
		if (fs.existsSync(path.join(folder, 'package.json'))) {
			return folder;
		}
	}

	return root;
})();
const profileBuildDir = path.join(treeRoot, 'node_modules', '.cache', 'kasm-tui', `bench-profile-${process.pid}`);
const log = (line: string) => process.stderr.write(`# ${line}\n`);

let sandbox: Sandbox | undefined;
let proxy: ApiProxy | undefined;
let api: EngineApi | undefined;
let fleet: BenchFleet | undefined;
let scaleFleet: ScaleFleet | undefined;
/** The scale stage's daemons' folders, kept after they stop: nothing may still run from them at the end. */
const scaleFolders: string[] = [];
let stopping: Promise<void> | undefined;

/** Ends what this run started, by process id: screens, the proxy, then the sandbox (plugins first). */
async function stopEverything(): Promise<void> {
	stopping ??= (async () => {
		screens.closing = true;
		for (const {screen, program} of openScreens) {
			await screen.kill(program).catch(() => {});
		}

		api?.close();
		await proxy?.close().catch(() => {});
		await fleet?.stop();
		await scaleFleet?.stop();
		if (sandbox) {
			const began = Date.now();
			await sandbox.stop();
			log(`sandbox stopped in ${Date.now() - began} ms`);
		}

		fs.rmSync(snapshotDir, {recursive: true, force: true});
		// With --profile the source-mapped build stays: the profiles point into it.
		if (!options.profile) {
			fs.rmSync(profileBuildDir, {recursive: true, force: true});
		}
	})();
	return stopping;
}

let interrupted = false;
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(name, () => {
		interrupted = true;
		log(`${name}: stopping everything this run started`);
		void stopEverything().finally(() => process.exit(130));
	});
}

function machine() {
	const cpus = os.cpus();
	const version = (file: string, args: string[]) => {
		try {
			return execFileSync(file, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		} catch {
			return 'unknown';
		}
	};

	return {
		date: new Date().toISOString(),
		cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
		memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
		kernel: os.release(),
		node: process.version,
		executableNode: scaleOnly ? 'not measured' : execFileSync(node24, ['--version'], {encoding: 'utf8'}).trim(),
		dockerd: version('dockerd', ['--version']),
		dockerCli: version('docker', ['--version']),
		cli: builtCli.startsWith(root + path.sep) ? path.relative(root, builtCli) : builtCli,
		/** The bundle: the bin and its chunks. */
		cliBytes: fs.readdirSync(path.dirname(cli), {recursive: true, withFileTypes: true})
			.filter(entry => entry.isFile() && !entry.parentPath.startsWith(path.dirname(executable)))
			.reduce((sum, entry) => sum + fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size, 0),
		executable: builtExecutable.startsWith(root + path.sep) ? path.relative(root, builtExecutable) : builtExecutable,
		executableBytes: scaleOnly ? 0 : fs.statSync(executable).size,
		executableSha256: scaleOnly ? 'not measured' : createHash('sha256').update(fs.readFileSync(executable)).digest('hex'),
		commit: version('git', ['-C', treeRoot, 'describe', '--always', '--dirty']),
	};
}

/** The environment kasm-tui and the docker CLI get: the sandbox's config, a terminal's variables, no CI. */
function benchEnv(box: Sandbox): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		DOCKER_CONFIG: box.state.dockerConfig,
		DOCKER_CONTEXT: '',
		KASM_TUI_LEDGER_DIR: path.join(box.state.dir, 'bench-ledger'),
		KASM_TUI_CONFIG_DIR: path.join(box.state.dir, 'bench-config'),
		TERM: 'xterm-256color',
	};
	// Ink draws nothing interactive when CI is set; DOCKER_HOST must not override --host / -H.
	delete env.CI;
	// This machine's NODE_EXTRA_CA_CERTS makes Node 20 read the CA bundle at every start (≈ 45 ms;
	// Node 24 reads it when TLS is first used); an operator's host has none.
	delete env.NODE_EXTRA_CA_CERTS;
	delete env.DOCKER_HOST;
	delete env.NO_COLOR;
	return env;
}

function headlessCommands(host: string, env: NodeJS.ProcessEnv, expect: {plugins: number; images: number}): Command[] {
	const node = process.execPath;
	const socket = host.replace(/^unix:\/\//, '');
	const jsonLength = (what: string, wanted: number) => (stdout: string) => {
		const length = (JSON.parse(stdout) as unknown[]).length;
		if (length !== wanted) {
			throw new Error(`${what} listed ${length}, not ${wanted}`);
		}
	};

	const lines = (what: string, wanted: number) => (stdout: string) => {
		const length = stdout.trim().split('\n').length - 1;
		if (length !== wanted) {
			throw new Error(`${what} listed ${length} rows, not ${wanted}`);
		}
	};

	return [
		{label: 'node -e 0', file: node, args: ['-e', '0'], env},
		{label: 'node 24 -e 0', file: node24, args: ['-e', '0'], env},
		{label: 'bare node:http GET /plugins', file: node, args: [path.join(here, 'floors', 'bare-request.mjs'), socket], env, check: jsonLength('the bare request', expect.plugins)},
		{label: 'bare node:http, the four listings', file: node, args: [path.join(here, 'floors', 'bare-usage-requests.mjs'), socket], env, check: jsonLength('the bare listings', expect.plugins)},
		{label: 'bare node:http, the four listings, node 24', file: node24, args: [path.join(here, 'floors', 'bare-usage-requests.mjs'), socket], env, check: jsonLength('the bare listings', expect.plugins)},
		{label: 'dockerode GET /plugins', file: node, args: [path.join(here, 'floors', 'dockerode-request.mjs'), socket], env, check: jsonLength('dockerode', expect.plugins)},
		{label: 'kasm-tui --help', file: node, args: [cli, '--help'], env},
		{label: 'kasm-tui plugins --json', file: node, args: [cli, '--host', host, 'plugins', '--json'], env, check: jsonLength('plugins --json', expect.plugins)},
		{label: 'executable --help', file: executable, args: ['--help'], env},
		{label: 'executable plugins --json', file: executable, args: ['--host', host, 'plugins', '--json'], env, check: jsonLength('the executable\'s plugins --json', expect.plugins)},
		{label: 'docker plugin ls', file: 'docker', args: ['-H', host, 'plugin', 'ls'], env, check: lines('docker plugin ls', expect.plugins)},
		{label: 'kasm-tui images --json', file: node, args: [cli, '--host', host, 'images', '--json'], env, check: jsonLength('images --json', expect.images)},
		{label: 'executable images --json', file: executable, args: ['--host', host, 'images', '--json'], env, check: jsonLength('the executable\'s images --json', expect.images)},
		{label: 'docker image ls', file: 'docker', args: ['-H', host, 'image', 'ls'], env, check: lines('docker image ls', expect.images)},
	];
}

async function apiCallsOf(command: Command): Promise<ApiCount> {
	proxy!.reset();
	const {began, ms} = await timeOnce(command);
	return {calls: proxy!.requests.length, connections: proxy!.connections, byEndpoint: proxy!.byEndpoint(), timeline: [...proxy!.timeline(began), `+${Math.round(ms)} exit`]};
}

/** Engine API requests of one headless listing and of one screen load (until it settles), through the counting proxy. */
async function countApiCalls(env: NodeJS.ProcessEnv, target: ScreenTarget) {
	const viaProxy = proxy!.host;
	const commands = headlessCommands(viaProxy, env, target);
	const byLabel = (label: string) => commands.find(command => command.label === label)!;
	const result = {
		pluginsJson: await apiCallsOf(byLabel('kasm-tui plugins --json')),
		imagesJson: await apiCallsOf(byLabel('kasm-tui images --json')),
		dockerPluginLs: await apiCallsOf(byLabel('docker plugin ls')),
		bareRequest: await apiCallsOf(byLabel('bare node:http GET /plugins')),
		bareListings: await apiCallsOf(byLabel('bare node:http, the four listings')),
		screenLoad: {calls: 0, connections: 0, byEndpoint: {}} as ApiCount,
	};
	proxy!.reset();
	const run = await firstFrameRun({...target, host: viaProxy}, 1500);
	result.screenLoad = {
		calls: proxy!.requests.length,
		connections: proxy!.connections,
		byEndpoint: proxy!.byEndpoint(),
		timeline: [
			`+${Math.round(run.firstByteMs)} first byte`,
			...proxy!.timeline(run.began),
			...run.frames.map(frame => `+${frame.at} frame of ${frame.rows} rows${frame.at === Math.round(run.firstFullFrameMs) ? ' (full)' : ''}`),
		].sort(
			(a, b) => Number.parseInt(a.slice(1), 10) - Number.parseInt(b.slice(1), 10),
		),
	};
	return result;
}

async function main(): Promise<BenchResults> {
	if (!fs.existsSync(builtCli)) {
		throw new Error(`${builtCli} does not exist: run "npm run build" first (npm run bench does)`);
	}

	if (!scaleOnly && !fs.existsSync(builtExecutable)) {
		throw new Error(`${builtExecutable} does not exist: run "npm run package" first (npm run bench does)`);
	}

	// The bundle only: an executable beside it in dist/ is copied on its own.
	fs.cpSync(path.dirname(builtCli), snapshotDir, {recursive: true, filter: file => !file.endsWith('kasm-tui-linux-x64')});
	if (!scaleOnly) {
		fs.mkdirSync(path.dirname(executable), {recursive: true});
		fs.copyFileSync(builtExecutable, executable);
		fs.chmodSync(executable, 0o755);
	}

	const results: BenchResults = {machine: machine()} as BenchResults;
	log(`starting a sandbox…`);
	sandbox = await startSandbox({log});
	const box = sandbox;
	api = new EngineApi(box.state.socket);
	const env = benchEnv(box);
	if (options.stage === 'fleet-images') {
		results.busyBeforeMeasuring = [await waitForQuietMachine()];
		results.fleetImages = await imagesStage(box, env);
		return results;
	}

	if (scaleOnly) {
		results.busyBeforeMeasuring = [];
		log('pushing plugin builds…');
		await pushBuilds(box);
		results.scale = await scaleStage(box, env);
		return results;
	}
	const scale = {plugins: count('plugins'), manyPlugins: count('many-plugins'), images: count('images'), containers: count('containers'), networks: count('networks')};

	// --- Seed -------------------------------------------------------------------------------
	const times: SeedTimes = {total: 0};
	const seedBegan = Date.now();
	let part = Date.now();
	log('pushing plugin builds…');
	await pushBuilds(box);
	times.pushBuilds = Date.now() - part;
	part = Date.now();
	log(`installing ${scale.plugins} plugins…`);
	await installPlugins(box, 0, scale.plugins);
	times.installPlugins = Date.now() - part;
	log(`importing and tagging ${scale.images} images…`);
	const images = await seedImages(box, api, scale.images, 10, times);
	part = Date.now();
	log(`creating ${scale.containers} containers and ${scale.networks} networks…`);
	await createContainers(api, images.references, scale.containers);
	times.createContainers = Date.now() - part;
	part = Date.now();
	await createNetworks(
		api,
		Array.from({length: scale.networks}, (_, index) => pluginName(index % scale.plugins)),
	);
	times.createNetworks = Date.now() - part;
	times.total = Date.now() - seedBegan;
	const counted = await verifySeed(api, scale.plugins);
	results.seed = {scale: {...scale, imageBuilds: images.builds}, counted, ms: times};
	log(`seeded in ${(times.total / 1000).toFixed(1)} s: ${JSON.stringify(counted)}`);

	// The seeding leaves the daemon busy for a while; other work on the machine inflates every figure.
	results.busyBeforeMeasuring = [await waitForQuietMachine()];

	// --- Headless at 20 plugins ------------------------------------------------------------
	const runs = count('runs');
	log(`timing headless commands, ${runs} runs each…`);
	const expect = {plugins: scale.plugins, images: scale.images};
	results.headless = Object.fromEntries(await timeCommands(headlessCommands(box.host, env, expect), runs));

	const target: ScreenTarget = {command: [process.execPath, cli], host: box.host, env, columns: 120, rows: 40, ...expect};
	const onExecutable: ScreenTarget = {...target, command: [executable]};
	if (options.profile) {
		results.profiles = await profileRuns(path.resolve(options.profile), box, env, target);
	}

	// --- Screen: first frame, both builds, one start of each in turn ----------------------------
	const screenRuns = count('screen-runs');
	log(`screen: ${screenRuns} starts of each build to the first full frame…`);
	const floors: number[] = [];
	const floors24: number[] = [];
	for (let run = 0; run < screenRuns; run++) {
		floors.push(await ptyFloorRun(process.execPath, env, target.columns, target.rows));
		floors24.push(await ptyFloorRun(node24, env, target.columns, target.rows));
	}

	const starts = await firstFramesInTurn([target, onExecutable], screenRuns);
	results.screen = screenFigures(target, floors, starts[0]!);
	results.screenExecutable = screenFigures(onExecutable, floors24, starts[1]!);

	// --- Screen: a long session through the counting proxy ---------------------------------------
	proxy = await ApiProxy.start(path.join(box.state.dir, 'count.sock'), box.state.socket);
	log(`screen: one session of ${count('keys')} keys and ${count('idle-seconds')} s idle…`);
	const marks: Record<string, number> = {};
	let loadByEndpoint: Record<string, number> = {};
	const long = await session(
		{...target, host: proxy.host},
		{keys: count('keys'), idleSeconds: count('idle-seconds')},
		{
			log,
			mark(phase) {
				marks[phase] = proxy!.requests.length;
				if (phase === 'loaded') {
					loadByEndpoint = proxy!.byEndpoint();
				}
			},
		},
	);
	long.apiCalls = {load: marks.loaded ?? 0, keys: (marks.keys ?? 0) - (marks.loaded ?? 0), idle: (marks.idle ?? 0) - (marks.keys ?? 0), loadByEndpoint};
	results.session = long;
	log(`screen on the executable: one session of ${count('keys')} keys and ${count('idle-seconds')} s idle…`);
	results.sessionExecutable = await session(onExecutable, {keys: count('keys'), idleSeconds: count('idle-seconds')}, {log});

	log(`screen: memory after a forced garbage collection, after load and after ${count('keys')} keys, both builds…`);
	results.memory = await memorySession(target, count('keys'));
	results.memoryExecutable = await memorySession(onExecutable, count('keys'));

	// --- API calls at 20 plugins -----------------------------------------------------------
	log('counting Engine API calls at the first scale…');
	results.apiCalls = {[scale.plugins]: await countApiCalls(env, target)};

	// --- The fleet: four hosts, one over ssh ----------------------------------------------------
	log('fleet: starting three more daemons and an sshd on loopback…');
	fleet = await startBenchFleet(box, env, scale.plugins, {log});
	results.busyBeforeMeasuring.push(await waitForQuietMachine());
	results.fleet = await fleetFigures(fleet, env, target, onExecutable, expect.plugins, screenRuns, runs);
	await fleet.stop();

	// --- 100 plugins -------------------------------------------------------------------------
	part = Date.now();
	log(`installing ${scale.manyPlugins - scale.plugins} more plugins…`);
	await installPlugins(box, scale.plugins, scale.manyPlugins);
	results.seed.ms.morePlugins = Date.now() - part;
	const many = {plugins: scale.manyPlugins, images: scale.images};
	const manyCounted = await verifySeed(api, scale.manyPlugins);
	results.seed.countedMany = manyCounted;
	results.busyBeforeMeasuring.push(await waitForQuietMachine());
	log(`counting Engine API calls at ${scale.manyPlugins} plugins…`);
	results.apiCalls[scale.manyPlugins] = await countApiCalls(env, {...target, ...many});
	log(`timing plugins --json and the first frame at ${scale.manyPlugins} plugins…`);
	const manyCommands = headlessCommands(box.host, env, many).filter(command =>
		['kasm-tui plugins --json', 'executable plugins --json', 'bare node:http, the four listings', 'bare node:http, the four listings, node 24', 'docker plugin ls'].includes(command.label),
	);
	results.headlessMany = Object.fromEntries(await timeCommands(manyCommands, runs));
	const [manyStarts, manyStartsExecutable] = await firstFramesInTurn([{...target, ...many}, {...onExecutable, ...many}], screenRuns);
	const manyFigures = (runs: FirstFrameRun[]) => ({firstFullFrame: stats(runs.map(run => run.firstFullFrameMs)), settled: stats(runs.map(run => run.settledMs))});
	results.screenMany = manyFigures(manyStarts!);
	results.screenManyExecutable = manyFigures(manyStartsExecutable!);

	// --- Images across a fleet ---------------------------------------------------------------
	results.fleetImages = await imagesStage(box, env);

	// --- The fleet at scale ------------------------------------------------------------------
	results.scale = await scaleStage(box, env);
	return results;

	/** `fleet images --json` over many hosts against one host's `images --json`; its daemons stopped before the next stage. */
	async function imagesStage(box: Sandbox, env: NodeJS.ProcessEnv): Promise<ImagesFleetFigures> {
		return imagesFleetFigures(box, env, {cli, hosts: count('images-hosts'), images: count('images'), runs: Math.min(count('runs'), 9), log, folders: imagesFolders});
	}

	/** The fleet at scale: its daemons started, measured, and stopped before the next stage. */
	async function scaleStage(box: Sandbox, env: NodeJS.ProcessEnv): Promise<ScaleFigures> {
		scaleFleet = await startScaleFleet(box, env, {hosts: count('scale-hosts'), log});
		scaleFolders.push(...scaleFleet.folders);
		results.busyBeforeMeasuring.push(await waitForQuietMachine());
		const figures = await scaleFigures(scaleFleet, {cli, runs: count('scale-runs'), log, screen: {columns: 120, rows: 40}});
		await scaleFleet.stop();
		scaleFleet = undefined;
		return figures;
	}
}

/**
 * The fleet's figures: the fleet screen's first full frame over four hosts (one over ssh) in turn
 * with the single-host screen's, both builds; and `fleet plugins --json` over ssh against
 * `docker -H ssh://… plugin ls` on the same daemon, round-robin.
 */
async function fleetFigures(bench: BenchFleet, env: NodeJS.ProcessEnv, single: ScreenTarget, singleExecutable: ScreenTarget, plugins: number, screenRuns: number, runs: number): Promise<NonNullable<BenchResults['fleet']>> {
	const fleetTarget: ScreenTarget = {...single, env: bench.env, args: ['fleet', ...bench.hostArgs], ready: isFleetFrame(4, bench.names)};
	log(`fleet: ${screenRuns} starts each of the fleet screen (4 hosts) and the single-host screen, both builds, in turn…`);
	const [fleetNode, singleNode, fleetExecutable, singleOnExecutable] = await firstFramesInTurn([fleetTarget, single, {...fleetTarget, command: singleExecutable.command}, singleExecutable], screenRuns);
	const listed = (stdout: string) => {
		const {hosts} = JSON.parse(stdout) as {hosts: Array<{reachable: boolean; plugins: unknown[]}>};
		if (hosts.length !== 1 || !hosts[0]!.reachable || hosts[0]!.plugins.length !== plugins) {
			throw new Error(`fleet plugins --json over ssh listed ${JSON.stringify(hosts.map(host => host.plugins.length))}, not [${plugins}]`);
		}
	};

	const dockerLines = (stdout: string) => {
		if (stdout.trim().split('\n').length - 1 !== plugins) {
			throw new Error(`docker -H ${bench.sandboxOverSsh} plugin ls did not list ${plugins} plugins`);
		}
	};

	log(`fleet: fleet plugins --json over ssh against docker -H ssh:// plugin ls, ${runs} runs each…`);
	const headless = await timeCommands(
		[
			{label: 'kasm-tui fleet plugins --json over ssh', file: process.execPath, args: [cli, 'fleet', 'plugins', '--json', '--host', bench.sandboxOverSsh], env: bench.sshEnv, check: listed},
			{label: 'executable fleet plugins --json over ssh', file: executable, args: ['fleet', 'plugins', '--json', '--host', bench.sandboxOverSsh], env: bench.sshEnv, check: listed},
			{label: 'docker -H ssh:// plugin ls', file: 'docker', args: ['-H', bench.sandboxOverSsh, 'plugin', 'ls'], env: bench.sshEnv, check: dockerLines},
		],
		runs,
	);
	const frames = (starts: FirstFrameRun[]) => ({firstFullFrame: stats(starts.map(run => run.firstFullFrameMs)), settled: stats(starts.map(run => run.settledMs))});
	return {
		hosts: 4,
		names: bench.names,
		screen: frames(fleetNode!),
		single: frames(singleNode!),
		screenExecutable: frames(fleetExecutable!),
		singleExecutable: frames(singleOnExecutable!),
		headless: Object.fromEntries(headless),
	};
}

/** plugins --json and one screen start under --cpu-prof: self time per package or bundle chunk. */
async function profileRuns(dir: string, box: Sandbox, env: NodeJS.ProcessEnv, target: ScreenTarget) {
	log(`profiling into ${dir}…`);
	const pluginsDir = path.join(dir, 'plugins-json');
	const screenDir = path.join(dir, 'screen');
	for (const folder of [pluginsDir, screenDir]) {
		fs.rmSync(folder, {recursive: true, force: true});
		fs.mkdirSync(folder, {recursive: true});
	}

	// The same build with source maps, so time in the minified bundle is charged to the package it came from.
	const profiled = buildWithSourceMaps(treeRoot, profileBuildDir);
	await timeOnce({label: 'profile plugins --json', file: process.execPath, args: ['--cpu-prof', '--cpu-prof-dir', pluginsDir, profiled, '--host', box.host, 'plugins', '--json'], env});
	const run = await firstFrameRun({...target, command: [process.execPath, profiled], nodeOptions: ['--cpu-prof', '--cpu-prof-dir', screenDir]});
	const summary = (folder: string, fromMs?: number, toMs?: number) => {
		const file = profileIn(folder);
		const us = (ms: number | undefined) => (ms === undefined ? undefined : run.beganMonotonicUs + ms * 1000);
		return file ? {file, ...summariseProfile(file, {fromUs: us(fromMs), toUs: us(toMs)})} : undefined;
	};

	// The screen cut into phases: imports until Ink draws its first byte, then until the full frame, then until quiet.
	return {
		'plugins --json': summary(pluginsDir),
		[`screen, spawn → first byte (${Math.round(run.firstByteMs)} ms)`]: summary(screenDir, 0, run.firstByteMs),
		[`screen, first byte → full frame (${Math.round(run.firstFullFrameMs)} ms)`]: summary(screenDir, run.firstByteMs, run.firstFullFrameMs),
		[`screen, full frame → settled (${Math.round(run.settledMs)} ms)`]: summary(screenDir, run.firstFullFrameMs, run.settledMs),
	};
}

/** `runs` starts of each target to its first full frame, after one warm-up each, one of each in turn. */
async function firstFramesInTurn(targets: ScreenTarget[], runs: number): Promise<FirstFrameRun[][]> {
	for (const target of targets) {
		await firstFrameRun(target); // warm-up: the ledger's first "observed" entries, the page cache
	}

	const starts: FirstFrameRun[][] = targets.map(() => []);
	for (let run = 0; run < runs; run++) {
		for (const [index, target] of targets.entries()) {
			starts[index]!.push(await firstFrameRun(target));
		}
	}

	return starts;
}

function screenFigures(target: ScreenTarget, floors: number[], starts: FirstFrameRun[]): BenchResults['screen'] {
	return {
		size: `${target.columns}×${target.rows}`,
		ptyFloor: stats(floors),
		firstByte: stats(starts.map(run => run.firstByteMs)),
		firstFullFrame: stats(starts.map(run => run.firstFullFrameMs)),
		settled: stats(starts.map(run => run.settledMs)),
		framesUntilFull: stats(starts.map(run => run.framesUntilFull)),
		exitCodes: [...new Set(starts.map(run => run.exitCode))],
	};
}

async function verifySeed(engine: EngineApi, plugins: number) {
	const [pluginList, imageList, containerList, networkList] = await Promise.all([
		engine.request<Array<{Enabled: boolean}>>('GET', '/plugins'),
		engine.request<Array<{RepoTags?: string[] | null}>>('GET', '/images/json'),
		engine.request<unknown[]>('GET', '/containers/json?all=1'),
		engine.request<Array<{Name: string}>>('GET', '/networks'),
	]);
	const counted = {
		plugins: pluginList.length,
		enabled: pluginList.filter(plugin => plugin.Enabled).length,
		imageRows: imageList.reduce((sum, image) => sum + Math.max(1, image.RepoTags?.length ?? 0), 0),
		imageIds: imageList.length,
		containers: containerList.length,
		networks: networkList.filter(network => network.Name.startsWith('bench-net-')).length,
	};
	if (counted.enabled !== plugins) {
		throw new Error(`expected ${plugins} enabled plugins, the daemon has ${counted.enabled}`);
	}

	return counted;
}

const startedAt = Date.now();
let exitCode = 0;
let results: BenchResults | undefined;
const stateDir = () => sandbox?.state.dir;
try {
	results = await main();
} catch (error) {
	if (!interrupted) {
		log(`the benchmark failed: ${(error as Error).stack ?? error}`);
	}

	exitCode = 1;
} finally {
	const dir = stateDir();
	// Plugin processes name neither the folder nor anything of ours: their cgroup is named by the plugin id.
	const pluginIds = (() => {
		try {
			return sandbox ? fs.readdirSync(path.join(sandbox.state.dataRoot, 'plugins')).filter(name => /^[a-f\d]{64}$/.test(name)) : [];
		} catch {
			return [];
		}
	})();
	await stopEverything();
	// Nothing may outlive the run: the sandbox's daemon, shims and plugins, the screens, script.
	const leftovers = [
		...(dir ? processesWith(dir) : []),
		...(fleet?.folders ?? []).flatMap(folder => processesWith(folder)),
		...scaleFolders.flatMap(folder => processesWith(folder)),
		...imagesFolders.flatMap(folder => processesWith(folder)),
		...processesInCgroups(pluginIds),
		...PtyScreen.started.filter(pid => isAlive(pid) && /^script |node|kasm-tui-linux-x64/.test(commandLine(pid))),
	];
	if (results) {
		results.leftoverProcesses = leftovers.length;
		results.wallSeconds = (Date.now() - startedAt) / 1000;
	}

	if (leftovers.length > 0) {
		log(`processes left behind: ${leftovers.map(pid => `${pid} (${commandLine(pid).slice(0, 120) || 'gone'})`).join(', ')}`);
		exitCode = 1;
	}
}

if (results) {
	const out = path.resolve(options['json-out'] ?? path.join(os.tmpdir(), `kasm-tui-bench-${results.machine.date.replaceAll(':', '-')}.json`));
	fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
	printReport(results);
	process.stdout.write(`\nJSON: ${out}\n`);
}

process.exit(exitCode);
