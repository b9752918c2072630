import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {installPlugin, moveTag, pushRepository, rollingTag} from '../sandbox/fixtures.js';
import {startExtraDaemon, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {startSshBed, type SshBed} from '../sandbox/ssh-host.js';
import {pool} from './engine-api.js';
import {installPlugins} from './seed.js';
import {openScreen, programOf, type ScreenTarget} from './screen-bench.js';
import {startSlowLink, type SlowLink} from './slow-link.js';
import {median, stats, timeCommands, timeOnce, type Command, type Stats} from './timing.js';

/**
 * The fleet at scale: many real daemons on this machine (Debian's 20.10 at ~40 MB each, each with
 * a key of its own), each reached two ways: its socket, and ssh:// through an sshd of its own
 * behind a slow link of the project's own (40 ms each way, loopback only). The figures: `fleet
 * plugins --json` at 1, 8 and all hosts both ways; each host alone over ssh (the slowest single
 * host); the fleet screen's first frame (the first host drawn) and complete frame (every host);
 * and a rollout over every host in batches of 8, its time set against the hosts' own steps.
 */
export interface ScaleFleet {
	hosts: number;
	/** What the relay holds each chunk, each way. */
	delayMs: number;
	/** `--host sNN=unix://…` for the first `count` hosts. */
	unixArgs(count: number): string[];
	/** `--host sNN=ssh://scale-NN` for the first `count` hosts. */
	sshArgs(count: number): string[];
	/** kasm-tui's environment: the bed's ssh first on PATH, settings with a short settle time (1 s). */
	env: NodeJS.ProcessEnv;
	/** The same with the default settings (a settle time of 5 s). */
	defaultSettingsEnv: NodeJS.ProcessEnv;
	/** The rolling plugin every host runs, and how to move its tag. */
	rolling: {name: string; moveTo(version: string): Promise<void>};
	/** Plugin names each host runs: the matrix's rows. */
	names: number;
	folders: string[];
	stop(): Promise<void>;
}

const hostName = (index: number) => `s${String(index).padStart(2, '0')}`;

export async function startScaleFleet(
	box: Sandbox,
	env: NodeJS.ProcessEnv,
	{hosts = 24, pluginsPerHost = 2, delayMs = 40, log = (_line: string) => {}}: {hosts?: number; pluginsPerHost?: number; delayMs?: number; log?: (line: string) => void} = {},
): Promise<ScaleFleet> {
	const bed: SshBed = startSshBed();
	const daemons: ExtraDaemon[] = [];
	const links: SlowLink[] = [];
	const stop = async () => {
		await bed.stop().catch(() => {});
		await Promise.all(links.map(async link => link.close().catch(() => {})));
		// A few at a time: each stops its plugins first, and dockerd takes its time over that.
		await pool(daemons, 6, async daemon => daemon.stop().catch(() => {}));
	};

	try {
		const repositoryPath = 'bench/scale';
		await pushRepository(box, repositoryPath, ['1.2.9', '1.2.10']);
		const rollingName = `${repositoryPath}/sidecar:amd64-1.2-rolling`;
		log(`scale: starting ${hosts} daemons, ${pluginsPerHost + 1} plugins each…`);
		await pool(
			Array.from({length: hosts}, (_, index) => index),
			4,
			async index => {
				const daemon = await startExtraDaemon(box);
				daemons[index] = daemon;
				await installPlugins(daemon.sandbox, 0, pluginsPerHost, 2);
				await installPlugin(daemon.sandbox, `${box.registry}/${repositoryPath}:${rollingTag}`, {alias: rollingName});
				await bed.addHost(`scale-${index}`, daemon.host, {
					relay: async sshdPort => {
						const link = await startSlowLink(sshdPort, delayMs);
						links.push(link);
						return link.port;
					},
				});
			},
		);
		const configDir = path.join(box.state.dir, 'scale-config');
		fs.mkdirSync(configDir, {recursive: true});
		// The health gate's settle time short: the figure is kasm-tui's overhead, not the wait it is told to make.
		fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({rolloutSettleSeconds: 1}));
		// And the settings an operator has by default (5 s), for the same rollout as it runs in the field.
		const defaultConfigDir = path.join(box.state.dir, 'scale-config-default');
		fs.mkdirSync(defaultConfigDir, {recursive: true});
		fs.writeFileSync(path.join(defaultConfigDir, 'config.json'), '{}');
		return {
			hosts,
			delayMs,
			unixArgs: count => daemons.slice(0, count).flatMap((daemon, index) => ['--host', `${hostName(index)}=${daemon.host}`]),
			sshArgs: count => daemons.slice(0, count).flatMap((_daemon, index) => ['--host', `${hostName(index)}=ssh://scale-${index}`]),
			env: {...env, PATH: bed.env.PATH, SSH_AUTH_SOCK: '', KASM_TUI_CONFIG_DIR: configDir},
			defaultSettingsEnv: {...env, PATH: bed.env.PATH, SSH_AUTH_SOCK: '', KASM_TUI_CONFIG_DIR: defaultConfigDir},
			rolling: {name: rollingName, moveTo: async version => moveTag(box, repositoryPath, rollingTag, `amd64-${version}`)},
			names: pluginsPerHost + 1,
			folders: daemons.map(daemon => daemon.sandbox.state.dir),
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

export interface ScaleFigures {
	hosts: number;
	delayMs: number;
	/** `fleet plugins --json`, by the number of hosts, over their sockets. */
	unix: Record<string, Stats>;
	/** The same over ssh:// across the slow link, at --parallel 16 (the default). */
	ssh: Record<string, Stats>;
	/** Every host over ssh with --parallel as large as the fleet: what the bound costs. */
	sshAllAtOnce: Stats;
	/**
	 * The docker CLI's floor the same ways: `docker -H … plugin ls` on one host, and on every host
	 * at once (one process each): what the machine itself takes to reach them all.
	 */
	dockerFloor: Record<string, Stats>;
	/** Each host alone over ssh: the median of its runs, slowest and fastest. */
	sshSingle: {slowest: number; fastest: number; medianOfHosts: number; runsEach: number};
	/** The fleet screen over ssh at every host: the first host drawn, and every host drawn with the matrix. */
	screen: {firstFrame: Stats; completeFrame: Stats};
	/**
	 * Rollouts over the sockets, --batch 8, each up then back: over every host and over one (the
	 * fixed cost of a rollout: Node's start and planning), with a settle time of 1 s and with the
	 * default 5 s.
	 */
	rollout: Array<{hosts: number; settleSeconds: number; wallMs: number; planMs: number; checksMs: number; ownStepsMs: number; overheadMs: number; stages: number; done: number}>;
}

/** The fleet screen until its first host is drawn, then until every host is and the matrix counts them all. */
async function fleetScreenRun(target: ScreenTarget, hosts: number, names: number): Promise<{firstFrame: number; completeFrame: number}> {
	const screen = openScreen(target);
	try {
		const liveCount = () => {
			const title = screen.rows.find(row => row.includes(`Hosts (${hosts}: `));
			return Number(/Hosts \(\d+: (\d+) live/.exec(title ?? '')?.[1] ?? 0);
		};

		await screen.waitFor(() => liveCount() >= 1, 60_000, 'the first host drawn');
		const firstFrame = screen.frames.at(-1)!.at;
		await screen.waitFor(() => liveCount() === hosts && screen.rows.some(row => row.includes(`Plugins × hosts (${names} × ${hosts})`)), 90_000, 'every host drawn');
		const completeFrame = screen.frames.at(-1)!.at;
		screen.type('q');
		await screen.exit(10_000);
		return {firstFrame, completeFrame};
	} finally {
		await screen.kill(programOf(target));
	}
}

/**
 * One rollout, its standard error read line by line as it comes: planning ends at the first
 * stage; a host's own work runs from its first step to its outcome; a stage's, from its first
 * host's first step to its last host's outcome. The rest of the wall time is kasm-tui's overhead,
 * of which `checksMs` is each stage's hosts being reached again and looked at (the health gate's
 * baseline, the look under the lock) between the stage's line and its first step.
 */
export async function timedRollout(command: Command, hostNames: string[]): Promise<Omit<ScaleFigures['rollout'][number], 'hosts' | 'settleSeconds'>> {
	const began = performance.now();
	const seen: Array<{at: number; line: string}> = [];
	const code = await new Promise<number | null>((resolve, reject) => {
		const child = spawn(command.file, command.args, {env: command.env, stdio: ['ignore', 'ignore', 'pipe']});
		let pending = '';
		child.stderr.on('data', chunk => {
			pending += String(chunk);
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) {
				seen.push({at: performance.now() - began, line});
			}
		});
		child.on('error', reject);
		child.on('close', resolve);
	});
	const wallMs = performance.now() - began;
	if (code !== 0) {
		throw new Error(`the rollout exited ${code}: ${seen.slice(-5).map(entry => entry.line).join(' | ')}`);
	}

	const at = (pattern: RegExp) => seen.find(entry => pattern.test(entry.line))?.at;
	const stageStarts = seen.filter(entry => entry.line.startsWith('-- batch ') || entry.line.startsWith('-- canary '));
	let ownStepsMs = 0;
	let checksMs = 0;
	for (const stage of stageStarts) {
		const members = stage.line.replace(/^-- \w+ \d+\/\d+: /, '').split(', ');
		const starts = members.map(host => at(new RegExp(`^${host}: \\[1/\\d\\]`)));
		const ends = members.map(host => at(new RegExp(`^${host}: (done|restored|failed)`)));
		if (starts.some(value => value === undefined) || ends.some(value => value === undefined)) {
			throw new Error(`a host of "${stage.line}" has no first step or no outcome`);
		}

		ownStepsMs += Math.max(...(ends as number[])) - Math.min(...(starts as number[]));
		checksMs += Math.min(...(starts as number[])) - stage.at;
	}

	const done = hostNames.filter(host => at(new RegExp(`^${host}: done`)) !== undefined).length;
	return {wallMs, planMs: stageStarts[0]?.at ?? wallMs, checksMs, ownStepsMs, overheadMs: wallMs - ownStepsMs, stages: stageStarts.length, done};
}

export async function scaleFigures(
	fleet: ScaleFleet,
	{cli, runs, log, screen}: {cli: string; runs: number; log: (line: string) => void; screen: Pick<ScreenTarget, 'columns' | 'rows'>},
): Promise<ScaleFigures> {
	const node = process.execPath;
	const everyHost = (count: number) => (stdout: string) => {
		const {hosts} = JSON.parse(stdout) as {hosts: Array<{reachable: boolean}>};
		if (hosts.length !== count || hosts.some(host => !host.reachable)) {
			throw new Error(`fleet plugins --json answered for ${hosts.filter(host => host.reachable).length} of ${count} hosts`);
		}
	};

	const plugins = (label: string, hostArgs: string[], count: number, extra: string[] = []): Command => ({
		label,
		file: node,
		args: [cli, 'fleet', 'plugins', '--json', ...extra, ...hostArgs],
		env: fleet.env,
		check: everyHost(count),
	});
	const counts = [...new Set([1, 8, fleet.hosts].filter(count => count <= fleet.hosts))];

	log(`scale: fleet plugins --json at ${counts.join(', ')} hosts over their sockets, ${runs} runs each…`);
	const unix = await timeCommands(
		counts.map(count => plugins(`unix ${count}`, fleet.unixArgs(count), count)),
		runs,
	);
	log(`scale: the same over ssh:// across the slow link, and every host at once (--parallel ${fleet.hosts})…`);
	const ssh = await timeCommands(
		[...counts.map(count => plugins(`ssh ${count}`, fleet.sshArgs(count), count)), plugins('ssh all at once', fleet.sshArgs(fleet.hosts), fleet.hosts, ['--parallel', String(fleet.hosts)])],
		runs,
	);

	log(`scale: the docker CLI on one host and on every host at once, both ways, ${runs} runs each…`);
	const hostAddresses = (args: string[]) => args.filter((_arg, index) => index % 2 === 1).map(arg => arg.slice(arg.indexOf('=') + 1));
	/** One docker process a host, all at once; it fails if any of them fails. */
	const dockerEverywhere = (label: string, addresses: string[]): Command => ({
		label,
		file: 'sh',
		args: ['-c', 'for address in "$@"; do docker -H "$address" plugin ls -q > /dev/null & done; failed=0; for job in $(jobs -p); do wait "$job" || failed=1; done; exit $failed', 'sh', ...addresses],
		env: fleet.env,
	});
	const dockerFloor = await timeCommands(
		[
			dockerEverywhere('unix 1', hostAddresses(fleet.unixArgs(1))),
			dockerEverywhere(`unix ${fleet.hosts}`, hostAddresses(fleet.unixArgs(fleet.hosts))),
			dockerEverywhere('ssh 1', hostAddresses(fleet.sshArgs(1))),
			dockerEverywhere(`ssh ${fleet.hosts}`, hostAddresses(fleet.sshArgs(fleet.hosts))),
		],
		runs,
	);

	log(`scale: each of the ${fleet.hosts} hosts alone over ssh, 3 runs each…`);
	const singles: number[] = [];
	for (let index = 0; index < fleet.hosts; index++) {
		const alone = fleet.sshArgs(index + 1).slice(-2);
		const command = plugins(`ssh host ${index}`, alone, 1);
		await timeOnce(command);
		const each: number[] = [];
		for (let run = 0; run < 3; run++) {
			each.push((await timeOnce(command)).ms);
		}

		singles.push(median(each));
	}

	log(`scale: the fleet screen over ssh at ${fleet.hosts} hosts, ${runs} starts…`);
	const target: ScreenTarget = {
		command: [node, cli],
		host: '',
		env: fleet.env,
		columns: screen.columns,
		rows: screen.rows,
		plugins: 0,
		images: 0,
		args: ['fleet', ...fleet.sshArgs(fleet.hosts)],
	};
	await fleetScreenRun(target, fleet.hosts, fleet.names);
	const frames: Array<{firstFrame: number; completeFrame: number}> = [];
	for (let run = 0; run < runs; run++) {
		frames.push(await fleetScreenRun(target, fleet.hosts, fleet.names));
	}

	log(`scale: rollouts over ${fleet.hosts} hosts and over one (sockets) in batches of 8, each up then back, settle time 1 s, then ${fleet.hosts} hosts with the default 5 s…`);
	const rollout: ScaleFigures['rollout'] = [];
	for (const [hosts, settleSeconds, env] of [
		[fleet.hosts, 1, fleet.env],
		[1, 1, fleet.env],
		[fleet.hosts, 5, fleet.defaultSettingsEnv],
	] as const) {
		const hostNames = Array.from({length: hosts}, (_, index) => hostName(index));
		for (const version of ['1.2.10', '1.2.9']) {
			await fleet.rolling.moveTo(version);
			const args = [cli, 'fleet', 'upgrade', fleet.rolling.name, ...fleet.unixArgs(hosts), '--batch', '8', '--yes'];
			rollout.push({hosts, settleSeconds, ...(await timedRollout({label: 'rollout', file: node, args, env}, hostNames))});
		}
	}

	return {
		hosts: fleet.hosts,
		delayMs: fleet.delayMs,
		unix: Object.fromEntries([...unix].map(([label, value]) => [label.replace('unix ', ''), value])),
		ssh: Object.fromEntries([...ssh].filter(([label]) => label !== 'ssh all at once').map(([label, value]) => [label.replace('ssh ', ''), value])),
		sshAllAtOnce: ssh.get('ssh all at once')!,
		dockerFloor: Object.fromEntries(dockerFloor),
		sshSingle: {slowest: Math.max(...singles), fastest: Math.min(...singles), medianOfHosts: median(singles), runsEach: 3},
		screen: {firstFrame: stats(frames.map(frame => frame.firstFrame)), completeFrame: stats(frames.map(frame => frame.completeFrame))},
		rollout,
	};
}
