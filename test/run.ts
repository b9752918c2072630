/**
 * `npm test`: builds the bin, runs the unit and screen tests once, then starts a sandbox (a
 * private dockerd and registry on loopback) for each engine kind and runs every integration
 * file against it. KASM_TUI_ENGINES=26.1,20.10 narrows the kinds (default: all of them). Every
 * sandbox started is stopped whatever happens, ctrl-c included; the summary says which engine
 * each file ran on, how it went and how long each kind took.
 */
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {engineLaunch, parseEngineKinds, type EngineKind} from './sandbox/engines.js';
import {seedKasmRepository} from './sandbox/fixtures.js';
import {startSandbox, type Sandbox} from './sandbox/sandbox.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`# ${line}\n`);
/**
 * Kinds run side by side, at most this many at once (KASM_TUI_ENGINES_AT_ONCE, default all three):
 * a kind's files mostly wait on its daemon, so three at once take ~16 min where one after another
 * took ~27 on 2 cores (see the readme).
 */
const kindsAtOnce = Math.max(1, Number(process.env.KASM_TUI_ENGINES_AT_ONCE) || 3);

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
}

interface Run {
	/** The engine kind, or `none` for the files that need no engine. */
	kind: EngineKind | 'none';
	status: number;
	ms: number;
	outcomes: TestOutcome[];
	/** Set when the kind could not even start (its sandbox failed). */
	error?: string;
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

async function runOnEngine(kind: EngineKind, files: string[], sideBySide: boolean): Promise<Run> {
	const began = Date.now();
	let sandbox: Sandbox | undefined;
	try {
		sandbox = await startSandbox({kind, log: line => log(`${kind}: ${line}`)});
		sandboxes.add(sandbox);
		await seedKasmRepository(sandbox);
		log(`${kind}: sandbox ready with the Kasm-like repository in ${Date.now() - began} ms`);
		const {state} = sandbox;
		const {status, outcomes} = await runFiles(
			files,
			isolatedEnv(state.dir, {KASM_TUI_SANDBOX: path.join(state.dir, 'state.json'), KASM_TUI_ENGINE: kind}),
			kind,
			sideBySide,
		);
		return {kind, status, ms: Date.now() - began, outcomes};
	} catch (error) {
		log(`${kind}: could not run the tests: ${(error as Error).message}`);
		return {kind, status: 1, ms: Date.now() - began, outcomes: [], error: (error as Error).message};
	} finally {
		if (sandbox) {
			await sandbox.stop();
			sandboxes.delete(sandbox);
		}
	}
}

async function runAll(kinds: EngineKind[], files: string[]): Promise<Run[]> {
	const runs: Run[] = [];
	const queue = [...kinds];
	const atOnce = Math.min(kindsAtOnce, queue.length);
	await Promise.all(
		Array.from({length: atOnce}, async () => {
			for (let kind = queue.shift(); kind; kind = queue.shift()) {
				runs.push(await runOnEngine(kind, files, atOnce > 1));
			}
		}),
	);
	return runs.sort((a, b) => kinds.indexOf(a.kind as EngineKind) - kinds.indexOf(b.kind as EngineKind));
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
				return `${run.kind} ${failed === 0 ? 'ok' : `FAILED ${failed} of`} ${tests.length} (${seconds(ms)})`;
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
		lines.push(
			`  ${run.kind.padEnd(16)} ${run.error ? `did not run: ${run.error}` : `${tests.length - bad} passed, ${bad} failed, exit ${run.status}`}, ${seconds(run.ms)}`,
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

	if (withoutEngine.length > 0) {
		const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-unit-'));
		const start = Date.now();
		try {
			const {status, outcomes} = await runFiles(withoutEngine, isolatedEnv(folder), 'none', false);
			runs.push({kind: 'none', status, ms: Date.now() - start, outcomes});
		} finally {
			fs.rmSync(folder, {recursive: true, force: true});
		}
	}

	if (withEngine.length > 0) {
		runs.push(...(await runAll(kinds, withEngine)));
	}

	code = runs.every(run => run.status === 0) ? 0 : 1;
} catch (error) {
	log(`could not run the tests: ${(error as Error).message}`);
} finally {
	await stopAll();
}

const {passed, failed} = summarise(runs, Date.now() - began);
// The one closing line for the whole run, all engines together.
process.stdout.write(`total: ${passed} passed, ${failed} failed\n`);
process.exit(code);
