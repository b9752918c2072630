import packageJson from '../../package.json' with {type: 'json'};
import type {CommandContext} from '../commands/context.js';
import {unverifiedTlsWarning} from '../commands/tls.js';
import {resolveTarget} from '../hosts/resolve.js';
import type {EngineTarget} from '../docker/target.js';
import {splitHostFlag} from '../hosts/selection.js';
import {BadInput, KasmTuiError, type ExitCode} from '../errors.js';
import {debug, debugLogFile, openDebugLog} from '../debug.js';
import {printable, printableLines, safeText} from '../text.js';
import {commandHelpText} from './help.js';
import {parseCommandLine, type CommandLine} from './parse.js';
import {commandRuns} from './run.js';
import {commandName} from './table.js';
import type {SessionMode, SessionPolicy} from '../flows/sessions.js';
import type {KasmRestartRequest} from '../flows/kasm-restart.js';
import {checkedKasmDir} from './kasm-dir.js';

/** Defined only in the single executable's bundle (source/build/build.ts). */
declare const KASM_TUI_EXECUTABLE: boolean | undefined;

/** Where a run writes: the process's streams, or a test's buffers. */
export interface Output {
	stdout: (text: string) => void;
	stderr: (text: string) => void;
}

const processOutput: Output = {stdout: text => process.stdout.write(text), stderr: text => process.stderr.write(text)};

/**
 * One run of kasm-tui: reads the command line against the command table and runs the screen or
 * one command. Errors are thrown, typed, for reportError; nothing here exits the process.
 */
export async function main(argv: string[], output: Output = processOutput): Promise<ExitCode> {
	const line = parseCommandLine(argv);
	if (line.help) {
		output.stdout(commandHelpText(line.command) + '\n');
		return 0;
	}

	if (line.values.version === true) {
		// The architecture too: the same version ships as linux-x64 and linux-arm64 files and .debs.
		output.stdout(`kasm-tui ${packageJson.version} (node ${process.version}${typeof KASM_TUI_EXECUTABLE === 'boolean' ? ', single executable' : ''}, ${process.platform}-${process.arch})\n`);
		return 0;
	}

	const debugFile = stringOption(line, 'debug');
	if (debugFile !== undefined) {
		try {
			openDebugLog(debugFile);
		} catch (error) {
			throw new BadInput(`cannot write the debug log ${safeText(debugFile).slice(0, 200)} (${(error as NodeJS.ErrnoException).code ?? 'error'}): give --debug a file in a folder that exists`);
		}

		debug('run', `kasm-tui ${packageJson.version} on Node ${process.version}`, {argv: line.forLog.map(argument => safeText(argument).slice(0, 200))});
	}

	const context = commandContext(line, output);
	if (!line.command.screen) {
		compileWebAssemblyOnce();
	}

	const run = commandRuns[commandName(line.command)];
	if (!run) {
		throw new KasmTuiError(`kasm-tui cannot run "${commandName(line.command)}": its command table has no code for it`);
	}

	return (await run(context, line.arguments)) ?? 0;
}

function stringOption(line: CommandLine, name: string): string | undefined {
	const value = line.values[name];
	return typeof value === 'string' ? value : undefined;
}

function stringOptions(line: CommandLine, name: string): string[] | undefined {
	const value = line.values[name];
	return Array.isArray(value) ? value : undefined;
}

/** What the command's code gets: the options it takes, read, and where its output goes. */
function commandContext(line: CommandLine, output: Output): CommandContext {
	const takesOneHost = line.command.options.some(option => option.name === 'host' && !option.multiple);
	const flag = (name: string) => line.values[name] === true;
	// One daemon is found at once, so a bad address is bad input before anything runs; a name before = is only a label.
	const host = stringOption(line, 'host');
	const tlsInsecure = flag('tls-insecure');
	let target: EngineTarget | undefined = takesOneHost ? resolveTarget({host: host === undefined ? undefined : splitHostFlag(host).address, tlsInsecure}) : undefined;
	const warning = target && !line.command.screen ? unverifiedTlsWarning([{target}]) : undefined;
	if (warning) {
		// The screen says it in its header; a headless command, with or without --json, here.
		output.stderr(`${printable(warning)}\n`);
	}

	return {
		// A fleet's hosts are in hostSelection; a command without --host that asks for one gets the default daemon.
		get target() {
			target ??= resolveTarget({tlsInsecure});
			return target;
		},
		tlsInsecure,
		json: flag('json'),
		yes: flag('yes'),
		readOnly: flag('read-only'),
		ledgerDir: stringOption(line, 'ledger-dir'),
		tag: stringOption(line, 'version'),
		alias: stringOption(line, 'alias'),
		pluginName: stringOption(line, 'name'),
		rollback: flag('rollback'),
		reinstall: flag('reinstall'),
		maxPulls: parseCount(stringOption(line, 'max-pulls'), '--max-pulls'),
		keep: parseCount(stringOption(line, 'keep'), '--keep', 1, 1000),
		disable: flag('disable'),
		follow: flag('follow'),
		since: stringOption(line, 'since'),
		daemonLog: stringOption(line, 'daemon-log'),
		listPluginNames: flag('plugin-names'),
		hostSelection: takesOneHost
			? undefined
			: {
					hosts: stringOptions(line, 'host') ?? [],
					contexts: stringOptions(line, 'context'),
					allContexts: flag('all-contexts'),
					inventory: stringOption(line, 'inventory'),
					group: stringOption(line, 'group'),
					role: stringOption(line, 'role'),
					tlsInsecure,
				},
		canaries: stringOptions(line, 'canary'),
		batch: parseCount(stringOption(line, 'batch'), '--batch'),
		maxFailed: parseCount(stringOption(line, 'max-failed'), '--max-failed', 0),
		parallel: parseCount(stringOption(line, 'parallel'), '--parallel', 1, 1024),
		stepTimeoutMs: parseSeconds(stringOption(line, 'step-timeout'), '--step-timeout', 1, 3600),
		sessions: sessionPolicy(stringOption(line, 'sessions'), stringOption(line, 'sessions-timeout')),
		kasmRestart: kasmRestart(line, flag('with-kasm-restart'), stringOption(line, 'kasm-dir')),
		print: text => output.stdout(printableLines(text) + '\n'),
		warn: text => output.stderr(printableLines(text) + '\n'),
	};
}

/**
 * For headless commands: fetch's WebAssembly parser is compiled once, by Liftoff, not again by
 * TurboFan at exit (source/registry/transport.ts sets the flag at the first fetch, so a command
 * that asks no registry never loads node:v8). The mark is a global symbol so this module, which
 * every start loads, does not load the registry's.
 */
function compileWebAssemblyOnce(): void {
	(globalThis as Record<symbol, unknown>)[Symbol.for('kasm-tui.liftoff-only')] = true;
}

/**
 * `--with-kasm-restart` and `--kasm-dir DIR`; undefined when not asked for. The screen takes
 * `--kasm-dir` alone: its K key asks for the restart.
 */
function kasmRestart(line: CommandLine, asked: boolean, dir: string | undefined): KasmRestartRequest | undefined {
	const checked = dir === undefined ? undefined : checkedKasmDir(dir);
	if (line.command.screen) {
		return checked === undefined ? undefined : {dir: checked};
	}

	if (dir !== undefined && !asked) {
		throw new BadInput('--kasm-dir is where Kasm\'s scripts are for --with-kasm-restart: give it with --with-kasm-restart');
	}

	return asked ? {dir: checked} : undefined;
}

/** `--sessions MODE` and `--sessions-timeout S`; undefined when neither is given (refuse). */
function sessionPolicy(mode: string | undefined, timeout: string | undefined): SessionPolicy | undefined {
	if (mode === undefined && timeout === undefined) {
		return undefined;
	}

	if (mode !== undefined && !['refuse', 'wait', 'ignore'].includes(mode)) {
		throw new BadInput(`--sessions takes refuse, wait or ignore, not "${safeText(mode).slice(0, 20)}"`);
	}

	const seconds = timeout === undefined ? 3600 : Number(timeout);
	if (!Number.isInteger(seconds) || seconds < 0 || seconds > 7 * 24 * 3600) {
		throw new BadInput(`--sessions-timeout takes whole seconds from 0 to 604800, not "${safeText(timeout).slice(0, 20)}"`);
	}

	if (timeout !== undefined && mode !== 'wait') {
		throw new BadInput('--sessions-timeout is how long --sessions wait waits: give it with --sessions wait');
	}

	return {mode: (mode ?? 'refuse') as SessionMode, timeoutSeconds: seconds};
}

function parseCount(text: string | undefined, flag: string, minimum = 1, maximum = 64): number | undefined {
	if (text === undefined) {
		return undefined;
	}

	const count = Number(text);
	if (text.trim() === '' || !Number.isInteger(count) || count < minimum || count > maximum) {
		throw new BadInput(`${flag} takes a whole number from ${minimum} to ${maximum}, not "${safeText(text).slice(0, 20)}"`);
	}

	return count;
}

/** Seconds as milliseconds: a whole or decimal number of seconds within the bounds. */
function parseSeconds(text: string | undefined, flag: string, minimum: number, maximum: number): number | undefined {
	if (text === undefined) {
		return undefined;
	}

	const seconds = Number(text);
	if (text.trim() === '' || !Number.isFinite(seconds) || seconds < minimum || seconds > maximum) {
		throw new BadInput(`${flag} takes seconds from ${minimum} to ${maximum}, not "${safeText(text).slice(0, 20)}"`);
	}

	return Math.round(seconds * 1000);
}

/** The one place that turns errors into exit codes and one line for people. */
export function reportError(error: unknown, output: Output = processOutput): ExitCode {
	debug('error', 'the run ended with an error', {error});
	if (error instanceof KasmTuiError) {
		output.stderr(`kasm-tui: ${printable(error.message)}\n`);
		return error.exitCode;
	}

	output.stderr(`kasm-tui: unexpected error: ${printable((error as Error)?.message ?? error).slice(0, 300)}${debugLogFile() ? '' : ' (run with --debug FILE for details)'}\n`);
	return 1;
}
