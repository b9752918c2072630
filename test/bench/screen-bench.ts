import {setTimeout as delay} from 'node:timers/promises';
import {InspectorClient, type HeapFigures} from './inspector-client.js';
import {cpuSeconds, machineBusySeconds, rssMiB, rssSplitMiB} from './proc.js';
import {PtyScreen} from './pty-screen.js';
import {imagePrefix, pluginPrefix} from './seed.js';
import {stats, type Stats} from './timing.js';

export interface ScreenTarget {
	/** What starts kasm-tui, before its own arguments: `[node, dist/cli.js]`, or `[the executable]`. */
	command: string[];
	host: string;
	env: NodeJS.ProcessEnv;
	columns: number;
	rows: number;
	/** What the header must count before the screen is "full". */
	plugins: number;
	images: number;
	/** Options for Node itself (--cpu-prof, --inspect): node's arguments, or the executable's NODE_OPTIONS. */
	nodeOptions?: string[];
	/** kasm-tui's own arguments (default `--host HOST`): the fleet screen's `fleet --host …` */
	args?: string[];
	/** When the screen is full (default: isFullFrame, the single-host screen's). */
	ready?: (screen: PtyScreen) => boolean;
}

/** The file whose path is in the kasm-tui process's command line: dist/cli.js or the executable. */
export function programOf(target: Pick<ScreenTarget, 'command'>): string {
	return target.command.at(-1)!;
}

/** Every screen opened, so an interrupted run can end them by process id. */
export const openScreens = new Set<{screen: PtyScreen; program: string}>();
/** Set when the run is being stopped: no screen may start after that. */
export const screens = {closing: false};

export function openScreen(target: ScreenTarget): PtyScreen {
	if (screens.closing) {
		throw new Error('the benchmark is stopping');
	}

	const [program, ...rest] = target.command;
	const options = target.nodeOptions ?? [];
	const onNode = rest.length > 0;
	const screen = PtyScreen.open([program!, ...(onNode ? options : []), ...rest, ...(target.args ?? ['--host', target.host])], {
		columns: target.columns,
		rows: target.rows,
		env: !onNode && options.length > 0 ? {...target.env, NODE_OPTIONS: options.join(' ')} : target.env,
	});
	const entry = {screen, program: programOf(target)};
	openScreens.add(entry);
	void screen.exit(24 * 3600 * 1000).then(() => openScreens.delete(entry));
	return screen;
}

/** The left column's width, as the App lays it out (38 % of the columns, 24 to 56). */
function leftWidth(columns: number): number {
	return Math.max(24, Math.min(56, Math.floor(columns * 0.38)));
}

/**
 * "All panes filled": the header counts every plugin and image of the seed; the Plugins and
 * Images titles carry the same counts; the left column shows a seeded plugin row and a seeded
 * image row; and the detail pane shows the selected plugin's state line (enabled/disabled ·
 * rolling/pinned), which comes from the same load. Registry-fed parts of the detail (tags,
 * update marks) come later and are what "settled" waits for.
 */
export function isFullFrame(target: Pick<ScreenTarget, 'columns' | 'plugins' | 'images'>) {
	const left = leftWidth(target.columns);
	return (screen: PtyScreen) => {
		const {rows} = screen;
		return (
			(rows[0] ?? '').includes(`${target.plugins} plugins · ${target.images} images`) &&
			rows.some(row => row.includes(`Plugins (${target.plugins})`)) &&
			rows.some(row => row.includes(`Images (${target.images})`)) &&
			rows.some(row => row.slice(0, left).includes(pluginPrefix)) &&
			rows.some(row => row.slice(0, left).includes(imagePrefix)) &&
			rows.some(row => /(enabled|disabled) · (rolling|pinned)/.test(row.slice(left)))
		);
	};
}

export interface FirstFrameRun {
	/** Spawn of `script` to the end of the update that completed the full frame. */
	firstFullFrameMs: number;
	/** Spawn to the first byte the program drew (the alternate screen). */
	firstByteMs: number;
	/** Spawn to the last update before `quietMs` of silence: background checks done. */
	settledMs: number;
	framesUntilFull: number;
	exitCode: number | null | undefined;
	/** performance.now() at spawn, to line up with the proxy's request times. */
	began: number;
	/** The spawn on the monotonic clock (µs), to cut a --cpu-prof profile into phases. */
	beganMonotonicUs: number;
	/** Every frame until it settled: when, and how many rows it rewrote. */
	frames: Array<{at: number; rows: number}>;
}

/** Opens the screen, waits for the full frame and for quiet, quits with q. */
export async function firstFrameRun(target: ScreenTarget, quietMs = 1000): Promise<FirstFrameRun> {
	const screen = openScreen(target);
	try {
		let firstByteMs = 0;
		await screen.waitFor(current => current.bytesReceived > 0, 20_000, 'the first byte');
		firstByteMs = screen.lastDataAt;
		await screen.waitFor(target.ready ?? isFullFrame(target), 30_000, 'a full frame');
		const firstFullFrameMs = screen.frames.at(-1)!.at;
		const framesUntilFull = screen.frames.length;
		const settledMs = await screen.waitQuiet(quietMs, 20_000);
		screen.type('q');
		const exitCode = await screen.exit(5000);
		const frames = screen.frames.filter(frame => frame.at <= settledMs).map(frame => ({at: Math.round(frame.at), rows: frame.rows}));
		return {firstFullFrameMs, firstByteMs, settledMs, framesUntilFull, exitCode, began: screen.began, beganMonotonicUs: screen.beganMonotonicUs, frames};
	} finally {
		await screen.kill(programOf(target));
	}
}

/** What `script` + `stty` + exec of `node` cost before any program code runs: node -e writing one byte. */
export async function ptyFloorRun(node: string, env: NodeJS.ProcessEnv, columns: number, rows: number): Promise<number> {
	const screen = PtyScreen.open([node, '-e', 'process.stdout.write("ready")'], {columns, rows, env});
	try {
		await screen.waitFor(current => current.raw.includes('ready'), 10_000, '"ready"');
		return screen.lastDataAt;
	} finally {
		await screen.exit(5000);
		screen.child.kill('SIGKILL');
	}
}

export interface SessionResult {
	sizeSeen: {columns: number; rows: number};
	firstFullFrameMs: number;
	settledMs: number;
	rssAfterLoadMiB: number;
	/** The same RSS by where it is: the program file's pages, other files', the process's own. */
	rssSplitAfterLoadMiB?: {program: number; files: number; own: number};
	keys: number;
	keyLatency: Stats;
	bytesPerKey: Stats;
	/** Rows each key's frame rewrote. */
	rowsPerKey: Stats;
	/** RSS before key 0, 100, 200, …: a leak climbs steadily, heap headroom levels off. */
	rssEvery100Keys: number[];
	/** Cores' worth of CPU other processes (not the screen, script or the benchmark) used while typing. */
	otherCpuDuringKeys: number;
	/** Frames beyond one per key: a key that drew twice, or a frame nobody asked for. */
	extraFrames: number;
	keysWithoutFrame: number;
	rssAfterKeysMiB: number;
	idleSeconds: number;
	idleCpuPercent: number;
	/** CPU ms of the screen in each 5 s of the idle time. */
	idleCpuMsEvery5s: number[];
	idleFrames: number;
	idleBytes: number;
	/** What was drawn while idle, escaped (empty when nothing was). */
	idleOutput: string;
	rssAfterIdleMiB: number;
	exitCode: number | null | undefined;
	/** Filled by the caller from the proxy: API requests at each phase. */
	apiCalls?: {load: number; keys: number; idle: number; loadByEndpoint: Record<string, number>};
}

export interface SessionHooks {
	/** Called when the screen has settled after load, and after the keys, and after idle. */
	mark?: (phase: 'loaded' | 'keys' | 'idle') => void;
	log?: (line: string) => void;
}

/**
 * One long session: load, focus the images, move through all of them and back (each key a
 * real move, so each should draw exactly one frame), then sit idle.
 */
export async function session(target: ScreenTarget, options: {keys: number; idleSeconds: number}, hooks: SessionHooks = {}): Promise<SessionResult> {
	const log = hooks.log ?? (() => {});
	const screen = openScreen(target);
	try {
		await screen.waitFor(target.ready ?? isFullFrame(target), 30_000, 'a full frame');
		const firstFullFrameMs = screen.frames.at(-1)!.at;
		const settledMs = await screen.waitQuiet(1500, 30_000);
		hooks.mark?.('loaded');
		const pid = screen.programPid(programOf(target));
		if (!pid) {
			throw new Error('could not find the screen process under script');
		}

		const rowsSeen = screen.rows.length;
		const columnsSeen = Math.max(...screen.rows.map(row => [...row].length));
		if (rowsSeen !== target.rows || columnsSeen !== target.columns) {
			throw new Error(`the screen drew ${columnsSeen}×${rowsSeen}, not ${target.columns}×${target.rows}: the pty size did not reach it`);
		}

		const rssAfterLoadMiB = rssMiB(pid)!;
		const rssSplitAfterLoadMiB = rssSplitMiB(pid);
		log(`screen loaded: first full frame ${firstFullFrameMs.toFixed(0)} ms, settled ${settledMs.toFixed(0)} ms, RSS ${rssAfterLoadMiB.toFixed(1)} MiB`);

		await screen.press('\t');
		await screen.waitQuiet(200, 5000);
		if (!screen.rows.some(row => row.includes(`▶Images (${target.images})`))) {
			throw new Error(`tab did not focus the images pane; the screen shows:\n${screen.text}`);
		}

		const plan = bounceKeys(options.keys, target.images);

		// Who else used the CPU while typing: the machine's busy time minus the screen's, script's and ours.
		const busyBefore = machineBusySeconds();
		const oursBefore = cpuSeconds(pid)! + (cpuSeconds(screen.child.pid!) ?? 0) + cpuOfThisProcess();
		const keysBegan = performance.now();
		const latencies: number[] = [];
		const bytes: number[] = [];
		const rowsRewritten: number[] = [];
		const framesBefore = screen.frames.length;
		const rssEvery100Keys: number[] = [];
		let keysWithoutFrame = 0;
		for (const [index, key] of plan.entries()) {
			if (index % 100 === 0) {
				rssEvery100Keys.push(Math.round(rssMiB(pid)! * 10) / 10);
			}

			try {
				const result = await screen.press(key, 2000);
				latencies.push(result.ms);
			} catch {
				keysWithoutFrame++;
			}

			// A key's frame is one synchronized update; wait a moment so a second one would be seen, not blamed on the next key.
			await screen.waitQuiet(4, 1000);
		}

		const othersDuringKeys =
			(machineBusySeconds() - busyBefore - (cpuSeconds(pid)! + (cpuSeconds(screen.child.pid!) ?? 0) + cpuOfThisProcess() - oursBefore)) /
			((performance.now() - keysBegan) / 1000);
		const framesDuringKeys = screen.frames.length - framesBefore;
		// Bytes and rows of every frame drawn while typing: one per key when there are no extra frames.
		for (const frame of screen.frames.slice(framesBefore)) {
			bytes.push(frame.bytes);
			rowsRewritten.push(frame.rows);
		}

		await screen.waitQuiet(500, 5000);
		const expectedRow = `${imagePrefix}`;
		if (!screen.rows.some(row => row.includes('▸') && row.includes(expectedRow))) {
			throw new Error(`after the keys no image is highlighted; the screen shows:\n${screen.text}`);
		}

		hooks.mark?.('keys');
		const rssAfterKeysMiB = rssMiB(pid)!;
		log(`${plan.length} keys: median ${stats(latencies).median.toFixed(1)} ms, RSS ${rssAfterKeysMiB.toFixed(1)} MiB`);

		const idleFramesBefore = screen.frames.length;
		const idleBytesBefore = screen.bytesReceived;
		const idleRawBefore = screen.raw.length;
		const cpuBefore = cpuSeconds(pid)!;
		const idleBegan = performance.now();
		// CPU per 5 s window too: a one-off collection after the keys looks different from a ticking timer.
		const idleCpuMsEvery5s: number[] = [];
		let windowStart = cpuBefore;
		for (let left = options.idleSeconds * 1000; left > 0; left -= 5000) {
			await delay(Math.min(5000, left));
			const now = cpuSeconds(pid)!;
			idleCpuMsEvery5s.push(Math.round((now - windowStart) * 1000));
			windowStart = now;
		}

		const cpuAfter = cpuSeconds(pid)!;
		const idleElapsed = (performance.now() - idleBegan) / 1000;
		hooks.mark?.('idle');
		const rssAfterIdleMiB = rssMiB(pid)!;
		const idleFrames = screen.frames.length - idleFramesBefore;
		const idleBytes = screen.bytesReceived - idleBytesBefore;
		const idleOutput = screen.raw.slice(idleRawBefore);

		screen.type('q');
		const exitCode = await screen.exit(5000);
		return {
			sizeSeen: {columns: columnsSeen, rows: rowsSeen},
			firstFullFrameMs,
			settledMs,
			rssAfterLoadMiB,
			rssSplitAfterLoadMiB,
			keys: plan.length,
			keyLatency: stats(latencies),
			bytesPerKey: stats(bytes),
			rowsPerKey: stats(rowsRewritten),
			rssEvery100Keys,
			otherCpuDuringKeys: Math.max(0, othersDuringKeys),
			extraFrames: Math.max(0, framesDuringKeys - (plan.length - keysWithoutFrame)),
			keysWithoutFrame,
			rssAfterKeysMiB,
			idleSeconds: idleElapsed,
			idleCpuPercent: ((cpuAfter - cpuBefore) / idleElapsed) * 100,
			idleCpuMsEvery5s,
			idleFrames,
			idleBytes,
			idleOutput: JSON.stringify(idleOutput).slice(0, 300),
			rssAfterIdleMiB,
			exitCode,
		};
	} finally {
		await screen.kill(programOf(target));
	}
}

/** Down to the last image and back up, and so on: every key moves the selection. */
function bounceKeys(count: number, images: number): string[] {
	const plan: string[] = [];
	let at = 0;
	let step = 1;
	while (plan.length < count) {
		if (at + step < 0 || at + step > images - 1) {
			step = -step;
		}

		plan.push(step > 0 ? 'j' : 'k');
		at += step;
	}

	return plan;
}

export interface MemoryResult {
	afterLoad: HeapFigures;
	afterKeys: HeapFigures;
	keys: number;
}

/**
 * The same load and keys in a screen started with --inspect on loopback, to force a garbage
 * collection before reading memory: what is live, apart from garbage V8 has not collected yet.
 * Undefined when `ws` cannot be loaded.
 */
export async function memorySession(target: ScreenTarget, keys: number): Promise<MemoryResult | undefined> {
	const screen = openScreen({...target, nodeOptions: [...(target.nodeOptions ?? []), '--inspect=127.0.0.1:0']});
	let inspector: InspectorClient | undefined;
	try {
		await screen.waitFor(isFullFrame(target), 30_000, 'a full frame');
		await screen.waitQuiet(1500, 30_000);
		const url = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(screen.raw)?.[0];
		const pid = screen.programPid(programOf(target));
		if (!url || !pid) {
			throw new Error('the inspector address or the screen process was not found');
		}

		inspector = await InspectorClient.connect(url);
		if (!inspector) {
			return undefined;
		}

		const rss = () => rssMiB(pid) ?? Number.NaN;
		const afterLoad = await inspector.heapAfterGc(rss);
		await screen.press('\t');
		await screen.waitQuiet(200, 5000);
		for (const key of bounceKeys(keys, target.images)) {
			await screen.press(key, 2000).catch(() => {});
			await screen.waitQuiet(4, 1000);
		}

		await screen.waitQuiet(500, 5000);
		const afterKeys = await inspector.heapAfterGc(rss);
		inspector.close();
		inspector = undefined;
		screen.type('q');
		await screen.exit(5000);
		return {afterLoad, afterKeys, keys};
	} finally {
		inspector?.close();
		await screen.kill(programOf(target));
	}
}

function cpuOfThisProcess(): number {
	const {user, system} = process.cpuUsage();
	return (user + system) / 1e6;
}
