/**
 * `npm test`: builds the bin, then runs the unit and screen tests once while it starts a sandbox
 * (a private dockerd and registry on loopback) for each engine kind, or several (below), and runs
 * every integration file against one sandbox of each kind. KASM_TUI_ENGINES=26.1,20.10 narrows the kinds
 * (default: all of them). Every sandbox started is stopped whatever happens, ctrl-c included;
 * the summary says which engine (and which of its sandboxes) each file ran on, how it went and
 * how long each kind and each sandbox took.
 */
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {engineKinds, engineLaunch, parseEngineKinds, type EngineKind} from './sandbox/engines.js';
import {seedKasmRepository} from './sandbox/fixtures.js';
import {startSandbox, type Sandbox} from './sandbox/sandbox.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`# ${line}\n`);
/**
 * Kinds run side by side, at most this many at once (KASM_TUI_ENGINES_AT_ONCE, default all three):
 * a kind's files mostly wait on its daemon (see the readme).
 */
const kindsAtOnce = Math.max(1, Number(process.env.KASM_TUI_ENGINES_AT_ONCE) || 3);
/**
 * Sandboxes of each kind (KASM_TUI_SANDBOXES_PER_KIND, default 1): with more, a kind's files are
 * split between them, balanced by test/file-durations.json, each sandbox running its share one
 * file after another (some files restart or freeze its daemon). Two per kind is seven test
 * processes at once: on 2 cores shared with other runs, the fleet tests' 3 s deadlines for live
 * hosts were missed (see the readme), so one is the default.
 */
const sandboxesPerKind = Math.max(1, Number(process.env.KASM_TUI_SANDBOXES_PER_KIND) || 1);

/**
 * test/packages/ tests what `npm run package` left in dist/ (the arm64 executable, the .debs): its
 * files run only when a filter names them (`npm test -- packages/`, as CI does after packaging),
 * so a plain `npm test` never meets files not made yet, and they fail, never skip, when it does.
 */
const packagesFolder = path.join(root, 'test', 'packages');

function testFiles(filters: string[]): string[] {
	const files = ['unit', 'screen', 'integration', 'packages']
		.map(folder => path.join(root, 'test', folder))
		.filter(folder => fs.existsSync(folder))
		.flatMap(folder => fs.readdirSync(folder).filter(name => name.endsWith('.test.ts') || name.endsWith('.test.tsx')).map(name => path.join(folder, name)))
		.sort();
	return filters.length === 0 ? files.filter(file => !file.startsWith(packagesFolder + path.sep)) : files.filter(file => filters.some(filter => file.includes(filter)));
}

/** Only the integration and package files talk to an engine; unit and screen tests run once, on none. */
const needsEngine = (file: string) => [path.join(root, 'test', 'integration'), packagesFolder].some(folder => file.startsWith(folder + path.sep));

/** One line of file-reporter.mjs. */
interface TestOutcome {
	file: string;
	name: string;
	passed: boolean;
	/** False for a suite: its tests are counted instead. */
	isTest: boolean;
	ms: number;
	/** Which of its kind's sandboxes ran it (1, 2, …), when the kind had more than one. */
	sandbox?: number;
}

interface Run {
	/** The engine kind, or `none` for the files that need no engine. */
	kind: EngineKind | 'none';
	status: number;
	/** From the kind's first sandbox starting to its last one stopped. */
	ms: number;
	outcomes: TestOutcome[];
	/** Set when the kind could not even start (a sandbox failed). */
	error?: string;
	/** Each sandbox of the kind: how long it took, from its start to its stop, and its files. */
	sandboxes?: Array<{ms: number; files: string[]}>;
}

/**
 * How long each integration file took on each kind in a full run (test/file-durations.json,
 * written by `KASM_TUI_RECORD_DURATIONS=1 npm test`): what splits a kind's files between its sandboxes.
 */
const durationsFile = path.join(root, 'test', 'file-durations.json');
type Durations = Record<string, Partial<Record<EngineKind, number>>>;

function readDurations(): Durations {
	try {
		return JSON.parse(fs.readFileSync(durationsFile, 'utf8')) as Durations;
	} catch {
		return {};
	}
}

/** Besides its tests, each file costs its process's start (tsx, its imports) and its before/after hooks. */
const fileOverheadSeconds = 3;

/**
 * `files` split into `count` shares of about the same recorded time on `kind`, longest first into
 * the lightest share; a file never recorded counts as the median. Each share keeps the files' order.
 */
function splitFiles(files: string[], count: number, kind: EngineKind, durations: Durations): string[][] {
	const known = files.map(file => durations[path.relative(root, file)]?.[kind]).filter((seconds): seconds is number => seconds !== undefined).sort((a, b) => a - b);
	const median = known.length > 0 ? known[Math.floor(known.length / 2)]! : 10;
	const cost = (file: string) => (durations[path.relative(root, file)]?.[kind] ?? median) + fileOverheadSeconds;
	const shares = Array.from({length: Math.min(count, files.length)}, () => ({seconds: 0, files: [] as string[]}));
	for (const file of [...files].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b))) {
		const lightest = shares.reduce((best, share) => (share.seconds < best.seconds ? share : best));
		lightest.seconds += cost(file);
		lightest.files.push(file);
	}

	return shares.map(share => files.filter(file => share.files.includes(file)));
}

const sandboxes = new Set<Sandbox>();
let stopping: Promise<unknown> | undefined;
const stopAll = async () => (stopping ??= Promise.all([...sandboxes].map(async sandbox => sandbox.stop())));
const children = new Set<ReturnType<typeof spawn>>();
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(name, () => {
		log(`${name}: stopping ${sandboxes.size} sandbox(es)`);
		for (const child of children) {
			child.kill('SIGTERM');
		}

		void stopAll().finally(() => process.exit(130));
	});
}

/** Runs node's test runner over `files`, its output prefixed when kinds run side by side. */
async function runFiles(files: string[], env: NodeJS.ProcessEnv, label: string, sideBySide: boolean): Promise<{status: number; outcomes: TestOutcome[]}> {
	const results = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-results-')), 'results.jsonl');
	const reporter = process.stdout.isTTY ? 'spec' : 'tap';
	const status = await new Promise<number>(resolve => {
		const child = spawn(
			process.execPath,
			[
				'--import', 'tsx', '--test',
				`--test-reporter=${reporter}`, '--test-reporter-destination=stdout',
				`--test-reporter=${path.join(root, 'test', 'file-reporter.mjs')}`, `--test-reporter-destination=${results}`,
				...files,
			],
			{cwd: root, stdio: ['ignore', sideBySide ? 'pipe' : 'inherit', sideBySide ? 'pipe' : 'inherit'], env},
		);
		children.add(child);
		for (const stream of [child.stdout, child.stderr]) {
			prefixLines(stream, `[${label}] `, stream === child.stdout ? process.stdout : process.stderr);
		}

		child.on('close', code => {
			children.delete(child);
			resolve(code ?? 1);
		});
	});
	const outcomes = fs.existsSync(results)
		? fs.readFileSync(results, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as TestOutcome)
		: [];
	fs.rmSync(path.dirname(results), {recursive: true, force: true});
	return {status, outcomes};
}

function prefixLines(stream: NodeJS.ReadableStream | null, prefix: string, to: NodeJS.WritableStream): void {
	if (!stream) {
		return;
	}

	let pending = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		const lines = (pending + chunk).split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) {
			to.write(prefix + line + '\n');
		}
	});
	stream.on('end', () => pending && to.write(prefix + pending + '\n'));
}

/** The environment of a test process: never the machine's own history, settings or Docker. */
function isolatedEnv(folder: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {
		...process.env,
		KASM_TUI_LEDGER_DIR: path.join(folder, 'ledger'),
		KASM_TUI_CONFIG_DIR: path.join(folder, 'config'),
		...extra,
	};
}

/** One sandbox of `kind` running `files`, one after another; `label` prefixes its output. */
async function runOnSandbox(kind: EngineKind, files: string[], label: string, sideBySide: boolean): Promise<{status: number; ms: number; outcomes: TestOutcome[]; error?: string}> {
	const began = Date.now();
	let sandbox: Sandbox | undefined;
	try {
		sandbox = await startSandbox({kind, log: line => log(`${label}: ${line}`)});
		sandboxes.add(sandbox);
		await seedKasmRepository(sandbox);
		log(`${label}: sandbox ready with the Kasm-like repository in ${Date.now() - began} ms, ${files.length} file(s) to run`);
		const {state} = sandbox;
		const {status, outcomes} = await runFiles(
			files,
			isolatedEnv(state.dir, {KASM_TUI_SANDBOX: path.join(state.dir, 'state.json'), KASM_TUI_ENGINE: kind}),
			label,
			sideBySide,
		);
		return {status, ms: Date.now() - began, outcomes};
	} catch (error) {
		log(`${label}: could not run the tests: ${(error as Error).message}`);
		return {status: 1, ms: Date.now() - began, outcomes: [], error: (error as Error).message};
	} finally {
		if (sandbox) {
			await sandbox.stop();
			sandboxes.delete(sandbox);
		}
	}
}

/** A kind's files split between its sandboxes, all of them at once; outcomes say which sandbox ran each file. */
async function runOnEngine(kind: EngineKind, files: string[], sideBySide: boolean): Promise<Run> {
	const began = Date.now();
	const shares = splitFiles(files, sandboxesPerKind, kind, readDurations());
	const results = await Promise.all(
		shares.map(async (share, index) => runOnSandbox(kind, share, shares.length > 1 ? `${kind}#${index + 1}` : kind, sideBySide || shares.length > 1)),
	);
	const errors = results.map(result => result.error).filter(Boolean);
	return {
		kind,
		status: results.every(result => result.status === 0) ? 0 : 1,
		ms: Date.now() - began,
		outcomes: results.flatMap((result, index) => result.outcomes.map(outcome => ({...outcome, sandbox: shares.length > 1 ? index + 1 : undefined}))),
		error: errors.length > 0 ? errors.join('; ') : undefined,
		sandboxes: results.map((result, index) => ({ms: result.ms, files: shares[index]!})),
	};
}

async function runAll(kinds: EngineKind[], files: string[], sideBySide: boolean): Promise<Run[]> {
	const runs: Run[] = [];
	const queue = [...kinds];
	const atOnce = Math.min(kindsAtOnce, queue.length);
	await Promise.all(
		Array.from({length: atOnce}, async () => {
			for (let kind = queue.shift(); kind; kind = queue.shift()) {
				runs.push(await runOnEngine(kind, files, sideBySide || atOnce > 1));
			}
		}),
	);
	return runs.sort((a, b) => kinds.indexOf(a.kind as EngineKind) - kinds.indexOf(b.kind as EngineKind));
}

/** Each integration file's time on each kind of this run, over the recorded ones, into test/file-durations.json. */
function recordDurations(runs: Run[]): void {
	const durations = readDurations();
	for (const run of runs) {
		if (run.kind === 'none') {
			continue;
		}

		const sums = new Map<string, number>();
		for (const outcome of run.outcomes) {
			const file = path.relative(root, outcome.file);
			sums.set(file, (sums.get(file) ?? 0) + outcome.ms);
		}

		for (const [file, ms] of sums) {
			durations[file] = {...durations[file], [run.kind]: Math.round(ms / 100) / 10};
		}
	}

	const lines = Object.keys(durations)
		.sort()
		.map(file => `\t${JSON.stringify(file)}: {${engineKinds.filter(kind => durations[file]![kind] !== undefined).map(kind => `${JSON.stringify(kind)}: ${durations[file]![kind]}`).join(', ')}}`);
	fs.writeFileSync(durationsFile, `{\n${lines.join(',\n')}\n}\n`);
	log(`recorded each file's time on each kind in ${path.relative(root, durationsFile)}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function summarise(runs: Run[], wholeMs: number): {passed: number; failed: number} {
	const lines = ['', 'summary: which engine each file ran on'];
	const files = [...new Set(runs.flatMap(run => run.outcomes.map(outcome => outcome.file)))].sort();
	for (const file of files) {
		const cells = runs
			.filter(run => run.outcomes.some(outcome => outcome.file === file))
			.map(run => {
				const mine = run.outcomes.filter(outcome => outcome.file === file);
				const tests = mine.filter(outcome => outcome.isTest);
				const failed = tests.filter(outcome => !outcome.passed).length;
				const ms = mine.reduce((sum, outcome) => sum + outcome.ms, 0);
				const where = mine[0]?.sandbox === undefined ? run.kind : `${run.kind}#${mine[0].sandbox}`;
				return `${where} ${failed === 0 ? 'ok' : `FAILED ${failed} of`} ${tests.length} (${seconds(ms)})`;
			});
		lines.push(`  ${path.relative(root, file).padEnd(44)} ${cells.join(' · ')}`);
	}

	lines.push('', 'by engine');
	let passed = 0;
	let failed = 0;
	for (const run of runs) {
		const tests = run.outcomes.filter(outcome => outcome.isTest);
		const bad = tests.filter(outcome => !outcome.passed).length;
		passed += tests.length - bad;
		// A run that failed without a failed test (a file that did not load, a sandbox that did not start) still failed.
		failed += bad || (run.status === 0 ? 0 : 1);
		const each = (run.sandboxes ?? []).length > 1 ? ` (${run.sandboxes!.length} sandboxes: ${run.sandboxes!.map((sandbox, index) => `#${index + 1} ${sandbox.files.length} files ${seconds(sandbox.ms)}`).join(', ')})` : '';
		lines.push(
			`  ${run.kind.padEnd(16)} ${run.error ? `did not run: ${run.error}` : `${tests.length - bad} passed, ${bad} failed, exit ${run.status}`}, ${seconds(run.ms)}${each}`,
		);
	}

	lines.push(`  whole run ${seconds(wholeMs)}`);
	for (const line of lines) {
		log(line);
	}

	return {passed, failed};
}

let code = 1;
const began = Date.now();
const runs: Run[] = [];
try {
	const kinds = parseEngineKinds(process.env.KASM_TUI_ENGINES);
	execFileSync('npm', ['run', '--silent', 'build'], {cwd: root, stdio: 'inherit'});
	const files = testFiles(process.argv.slice(2));
	const withoutEngine = files.filter(file => !needsEngine(file));
	const withEngine = files.filter(file => needsEngine(file));
	if (withEngine.length > 0) {
		// Fetched once, before any kind starts, so kinds side by side do not fetch one twice.
		for (const kind of kinds) {
			engineLaunch(kind, log);
		}
	}

	// The files without an engine run beside the kinds' sandboxes, not before them: they need no
	// daemon, and the kinds' files mostly wait on theirs.
	const withoutEngineRun = async (): Promise<Run[]> => {
		if (withoutEngine.length === 0) {
			return [];
		}

		const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-unit-'));
		const start = Date.now();
		try {
			const {status, outcomes} = await runFiles(withoutEngine, isolatedEnv(folder), 'none', withEngine.length > 0);
			return [{kind: 'none', status, ms: Date.now() - start, outcomes}];
		} finally {
			fs.rmSync(folder, {recursive: true, force: true});
		}
	};

	const [unitRuns, engineRuns] = await Promise.all([withoutEngineRun(), withEngine.length > 0 ? runAll(kinds, withEngine, withoutEngine.length > 0) : []]);
	runs.push(...unitRuns, ...engineRuns);
	code = runs.every(run => run.status === 0) ? 0 : 1;
} catch (error) {
	log(`could not run the tests: ${(error as Error).message}`);
} finally {
	await stopAll();
}

const {passed, failed} = summarise(runs, Date.now() - began);
if (process.env.KASM_TUI_RECORD_DURATIONS === '1') {
	recordDurations(runs);
}

// The one closing line for the whole run, all engines together.
process.stdout.write(`total: ${passed} passed, ${failed} failed\n`);
process.exit(code);
