import type {MemoryResult, SessionResult} from './screen-bench.js';
import type {SeedTimes} from './seed.js';
import type {ScaleFigures} from './fleet-scale.js';
import type {ImagesFleetFigures} from './fleet-images-bench.js';
import type {Stats} from './timing.js';

export interface ApiCount {
	calls: number;
	connections: number;
	byEndpoint: Record<string, number>;
	/** `+ms endpoint` from spawn: when each request left, beside the first byte, the full frame or the exit. */
	timeline?: string[];
}

export interface ScreenFigures {
	size: string;
	ptyFloor: Stats;
	firstByte: Stats;
	firstFullFrame: Stats;
	settled: Stats;
	framesUntilFull: Stats;
	exitCodes: Array<number | null | undefined>;
}

export interface BenchResults {
	machine: {
		date: string;
		cpu: string;
		memoryGiB: number;
		kernel: string;
		node: string;
		/** The Node inside the single executable. */
		executableNode: string;
		dockerd: string;
		dockerCli: string;
		cli: string;
		cliBytes: number;
		executable: string;
		executableBytes: number;
		executableSha256: string;
		commit: string;
	};
	seed: {
		scale: {plugins: number; manyPlugins: number; images: number; containers: number; networks: number; imageBuilds: number};
		counted: Record<string, number>;
		countedMany?: Record<string, number>;
		ms: SeedTimes & {morePlugins?: number};
	};
	/** Label → whole-process wall time (ms). */
	headless: Record<string, Stats>;
	headlessMany?: Record<string, Stats>;
	/** `node dist/cli.js` in a pseudo-terminal; the pty floor is node -e. */
	screen: ScreenFigures;
	/** The single executable the same way; its pty floor is its own Node's node -e. */
	screenExecutable: ScreenFigures;
	screenMany?: {firstFullFrame: Stats; settled: Stats};
	screenManyExecutable?: {firstFullFrame: Stats; settled: Stats};
	session: SessionResult;
	sessionExecutable: SessionResult;
	/** Memory after forced garbage collections (--inspect); absent when ws could not be loaded. */
	memory?: MemoryResult;
	memoryExecutable?: MemoryResult;
	/** Plugin count → API requests. */
	apiCalls: Record<number, {pluginsJson: ApiCount; imagesJson: ApiCount; dockerPluginLs: ApiCount; bareRequest: ApiCount; bareListings: ApiCount; screenLoad: ApiCount}>;
	wallSeconds?: number;
	/** Share of all cores busy just before measuring at each scale (the benchmark waits for < 15 %, at most 30 s). */
	busyBeforeMeasuring: number[];
	leftoverProcesses?: number;
	/** The fleet: first full frame over four hosts (one over ssh) beside the single-host screen's, and fleet plugins --json over ssh. */
	fleet?: {
		hosts: number;
		names: number;
		screen: {firstFullFrame: Stats; settled: Stats};
		single: {firstFullFrame: Stats; settled: Stats};
		screenExecutable: {firstFullFrame: Stats; settled: Stats};
		singleExecutable: {firstFullFrame: Stats; settled: Stats};
		headless: Record<string, Stats>;
	};
	/** The fleet at scale (many daemons, over their sockets and over ssh across a slow link); alone with --stage fleet-scale. */
	scale?: ScaleFigures;
	/** `fleet images --json` over many hosts against one host's `images --json`; alone with --stage fleet-images. */
	fleetImages?: ImagesFleetFigures;
	/** With --profile: self time per package or bundle chunk. */
	profiles?: Record<string, {file: string; totalMs: number; byOwner: Array<[string, number]>} | undefined>;
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);
const times = (value: number) => `${value.toFixed(2)}×`;
const mib = (value: number) => `${value.toFixed(1)} MiB`;

function table(rows: string[][], header: string[]): string {
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => [...(row[column] ?? '')].length)));
	const format = (row: string[]) =>
		row
			.map((cell, column) => (column === 0 || column === row.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
			.join('  ')
			.trimEnd();
	return [format(header), widths.map(width => '─'.repeat(width)).join('  '), ...rows.map(row => format(row))].join('\n');
}

/** The figures, side by side, with the issue's targets beside them. */
export function printReport(results: BenchResults): void {
	const out: string[] = [];
	const {machine, seed, headless, screen, session} = results;
	out.push(
		'',
		`kasm-tui benchmark  ${machine.date}`,
		`${machine.cpu}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}`,
		`${machine.dockerd}; client ${machine.dockerCli}; kasm-tui ${machine.commit}, ${machine.cli} bundle ${Math.round(machine.cliBytes / 1024)} KiB`,
		`${machine.executable}: ${mib(machine.executableBytes / 1024 ** 2)} (${machine.executableBytes} bytes), Node ${machine.executableNode} inside, sha256 ${machine.executableSha256}`,
		'',
	);
	// --stage fleet-scale or fleet-images: that stage alone.
	if (!headless) {
		out.push(...(results.scale ? scaleLines(results.scale) : []), ...(results.fleetImages ? imagesLines(results.fleetImages) : []), ...footerLines(results));
		process.stdout.write(out.join('\n') + '\n');
		return;
	}

	const h = (label: string) => headless[label]!;
	out.push(
		`Seed: ${seed.counted.plugins} plugins enabled, ${seed.counted.imageRows} image rows (${seed.counted.imageIds} builds), ${seed.counted.containers} containers, ${seed.counted.networks} networks in ${ms(seed.ms.total)}` +
			` (push builds ${ms(seed.ms.pushBuilds ?? 0)}, install plugins ${ms(seed.ms.installPlugins ?? 0)}, import ${ms(seed.ms.importImages ?? 0)}, tag ${ms(seed.ms.tagImages ?? 0)},` +
			` containers ${ms(seed.ms.createContainers ?? 0)}, networks ${ms(seed.ms.createNetworks ?? 0)}); +${seed.scale.manyPlugins - seed.scale.plugins} plugins in ${ms(seed.ms.morePlugins ?? 0)}`,
		'',
	);

	const stat = (label: string, value: Stats, note = '') => [label, ms(value.median), ms(value.p95), ms(value.min), String(value.runs), note];
	const bare = h('bare node:http GET /plugins').median;
	const plugins = h('kasm-tui plugins --json').median;
	const listings = h('bare node:http, the four listings').median;
	const listings24 = h('bare node:http, the four listings, node 24').median;
	const executablePlugins = h('executable plugins --json').median;
	const many = (label: string) => results.headlessMany?.[label]?.median ?? Number.NaN;
	const pluginLs = h('docker plugin ls').median;
	const imagesJson = h('kasm-tui images --json').median;
	const imageLs = h('docker image ls').median;
	out.push(
		`Headless, whole process (${seed.scale.plugins} plugins, ${seed.scale.images} images)`,
		table(
			[
				stat('node -e 0', h('node -e 0'), 'Node start, the floor of any Node tool'),
				stat('node 24 -e 0', h('node 24 -e 0'), "the executable's Node: its start"),
				stat('bare node:http GET /plugins', h('bare node:http GET /plugins'), 'the floor for one Engine request'),
				stat('bare node:http, the four listings', h('bare node:http, the four listings'), `the floor for what plugins shows: ${times(listings / bare)} bare (the daemon listing what uses them)`),
				stat('bare node:http, the four listings, node 24', h('bare node:http, the four listings, node 24'), "the same floor on the executable's Node"),
				stat('dockerode GET /plugins', h('dockerode GET /plugins'), `${times(h('dockerode GET /plugins').median / bare)} bare: importing dockerode`),
				stat('kasm-tui --help', h('kasm-tui --help'), `${ms(h('kasm-tui --help').median - h('node -e 0').median)} over node -e 0: the bundle's own start`),
				stat('kasm-tui plugins --json', h('kasm-tui plugins --json'), `${times(plugins / bare)} bare (target ≤ 1.35×), ${times(plugins / listings)} the four listings, ${times(plugins / pluginLs)} docker`),
				stat('executable --help', h('executable --help'), `${ms(h('executable --help').median - h('node 24 -e 0').median)} over node 24 -e 0: the app script and its code cache`),
				stat(
					'executable plugins --json',
					h('executable plugins --json'),
					`${times(executablePlugins / listings24)} the four listings on Node 24 (target ≤ 1.20×); ${times(executablePlugins / plugins)} node dist/cli.js`,
				),
				stat('docker plugin ls', h('docker plugin ls')),
				stat('kasm-tui images --json', h('kasm-tui images --json'), `${times(imagesJson / imageLs)} docker image ls`),
				stat('executable images --json', h('executable images --json'), `${times(h('executable images --json').median / imageLs)} docker image ls`),
				stat('docker image ls', h('docker image ls')),
				...Object.entries(results.headlessMany ?? {}).map(([label, value]) =>
					stat(
						`${label} @${seed.scale.manyPlugins} plugins`,
						value,
						label.startsWith('kasm-tui')
							? `${times(value.median / bare)} bare, ${times(value.median / many('bare node:http, the four listings'))} the four listings, ${times(value.median / many('docker plugin ls'))} docker`
							: label.startsWith('executable')
								? `${times(value.median / many('bare node:http, the four listings, node 24'))} the four listings on Node 24, ${times(value.median / many('docker plugin ls'))} docker`
								: '',
					),
				),
			],
			['command', 'median', 'p95', 'min', 'runs', 'note'],
		),
		'',
	);

	const exe = results.sessionExecutable;
	const twoBuilds = (label: string, node: Stats | undefined, onExecutable: Stats | undefined, note = '') => [
		label,
		node ? `${ms(node.median)} (p95 ${ms(node.p95)})` : '',
		onExecutable ? `${ms(onExecutable.median)} (p95 ${ms(onExecutable.p95)})` : '',
		note,
	];
	const both = (label: string, pick: (figures: {session: SessionResult; memory?: MemoryResult}) => string, note = '') => [
		label,
		pick({session, memory: results.memory}),
		pick({session: exe, memory: results.memoryExecutable}),
		note,
	];
	const afterGc = (memory: MemoryResult | undefined, phase: 'afterLoad' | 'afterKeys') =>
		memory ? `heap ${mib(memory[phase].heapUsedMiB)}, RSS ${mib(memory[phase].rssMiB)} → ${mib(memory[phase].rssAfterGcMiB)}` : 'skipped (no ws)';
	const many24 = results.screenManyExecutable;
	out.push(
		`Screen in a pseudo-terminal (${screen.size}), from spawn: median (p95), ${screen.firstFullFrame.runs} starts of each, in turn`,
		table(
			[
				twoBuilds('pty floor: script+stty+node -e', screen.ptyFloor, results.screenExecutable.ptyFloor, 'the harness and the Node start (Node 20, Node 24), before any app code'),
				twoBuilds('first byte (alternate screen)', screen.firstByte, results.screenExecutable.firstByte),
				twoBuilds(
					'first full frame',
					screen.firstFullFrame,
					results.screenExecutable.firstFullFrame,
					`executable: target ≤ 160 ms (1.3× lazydocker v0.23.3's 123 ms, measured here at 120×40, 20 plugins, 509 images); ${ms(results.screenExecutable.firstFullFrame.median - results.screenExecutable.ptyFloor.median)} over its pty floor`,
				),
				twoBuilds('settled (1 s quiet after)', screen.settled, results.screenExecutable.settled, 'registry checks and details done'),
				...(results.screenMany
					? [
							twoBuilds(`first full frame @${seed.scale.manyPlugins} plugins`, results.screenMany.firstFullFrame, many24?.firstFullFrame),
							twoBuilds(`settled @${seed.scale.manyPlugins} plugins`, results.screenMany.settled, many24?.settled),
						]
					: []),
				twoBuilds(
					`key → frame (${session.keys} keys, images)`,
					session.keyLatency,
					exe.keyLatency,
					`target p95 ≤ 30 ms; other processes meanwhile: ${(session.otherCpuDuringKeys * 100).toFixed(0)} % / ${(exe.otherCpuDuringKeys * 100).toFixed(0)} % of a core`,
				),
			],
			['measure', 'node dist/cli.js', 'executable', 'note'],
		),
		'',
		table(
			[
				both('bytes per key press', ({session: run}) => `${run.bytesPerKey.median.toFixed(0)} B, p95 ${run.bytesPerKey.p95.toFixed(0)} B`, `rows rewritten per key (median) ${session.rowsPerKey.median} / ${exe.rowsPerKey.median}; extra frames ${session.extraFrames} / ${exe.extraFrames}, keys without a frame ${session.keysWithoutFrame} / ${exe.keysWithoutFrame}`),
				both('RSS after load', ({session: run}) => mib(run.rssAfterLoadMiB), 'targets: ≤ 120 MB (npm), ≤ 80 MB (executable); lazydocker 21.6 MiB (issue 24)'),
				both('RSS after load: program file / other files / own', ({session: run}) => (run.rssSplitAfterLoadMiB ? `${mib(run.rssSplitAfterLoadMiB.program)} / ${mib(run.rssSplitAfterLoadMiB.files)} / ${mib(run.rssSplitAfterLoadMiB.own)}` : 'not read'), "the program's pages are clean page cache (Node's binary; the executable's includes our script); own: heap, stacks, V8 code"),
				both(`RSS after ${session.keys} keys`, ({session: run}) => `${mib(run.rssAfterKeysMiB)} (+${(run.rssAfterKeysMiB - run.rssAfterLoadMiB).toFixed(1)})`, 'growth over load in brackets'),
				both('RSS every 100 keys', ({session: run}) => run.rssEvery100Keys.map(value => value.toFixed(0)).join(' '), 'MiB: a leak climbs steadily, heap headroom levels off'),
				both(`RSS after ${session.idleSeconds.toFixed(0)} s idle`, ({session: run}) => mib(run.rssAfterIdleMiB)),
				both('after a forced GC: load', ({memory}) => afterGc(memory, 'afterLoad'), 'live heap; RSS before → after the GC (another session, --inspect)'),
				both(`after a forced GC: ${session.keys} keys`, ({memory}) => afterGc(memory, 'afterKeys')),
				both(`CPU over ${session.idleSeconds.toFixed(0)} s idle`, ({session: run}) => `${run.idleCpuPercent.toFixed(2)} % (${run.idleFrames} frames)`, `target < 1 %; lazydocker 0.85 %; CPU ms per 5 s: ${session.idleCpuMsEvery5s.join(' ')} / ${exe.idleCpuMsEvery5s.join(' ')}`),
				[
					'exit with q',
					`codes ${[...new Set([...screen.exitCodes, session.exitCode])].join(', ')}`,
					`codes ${[...new Set([...results.screenExecutable.exitCodes, exe.exitCode])].join(', ')}`,
					`size seen ${session.sizeSeen.columns}×${session.sizeSeen.rows} / ${exe.sizeSeen.columns}×${exe.sizeSeen.rows}`,
				],
			],
			['measure', 'node dist/cli.js', 'executable', 'note'],
		),
		'',
	);

	if (results.fleet) {
		const {fleet} = results;
		const dockerSsh = fleet.headless['docker -H ssh:// plugin ls']!.median;
		const ratio = (value: Stats) => `${times(value.median / dockerSsh)} docker -H ssh:// plugin ls (target ≤ 1.50×)`;
		const pair = (label: string, onFleet: Stats, alone: Stats, note: string) => [label, `${ms(onFleet.median)} (p95 ${ms(onFleet.p95)})`, `${ms(alone.median)} (p95 ${ms(alone.p95)})`, note];
		out.push(
			`The fleet: ${fleet.hosts} hosts (alpha the seeded sandbox, bravo over ssh://, charlie tcp+TLS, delta), ${fleet.names} plugin names; screen ${screen.size}, median (p95), ${fleet.screen.firstFullFrame.runs} starts of each in turn`,
			table(
				[
					pair('first full frame, node dist/cli.js', fleet.screen.firstFullFrame, fleet.single.firstFullFrame, `${times(fleet.screen.firstFullFrame.median / fleet.single.firstFullFrame.median)} the single host: every host live, the matrix drawn`),
					pair('first full frame, executable', fleet.screenExecutable.firstFullFrame, fleet.singleExecutable.firstFullFrame, `${times(fleet.screenExecutable.firstFullFrame.median / fleet.singleExecutable.firstFullFrame.median)} the single host`),
					pair('settled, node dist/cli.js', fleet.screen.settled, fleet.single.settled, 'builds named by the registry, the cell\'s detail read'),
					pair('settled, executable', fleet.screenExecutable.settled, fleet.singleExecutable.settled, ''),
				],
				['measure', 'fleet screen', 'single host', 'note'],
			),
			'',
			table(
				Object.entries(fleet.headless).map(([label, value]) => stat(label, value, label.startsWith('docker') ? 'a new ssh connection each run, as for kasm-tui' : ratio(value))),
				['command (the seeded sandbox over ssh)', 'median', 'p95', 'min', 'runs', 'note'],
			),
			'',
		);
	}

	const scales = Object.keys(results.apiCalls).map(Number).sort((a, b) => a - b);
	const row = (label: string, pick: (scale: number) => ApiCount) => [
		label,
		...scales.map(scale => String(pick(scale).calls)),
		Object.entries(pick(scales.at(-1)!).byEndpoint)
			.map(([endpoint, calls]) => `${endpoint}${calls > 1 ? ` ×${calls}` : ''}`)
			.join(', '),
	];
	out.push(
		'Engine API requests (counted by a proxy on the socket)',
		table(
			[
				row('kasm-tui plugins --json', scale => results.apiCalls[scale]!.pluginsJson),
				row('kasm-tui images --json', scale => results.apiCalls[scale]!.imagesJson),
				row('docker plugin ls', scale => results.apiCalls[scale]!.dockerPluginLs),
				row('screen: load until settled', scale => results.apiCalls[scale]!.screenLoad),
				[`screen: ${session.keys} keys, then ${session.idleSeconds.toFixed(0)} s idle (${scales[0]} plugins)`, `${session.apiCalls?.keys ?? '?'} + ${session.apiCalls?.idle ?? '?'}`, ...scales.slice(1).map(() => ''), ''],
			],
			['', ...scales.map(scale => `@${scale} plugins`), `endpoints (@${scales.at(-1)})`],
		),
		'',
		`When the requests leave, ms from spawn (@${scales[0]} plugins):`,
		`  bare request:   ${results.apiCalls[scales[0]!]!.bareRequest.timeline?.join(', ')}`,
		`  four listings:  ${results.apiCalls[scales[0]!]!.bareListings.timeline?.join(', ')}`,
		`  plugins --json: ${results.apiCalls[scales[0]!]!.pluginsJson.timeline?.join(', ')}`,
		`  screen:         ${results.apiCalls[scales[0]!]!.screenLoad.timeline?.join(', ')}`,
		'',
		...Object.entries(results.profiles ?? {}).flatMap(([name, profile]) =>
			profile
				? [
						`CPU profile of ${name}: ${profile.totalMs} ms profiled; self ms per package or source folder, Node internals charged to their caller:`,
						`  ${profile.byOwner.map(([owner, self]) => `${owner} ${self}`).join(', ')}`,
						`  ${profile.file}`,
						'',
					]
				: [],
		),
		...(results.fleetImages ? imagesLines(results.fleetImages) : []),
		...(results.scale ? scaleLines(results.scale) : []),
		...footerLines(results),
	);
	process.stdout.write(out.join('\n') + '\n');
}

function footerLines(results: BenchResults): string[] {
	return [
		`Machine busy just before measuring: ${results.busyBeforeMeasuring.map(share => `${(share * 100).toFixed(0)} %`).join(', then ')} of all cores` +
			(Math.max(...results.busyBeforeMeasuring) > 0.15 ? ' (not quiet: something else was running, the times may be inflated)' : ' (quiet)'),
		`Whole run ${results.wallSeconds?.toFixed(0) ?? '?'} s; processes left behind after the sandbox stopped: ${results.leftoverProcesses ?? '?'}`,
	];
}

/** `fleet images --json` over many hosts beside one host's `images --json`, and the issue's target (≤ 2×). */
function imagesLines(figures: ImagesFleetFigures): string[] {
	const row = (label: string, value: Stats) => `  ${label.padEnd(44)} median ${ms(value.median)}  p95 ${ms(value.p95)}  min ${ms(value.min)}  (${value.runs} runs)`;
	return [
		`Images across a fleet: ${figures.hosts} hosts × ${figures.imagesPerHost} image rows (${figures.registryTags} of them checked with the registry, by HEAD)`,
		row('kasm-tui images --json, one host', figures.single),
		row(`kasm-tui fleet images --json, ${figures.hosts} hosts`, figures.fleet),
		`  fleet / one host: ${figures.ratio.toFixed(2)}× (target ≤ 2×: ${figures.ratio <= 2 ? 'met' : 'MISSED'})`,
		'',
	];
}

/** The fleet at scale, each figure beside the issue's target for it. */
function scaleLines(scale: ScaleFigures): string[] {
	const stat = (label: string, value: Stats, note = '') => [label, ms(value.median), ms(value.p95), ms(value.min), String(value.runs), note];
	const met = (value: number, limit: number) => (value <= limit ? 'met' : 'MISSED');
	const unixOne = scale.unix['1']!.median;
	const unixAll = scale.unix[String(scale.hosts)]!.median;
	const sshAll = scale.ssh[String(scale.hosts)]!.median;
	const slowest = scale.sshSingle.slowest;
	const rollouts = scale.rollout.map(
		(run, index) =>
			`  ${String(run.hosts).padStart(2)} host${run.hosts === 1 ? ' ' : 's'}, settle ${run.settleSeconds} s, ${index % 2 === 0 ? 'up  ' : 'back'}: wall ${ms(run.wallMs)} = planning ${ms(run.planMs)} + checks before each stage's first step ${ms(run.checksMs)} + ${run.stages} stage${run.stages === 1 ? '' : 's'} of the hosts' own steps ${ms(run.ownStepsMs)} + the rest ${ms(run.overheadMs - run.planMs - run.checksMs)};` +
			` overhead ${ms(run.overheadMs)} = ${((run.overheadMs / run.ownStepsMs) * 100).toFixed(1)} % of the own steps, ${(((run.overheadMs - run.checksMs) / (run.ownStepsMs + run.checksMs)) * 100).toFixed(1)} % with the checks counted as the hosts' own` +
			`${run.hosts === scale.hosts ? ` (target ≤ 10 %: ${met(run.overheadMs / run.ownStepsMs, 0.1)})` : ' (a rollout\'s fixed cost)'}; ${run.done}/${run.hosts} done`,
	);
	return [
		`The fleet at scale: ${scale.hosts} daemons (Debian's 20.10, a key each), each over its socket and over ssh:// through an sshd of its own behind a relay holding each chunk ${scale.delayMs} ms each way`,
		table(
			[
				...Object.entries(scale.unix).map(([hosts, value]) =>
					stat(`fleet plugins --json, ${hosts} over unix`, value, hosts === String(scale.hosts) ? `${times(unixAll / unixOne)} one host (target ≤ 2×: ${met(unixAll / unixOne, 2)})` : ''),
				),
				...Object.entries(scale.ssh).map(([hosts, value]) =>
					stat(
						`fleet plugins --json, ${hosts} over ssh`,
						value,
						hosts === String(scale.hosts) ? `${times(sshAll / slowest)} the slowest single host (target ≤ 1.5×: ${met(sshAll / slowest, 1.5)}); --parallel 16` : '',
					),
				),
				stat(`the same, --parallel ${scale.hosts}`, scale.sshAllAtOnce, `${times(scale.sshAllAtOnce.median / slowest)} the slowest single host: every host connecting at once`),
				stat(`fleet screen over ssh: first frame with a host`, scale.screen.firstFrame, 'the first host that answered drawn'),
				stat(`fleet screen over ssh: complete frame`, scale.screen.completeFrame, `every host live, the ${scale.hosts}-column matrix drawn`),
			],
			['command', 'median', 'p95', 'min', 'runs', 'note'],
		),
		`Each host alone over ssh (median of ${scale.sshSingle.runsEach} runs each): slowest ${ms(slowest)}, median ${ms(scale.sshSingle.medianOfHosts)}, fastest ${ms(scale.sshSingle.fastest)}`,
		'',
		table(
			Object.entries(scale.dockerFloor).map(([label, value]) => {
				const [way, hosts] = label.split(' ');
				const one = scale.dockerFloor[`${way} 1`]!.median;
				return stat(`docker -H … plugin ls, ${hosts} over ${way}${hosts === '1' ? '' : ', one process a host at once'}`, value, hosts === '1' ? '' : `${times(value.median / one)} one host: the machine's own floor for the ratio above`);
			}),
			['the docker CLI, the same hosts', 'median', 'p95', 'min', 'runs', 'note'],
		),
		'',
		`Rollouts over the hosts' sockets, --batch 8: own steps are each stage from its first host's first step to its last host's outcome (health gate included); overhead is the rest of the wall time, Node's start and planning included:`,
		...rollouts,
		'',
	];
}
