import process from 'node:process';
import {parseArgs} from 'node:util';
import v8 from 'node:v8';
import packageJson from '../package.json' with {type: 'json'};
import type {CommandContext} from './commands/context.js';
import {resolveTarget} from './hosts/resolve.js';
import {hostsFromFlags, pickHosts, selectHosts, splitHostFlag} from './hosts/selection.js';
import {fleetTimeoutMs} from './docker/transport.js';
import {Engine} from './docker/engine.js';
import {listPluginsWithUsage} from './docker/usage.js';
import {BadInput, KasmTuiError, type ExitCode} from './errors.js';
import {debug, debugLogFile, openDebugLog} from './debug.js';
import {printable, safeText} from './text.js';

interface CommandSpec {
	name: string;
	usage: string;
	summary: string;
	/** Loaded on demand, so `kasm-tui plugins` never loads the screen (ink, react). */
	run: (context: CommandContext, positionals: string[]) => Promise<void>;
	maxArguments: number;
	/** The options of its own, for `kasm-tui <command> --help`: [flag, what it does]. */
	options?: Array<[string, string]>;
}

/** The commands' code, loaded on demand; the executable loads all of it to make its code cache. */
const load = {
	plugins: async () => import('./commands/plugins.js'),
	history: async () => import('./commands/history.js'),
	tags: async () => import('./commands/tags.js'),
	latest: async () => import('./commands/latest.js'),
	images: async () => import('./commands/images.js'),
	flows: async () => import('./commands/flows.js'),
	pull: async () => import('./commands/pull.js'),
	install: async () => import('./commands/install.js'),
	logs: async () => import('./commands/logs.js'),
	set: async () => import('./commands/set.js'),
	fleet: async () => import('./commands/fleet.js'),
};

/** What every change takes; listed in each change's own help. */
const changeOptions: Array<[string, string]> = [
	['-y, --yes', 'go ahead without asking (without a terminal, nothing changes unless given)'],
	['--read-only', 'refuse the change'],
	['--ledger-dir DIR', 'where version history is kept (env KASM_TUI_LEDGER_DIR)'],
];
const jsonResult: [string, string] = ['--json', 'the result as JSON (the plan goes to standard error)'];

const commands: CommandSpec[] = [
	{
		name: 'plugins',
		usage: 'plugins',
		summary: 'the plugins: name, reference, enabled, rolling, in use by what',
		maxArguments: 0,
		options: [['--json', 'one JSON list: name, reference, tag, id, enabled, rolling, privileges, usedBy, settings']],
		run: async context => {
			// The requests leave before the command's code loads: the daemon answers while Node loads
			// and compiles the rest (~14 ms of a 150 ms run). A failure is reported where it is awaited.
			const engine = Engine.open(context.target);
			// The daemon's ID (/info, for its ledger) is asked at the same time.
			engine.then(async opened => opened.info()).catch(() => {});
			const listing = engine.then(async opened => listPluginsWithUsage(opened));
			listing.catch(() => {});
			return (await load.plugins()).pluginsCommand(context, listing, engine);
		},
	},
	{
		name: 'history',
		usage: 'history <plugin>',
		summary: "the plugin's ledger: every version installed, newest first",
		maxArguments: 1,
		options: [['--json', 'the entries as JSON'], ['--ledger-dir DIR', 'where version history is kept (env KASM_TUI_LEDGER_DIR)']],
		run: async (context, positionals) => (await load.history()).historyCommand(context, positionals),
	},
	{
		name: 'tags',
		usage: 'tags <plugin-or-ref>',
		summary: "the registry's tags for it, newest version first",
		maxArguments: 1,
		options: [['--json', 'each tag with its version, architecture, pre-release, rolling and, for a plugin, installed']],
		run: async (context, positionals) => (await load.tags()).tagsCommand(context, positionals),
	},
	{
		name: 'latest',
		usage: 'latest <ref>',
		summary: 'the newest release tag under a prefix: repo:amd64-1.2 -> repo:amd64-1.2.10',
		maxArguments: 1,
		options: [
			['<ref>', 'repo:[arch-]major[.minor], or plain versions: repo:2 -> repo:2.0.3'],
			['--json', 'the reference, the tag and the repository'],
		],
		run: async (context, positionals) => (await load.latest()).latestCommand(context, positionals),
	},
	{
		name: 'upgrade',
		usage: 'upgrade <plugin>',
		summary: 'force upgrade from its remote reference (pulls even if unchanged)',
		maxArguments: 1,
		options: [...changeOptions, jsonResult],
		run: async (context, positionals) => (await load.flows()).upgradeCommand(context, positionals),
	},
	{
		name: 'rollback',
		usage: 'rollback <plugin>',
		summary: 'reinstall the previous build in its history, pinned (no longer rolling)',
		maxArguments: 1,
		options: [...changeOptions, jsonResult],
		run: async (context, positionals) => (await load.flows()).rollbackCommand(context, positionals),
	},
	{
		name: 'reinstall',
		usage: 'reinstall <plugin> --version TAG [--alias NAME]',
		summary: "install that tag of the plugin's repository",
		maxArguments: 1,
		options: [
			['--version TAG', "the tag of the plugin's repository to install"],
			['--alias NAME', 'the name to install it under (default: the registry reference)'],
			...changeOptions,
			jsonResult,
		],
		run: async (context, positionals) => (await load.flows()).reinstallCommand(context, positionals),
	},
	{
		name: 'auto-update',
		usage: 'auto-update',
		summary: 'upgrade every rolling plugin that nothing uses; report the rest',
		maxArguments: 0,
		options: [...changeOptions, ['--json', 'one outcome per plugin as JSON']],
		run: async (context, positionals) => (await load.flows()).autoUpdateCommand(context, positionals),
	},
	{
		name: 'recover',
		usage: 'recover <plugin>',
		summary: 'put back a plugin that a killed kasm-tui left half-changed',
		maxArguments: 1,
		options: changeOptions,
		run: async (context, positionals) => (await load.flows()).recoverCommand(context, positionals),
	},
	{
		name: 'images',
		usage: 'images [REPOSITORY[:TAG]]',
		summary: 'the images: repository, tag, id, size, created, in use by, update available',
		maxArguments: 1,
		options: [['--json', 'one JSON list, with updateAvailable (null when it could not be checked)']],
		run: async (context, positionals) => (await load.images()).imagesCommand(context, positionals),
	},
	{
		name: 'pull',
		usage: 'pull <image>... [--max-pulls N]',
		summary: 'pull images with progress, at most --max-pulls (default 2) at a time',
		maxArguments: 256,
		options: [
			['--max-pulls N', 'image pulls at once, 1 to 64 (default 2, or the maxPulls setting)'],
			['--read-only', 'refuse to pull'],
			['--json', 'one result per image as JSON'],
		],
		run: async (context, positionals) => (await load.pull()).pullCommand(context, positionals),
	},
	{
		name: 'upgrade-plugins',
		usage: 'upgrade-plugins --name N [--rollback | --reinstall --version V [--alias A]]',
		summary: "Kasm's upgrade_plugins flags, for scripts that call it (does not ask)",
		maxArguments: 0,
		options: [
			['--name NAME', 'the plugin; alone, a force upgrade'],
			['--rollback', 'reinstall the previous version, pinned'],
			['--reinstall --version TAG', 'install that tag'],
			['--alias NAME', 'with --reinstall: the name to install under'],
		],
		run: async context => (await load.flows()).upgradePluginsCommand(context),
	},
	{
		name: 'install',
		usage: 'install <reference> [--alias NAME] [--disable]',
		summary: 'install a new plugin, its privileges shown and granted exactly as the daemon asks',
		maxArguments: 1,
		options: [
			['--alias NAME', 'the name to install it under (default: the reference)'],
			['--disable', 'leave it installed but disabled'],
			...changeOptions,
			jsonResult,
		],
		run: async (context, positionals) => (await load.install()).installCommand(context, positionals),
	},
	{
		name: 'logs',
		usage: 'logs <plugin> [--follow] [--since DURATION] [--daemon-log FILE]',
		summary: "the daemon's log lines of that plugin (plugin=<id>), oldest first",
		maxArguments: 1,
		options: [
			['-f, --follow', 'keep printing new lines until ctrl-c'],
			['--since DURATION', 'only lines of the last 90s, 10m, 2h, 1d (or 1h30m)'],
			['--daemon-log FILE', "the daemon's log file (default: the daemonLog setting, else journald"],
			['', 'when docker runs under systemd, else /var/log/docker.log and the syslog files)'],
			['--json', 'one JSON object per line: time, level, message, line'],
		],
		run: async (context, positionals) => (await load.logs()).logsCommand(context, positionals),
	},
	{
		name: 'set',
		usage: 'set <plugin> KEY=VALUE...',
		summary: "change a plugin's settings: disable, set, enable (undone if it fails)",
		maxArguments: 65,
		options: [
			['KEY=VALUE', 'an env variable (DEBUG=1), a mount or device (data.source=/srv),'],
			['', 'or the args (args=--verbose); only settable ones, as plugins shows them'],
			...changeOptions,
			jsonResult,
		],
		run: async (context, positionals) => (await load.set()).setCommand(context, positionals),
	},
	{
		name: 'fleet',
		usage: 'fleet [plugins|upgrade|rollback|reinstall|auto-update …]',
		summary: 'many hosts: the fleet screen, their builds side by side, or a rollout host by host',
		maxArguments: 1024,
		options: [
			['(no command)', 'the fleet screen: the hosts, the plugins × hosts matrix, rollouts from keys'],
			['plugins [HOST…]', "each host: engine, reachable, builds (! marks drift)"],
			['upgrade <plugin> [HOST…]', 'a rollout; also rollback, and reinstall --version TAG'],
			['auto-update [HOST…]', 'auto-update on every host, as a rollout'],
			['--host [NAME=]ADDRESS', 'a host (again for more)'],
			['--context NAME', 'a docker context as a host (again for more)'],
			['--all-contexts', 'every docker context'],
			['--group NAME', "the settings' hosts of that group (default: all)"],
			['--canary HOST', 'change this host first, alone (again for more)'],
			['--batch N', 'hosts at once after the canaries (default 1)'],
			['--max-failed N', 'failed hosts to go on past (default 0)'],
			...changeOptions,
			['--json', 'the matrix, or each host\'s outcome, as JSON'],
		],
		run: async (context, positionals) => {
			if (positionals.length === 0) {
				return openFleet(context);
			}

			const early = positionals[0] === 'plugins' ? openHostsEarly(context, positionals.slice(1)) : undefined;
			return (await load.fleet()).fleetCommand(context, positionals, early);
		},
	},
];

/** Defined only in the single executable's bundle (source/build.ts). */
declare const KASM_TUI_EXECUTABLE: boolean | undefined;

export {load as commandModules};

/**
 * `fleet plugins` on hosts named on the command line: each host's connection opens (an ssh
 * handshake is most of the run) while the command's code loads, as `plugins` sends its requests.
 */
function openHostsEarly(context: CommandContext, names: string[]): Map<string, Promise<Engine>> | undefined {
	const selection = context.hostSelection ?? {};
	if (!hostsFromFlags(selection)) {
		return undefined;
	}

	const engines = new Map<string, Promise<Engine>>();
	for (const host of pickHosts(selectHosts(selection), names)) {
		const engine = Engine.open(host.target, {timeoutMs: fleetTimeoutMs()});
		// The version is the first thing the fleet asks; a failure is reported where it is awaited.
		engine.then(async opened => opened.version()).catch(() => {});
		engines.set(host.name, engine);
	}

	return engines;
}

/** `kasm-tui fleet` alone: the fleet screen, on the hosts the other fleet commands take. */
async function openFleet(context: CommandContext): Promise<void> {
	if (context.json) {
		throw new BadInput('"kasm-tui fleet" alone opens the fleet screen: for the matrix as JSON use "kasm-tui fleet plugins --json"');
	}

	const {openFleetScreen} = await import('./app/fleet/open-fleet-screen.js');
	await openFleetScreen({
		hosts: async () => (await load.fleet()).fleetHosts(context, []),
		readOnly: context.readOnly,
		ledgerDir: context.ledgerDir,
		rollout: {canaries: context.canaries, batch: context.batch, maxFailed: context.maxFailed},
	});
}

/** Commands where `--version` is the tag to install, as in Kasm's script, not kasm-tui's own version. */
const takesVersionTag = new Set(['reinstall', 'upgrade-plugins', 'fleet']);

const globalOptions = {
	host: {type: 'string', short: 'H', multiple: true},
	context: {type: 'string', multiple: true},
	'all-contexts': {type: 'boolean'},
	group: {type: 'string'},
	canary: {type: 'string', multiple: true},
	batch: {type: 'string'},
	'max-failed': {type: 'string'},
	json: {type: 'boolean'},
	yes: {type: 'boolean', short: 'y'},
	'read-only': {type: 'boolean'},
	'ledger-dir': {type: 'string'},
	help: {type: 'boolean', short: 'h'},
	version: {type: 'boolean', short: 'v'},
	alias: {type: 'string'},
	name: {type: 'string'},
	rollback: {type: 'boolean'},
	reinstall: {type: 'boolean'},
	'max-pulls': {type: 'string'},
	debug: {type: 'string'},
	disable: {type: 'boolean'},
	follow: {type: 'boolean', short: 'f'},
	since: {type: 'string'},
	'daemon-log': {type: 'string'},
} as const;

const tagOptions = {...globalOptions, version: {type: 'string'}} as const;

const exitCodes = [
	'Exit codes: 0 done, 1 failed (the plugin was left as it was), 2 bad input,',
	'3 refused, 4 failed and could not be put back: the plugin is not as it was, and',
	'"kasm-tui recover <plugin>" puts it back (the message says what state it is in).',
].join('\n');

function helpText(): string {
	const width = 28;
	const commandLine = (command: CommandSpec) =>
		command.usage.length <= width ? `  ${command.usage.padEnd(width)}  ${command.summary}` : `  ${command.usage}\n  ${' '.repeat(width)}  ${command.summary}`;
	return [
		`kasm-tui ${packageJson.version}: Docker managed plugins and images of a Kasm Workspaces host`,
		'',
		'Usage:',
		'  kasm-tui [options]              open the screen',
		'  kasm-tui fleet [options]        open the fleet screen: many hosts (--host… --context…)',
		'  kasm-tui <command> [options]    run one command headless',
		'',
		'Commands:',
		...commands.map(command => commandLine(command)),
		'',
		'Options:',
		'  -H, --host ADDRESS   the daemon: unix:///path, tcp://HOST:PORT, ssh://USER@HOST',
		'                       (default: DOCKER_HOST, else the docker context, else',
		'                       unix:///var/run/docker.sock); with fleet, once per host,',
		'                       as [NAME=]ADDRESS',
		'      --context NAME   with fleet: a docker context as a host (again for more)',
		'      --all-contexts   with fleet: every docker context',
		'      --group NAME     with fleet: the settings\' hosts of that group',
		'      --canary NAME    with fleet: change this host first (again for more)',
		'      --batch N        with fleet: hosts at once after the canaries (1)',
		'      --max-failed N   with fleet: failed hosts to go on past (0)',
		'      --json           print JSON for scripts instead of text',
		'  -y, --yes            change things without asking',
		'      --read-only      refuse every change',
		'      --ledger-dir DIR where version history is kept (env KASM_TUI_LEDGER_DIR)',
		'  -h, --help           this text',
		'  -v, --version        the version of kasm-tui (with reinstall: the tag to install)',
		'      --alias NAME     with reinstall and install: the name to install under',
		'      --disable        with install: leave the new plugin disabled',
		'      --max-pulls N    with pull: image pulls at once (default 2, or the settings)',
		'  -f, --follow         with logs: keep printing new lines',
		'      --since D        with logs: only the last D (90s, 10m, 2h, 1d)',
		'      --daemon-log F   with logs and the screen: the daemon\'s log is the file F',
		'      --debug FILE     log what kasm-tui asks the daemon and registries to FILE,',
		'                       owner-only, with every secret removed',
		'',
		'kasm-tui <command> --help shows that command\'s usage and options.',
		exitCodes,
	].join('\n');
}

/** `kasm-tui <command> --help`: its usage, what it does, its own options, and where the rest are. */
function commandHelpText(command: CommandSpec): string {
	const options = command.options ?? [];
	const width = Math.max(0, ...options.map(([flag]) => flag.length));
	return [
		`Usage: kasm-tui ${command.usage}`,
		'',
		`${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
		...(options.length > 0 ? ['', 'Options:', ...options.map(([flag, what]) => `  ${flag.padEnd(width)}  ${what}`)] : []),
		'',
		'Every command also takes -H/--host ADDRESS (the daemon) and --debug FILE; see kasm-tui --help.',
		exitCodes,
	].join('\n');
}

/** Where a run writes: the process's streams, or a test's buffers. */
export interface Output {
	stdout: (text: string) => void;
	stderr: (text: string) => void;
}

const processOutput: Output = {stdout: text => process.stdout.write(text), stderr: text => process.stderr.write(text)};

/**
 * One run of kasm-tui: parses the arguments and runs the screen or one command. Errors are
 * thrown, typed, for reportError; nothing here exits the process.
 */
export async function main(argv: string[], output: Output = processOutput): Promise<ExitCode> {
	let parsed;
	try {
		const command = argv.find(argument => commands.some(candidate => candidate.name === argument));
		const options = command && takesVersionTag.has(command) ? tagOptions : globalOptions;
		parsed = parseArgs({args: argv, options, allowPositionals: true, strict: true});
	} catch (error) {
		// The parser quotes what it could not take (thousands of characters, escapes), twice: keep the first.
		const words = safeText((error as Error).message.split('. To specify a positional')[0]);
		throw new BadInput(`${words.length > 200 ? `${words.slice(0, 199)}…` : words}: see kasm-tui --help`);
	}

	const {values, positionals} = parsed;
	if (values.help) {
		const named = commands.find(candidate => candidate.name === positionals[0]);
		output.stdout((named ? commandHelpText(named) : helpText()) + '\n');
		return 0;
	}

	if (values.version === true) {
		output.stdout(`kasm-tui ${packageJson.version} (node ${process.version}${typeof KASM_TUI_EXECUTABLE === 'boolean' ? ', single executable' : ''})\n`);
		return 0;
	}

	if (values.debug) {
		try {
			openDebugLog(values.debug);
		} catch (error) {
			throw new BadInput(`cannot write the debug log ${safeText(values.debug).slice(0, 200)} (${(error as NodeJS.ErrnoException).code ?? 'error'}): give --debug a file in a folder that exists`);
		}

		debug('run', `kasm-tui ${packageJson.version} on Node ${process.version}`, {argv: argv.map(argument => safeText(argument).slice(0, 200))});
	}

	const [name, ...rest] = positionals;
	const hosts = values.host ?? [];
	if (name !== 'fleet' && (hosts.length > 1 || values.context || values['all-contexts'] || values.group)) {
		throw new BadInput(`${name ?? 'the screen'} works on one daemon: give one --host (several hosts, --context and --group are for "kasm-tui fleet")`);
	}

	// A fleet finds its own hosts; one daemon is found as always (a name before = is only a label).
	const target = name === 'fleet' ? undefined : resolveTarget({host: hosts[0] === undefined ? undefined : splitHostFlag(hosts[0]).address});
	if (name === undefined) {
		const {openScreen} = await import('./app/open-screen.js');
		return openScreen({target: target!, readOnly: Boolean(values['read-only']), ledgerDir: values['ledger-dir'], daemonLog: values['daemon-log']});
	}

	const command = commands.find(candidate => candidate.name === name);
	if (!command) {
		throw new BadInput(`unknown command "${safeText(name).slice(0, 40)}": see kasm-tui --help for the commands`);
	}

	if (rest.length > command.maxArguments) {
		throw new BadInput(`too many arguments for ${command.name}: usage: kasm-tui ${command.usage}`);
	}

	const context: CommandContext = {
		// The fleet's hosts are in hostSelection; a stray use of `target` there is the one a lone command would take.
		get target() {
			return target ?? resolveTarget();
		},
		json: Boolean(values.json),
		yes: Boolean(values.yes),
		readOnly: Boolean(values['read-only']),
		ledgerDir: values['ledger-dir'],
		tag: typeof values.version === 'string' ? values.version : undefined,
		alias: values.alias,
		pluginName: values.name,
		rollback: values.rollback,
		reinstall: values.reinstall,
		maxPulls: parseCount(values['max-pulls'], '--max-pulls'),
		disable: values.disable,
		follow: values.follow,
		since: values.since,
		daemonLog: values['daemon-log'],
		hostSelection: {hosts, contexts: values.context, allContexts: values['all-contexts'], group: values.group},
		canaries: values.canary,
		batch: parseCount(values.batch, '--batch'),
		maxFailed: parseCount(values['max-failed'], '--max-failed', 0),
		print: text => output.stdout(printableLines(text)),
		warn: text => output.stderr(printableLines(text)),
	};
	if (!(name === 'fleet' && rest.length === 0)) {
		compileWebAssemblyOnce();
	}

	await command.run(context, rest);
	return 0;
}

/**
 * For headless commands: V8 compiles undici's WebAssembly HTTP parser (fetch: the registry
 * client) a second time with TurboFan in the background, and a process that used it then waits
 * ~100 ms at exit for that to finish. Liftoff's first code is fast enough for a registry's few
 * answers. Not for a screen, whose layout (yoga) is WebAssembly that runs at every frame.
 */
function compileWebAssemblyOnce(): void {
	v8.setFlagsFromString('--liftoff-only');
}

/** Every line a command prints, cleaned where it leaves: whatever made it, no escape and no secret reach the terminal. */
function printableLines(text: string): string {
	return text.split('\n').map(line => printable(line)).join('\n') + '\n';
}

function parseCount(text: string | undefined, flag: string, minimum = 1): number | undefined {
	if (text === undefined) {
		return undefined;
	}

	const count = Number(text);
	if (!Number.isInteger(count) || count < minimum || count > 64) {
		throw new BadInput(`${flag} takes a whole number from ${minimum} to 64, not "${safeText(text).slice(0, 20)}"`);
	}

	return count;
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

