import * as option from './options.js';
import {described, hidden, isCommonOption, required, type OptionSpec} from './options.js';

/**
 * The command table: every way to run kasm-tui (the screen, each command, the fleet's screen and
 * its commands), with its arguments and the options it takes. Plain data: the parser, `--help`,
 * each command's help and the readme's table are made from it, and so can a man page and the
 * shell completions. What each command runs is in run.ts, so reading the table loads no command.
 */

export interface ArgumentSpec {
	/** As usage shows it: lower case is a placeholder (`plugin` → `<plugin>`), upper case a form (`KEY=VALUE`). */
	readonly name: string;
	readonly description: string;
	readonly optional?: boolean;
	/** Given any number of times, up to `max`. */
	readonly repeats?: boolean;
	readonly max?: number;
	/** What a shell completes it with: a kind of name, or one of these words. */
	readonly complete?: 'plugin' | 'reference' | 'image' | 'fleet-host' | readonly string[];
	/** Its values may be secrets (`set`'s KEY=VALUE): never written to the debug log. */
	readonly secretValues?: boolean;
}

export interface CommandSpec {
	/** The words that name it: none for the screen, `['fleet', 'upgrade']` for a fleet command. */
	readonly path: readonly string[];
	/** One line for `kasm-tui --help`. */
	readonly summary: string;
	/** What it does in full, in markdown: the readme's table and the man page. */
	readonly description: string;
	readonly arguments: readonly ArgumentSpec[];
	/** Every option it takes, in the order its help lists them; nothing else is accepted. */
	readonly options: readonly OptionSpec[];
	/** The usage when its arguments and options cannot say it (alternatives). */
	readonly synopsis?: string;
	/** Draws a screen: needs a terminal, and is never run headless. */
	readonly screen?: boolean;
}

/** Where the daemon is and where its history is kept: every command that talks to one daemon takes these. */
const daemon = [option.host, option.tlsInsecure, option.ledgerDir, option.debugLog];
/** The hosts of a fleet: flags, contexts, a Kasm inventory, or the settings' hosts of a group. */
const fleetHosts = [option.fleetHost, option.context, option.allContexts, option.inventory, option.group, option.role, option.tlsInsecure];
const rolloutOptions = [option.canary, option.batch, option.maxFailed, option.stepTimeout, option.parallel];
/** What every change takes. */
const change = [option.yes, option.readOnly];
/** What a change of an installed plugin does about live Kasm sessions on its host. */
const sessions = [option.sessions, option.sessionsTimeout];
/** A change of a plugin that Kasm's services use: Kasm stopped before it and started after. */
const kasmRestart = [option.withKasmRestart, option.kasmDir];
const jsonResult = described(option.json, 'the result as JSON (the plan goes to standard error)');
const refusePulls = described(option.readOnly, 'refuse to pull');

/** The shells `kasm-tui completion` writes a script for. */
export const shells = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof shells)[number];

const plugin: ArgumentSpec = {name: 'plugin', description: 'an installed plugin, by its name (as plugins lists it)', complete: 'plugin'};
const hosts: ArgumentSpec = {name: 'HOST', description: 'only these hosts of the fleet (default: all)', optional: true, repeats: true, max: 1024, complete: 'fleet-host'};

export const commandTable: readonly CommandSpec[] = [
	{
		path: [],
		summary: 'open the screen',
		description: "the screen: plugins, images, the selected plugin's detail",
		arguments: [],
		options: [
			...daemon,
			option.readOnly,
			described(option.daemonLog, "the daemon's log file the l key reads (default: as logs finds it)"),
			described(option.kasmDir, "Kasm's folder, with bin/stop and bin/start, for the K key (default /opt/kasm/current, else /opt/kasm)"),
			option.kasmTuiVersion,
		],
		screen: true,
	},
	{
		path: ['plugins'],
		summary: 'the plugins: name, reference, enabled, rolling, in use by what',
		description: 'the plugins: name, reference, enabled, rolling, in use by which networks, volumes, containers',
		arguments: [],
		options: [
			...daemon,
			described(option.json, 'one JSON list: name, reference, tag, id, enabled, rolling, privileges, usedBy, settings'),
			described(option.readOnly, 'record nothing (listing records plugins the history does not know yet)'),
		],
	},
	{
		path: ['history'],
		summary: "the plugin's ledger: every version installed, newest first",
		description: "the plugin's ledger: every version installed, when, by what, with what outcome",
		arguments: [plugin],
		options: [...daemon, described(option.json, 'the entries as JSON'), described(option.readOnly, 'write nothing, not even the ledger folder\'s note of its daemon')],
	},
	{
		path: ['tags'],
		summary: "the registry's tags for it, newest version first",
		description: "the registry's tags, newest version first; for a plugin, which tag its build is",
		arguments: [{name: 'plugin-or-ref', description: 'an installed plugin, or a repository reference', complete: 'reference'}],
		options: [...daemon, described(option.json, 'each tag with its version, architecture, pre-release, rolling and, for a plugin, installed')],
	},
	{
		path: ['latest'],
		summary: 'the newest release tag under a prefix: repo:amd64-1.2 -> repo:amd64-1.2.10',
		description:
			'the newest release under a prefix: `kasmweb/kasm-network-plugin:amd64-1.2` → `…:amd64-1.2.10`; plain versions too: `registry/private/app:2` → `…:2.0.3`, `kasmweb/chrome:1.16` → the newest `1.16.x`',
		arguments: [{name: 'ref', description: 'repo:[arch-]major[.minor], or plain versions: repo:2 -> repo:2.0.3', complete: 'reference'}],
		// It asks the registry only: no daemon, so no --host.
		options: [described(option.json, 'the reference, the tag and the repository'), option.debugLog],
	},
	{
		path: ['upgrade'],
		summary: 'force upgrade from its remote reference (pulls even if unchanged)',
		description: 'force upgrade from its remote reference (disable, pull, enable)',
		arguments: [plugin],
		options: [...change, ...sessions, ...kasmRestart, jsonResult, ...daemon],
	},
	{
		path: ['rollback'],
		summary: 'reinstall the previous build in its history, pinned (no longer rolling)',
		description:
			'reinstall the previous build in its history, found by content, and pin it; a build no release tag names any more goes by its digest on Docker 26.0 or newer (25.0.3+, 23.0.11+), and is refused on older daemons, which crash on digests (moby/moby#47299)',
		arguments: [plugin],
		options: [...change, ...sessions, ...kasmRestart, jsonResult, ...daemon],
	},
	{
		path: ['reinstall'],
		summary: "install that tag of the plugin's repository",
		description: "install that tag of its repository; `--version sha256:…` a build of its history by digest (see `history`'s BUILD column)",
		arguments: [plugin],
		options: [required(option.versionTag), option.alias, ...change, ...sessions, ...kasmRestart, jsonResult, ...daemon],
	},
	{
		path: ['auto-update'],
		summary: 'upgrade every rolling plugin that nothing uses; report the rest',
		description: 'upgrade every rolling plugin that nothing uses; report the rest with the reason',
		arguments: [],
		options: [...change, ...sessions, described(option.json, 'one outcome per plugin as JSON'), ...daemon],
	},
	{
		path: ['recover'],
		summary: 'put back a plugin that a killed kasm-tui left half-changed',
		description: 'put back a plugin that a killed kasm-tui left half-changed',
		arguments: [plugin],
		options: [...change, ...daemon],
	},
	{
		path: ['images'],
		summary: 'the images: repository, tag, id, size, created, in use by, update available',
		description: 'the images: repository, tag, id, size, age, containers using each, and whether a newer build is behind the tag in its registry',
		arguments: [{name: 'REPOSITORY[:TAG]', description: 'only the images of that repository (and tag)', optional: true, complete: 'image'}],
		options: [...daemon, described(option.json, 'one JSON list, with updateAvailable (null when it could not be checked)')],
	},
	{
		path: ['pull'],
		summary: 'pull images with progress, at most --max-pulls (default 2) at a time',
		description: "pull with progress per layer, at most N at a time (default 2, like Kasm's agents); one failure does not stop the others",
		arguments: [{name: 'image', description: 'an image reference', repeats: true, max: 256, complete: 'image'}],
		options: [option.maxPulls, refusePulls, described(option.json, 'one result per image as JSON'), ...daemon],
	},
	{
		path: ['upgrade-plugins'],
		summary: "Kasm's upgrade_plugins flags, for scripts that call it (does not ask)",
		description: "Kasm's `upgrade_plugins` flags, for scripts that call it",
		synopsis: 'upgrade-plugins --name N [--rollback | --reinstall --version V [--alias A]]',
		arguments: [],
		options: [
			option.pluginName,
			option.rollback,
			option.reinstall,
			described(option.versionTag, 'with --reinstall: the tag to install'),
			described(option.alias, 'with --reinstall: the name to install under'),
			option.readOnly,
			...sessions,
			jsonResult,
			...daemon,
		],
	},
	{
		path: ['install'],
		summary: 'install a new plugin, its privileges shown and granted exactly as the daemon asks',
		description:
			'install a new plugin: the plan lists the privileges exactly as the daemon asks for them (`!` marks those that reach into the host) and grants exactly those; a name already installed is refused (exit 3)',
		arguments: [{name: 'reference', description: 'the plugin in its registry: repository:tag', complete: 'reference'}],
		options: [described(option.alias, 'the name to install it under (default: the reference)'), option.disable, ...change, jsonResult, ...daemon],
	},
	{
		path: ['logs'],
		summary: "the daemon's log lines of that plugin (plugin=<id>), oldest first",
		description: "the daemon's log lines of that plugin (`plugin=<id>`), oldest first: what it prints on stdout (info) and stderr (error)",
		arguments: [plugin],
		options: [option.follow, option.since, option.daemonLog, described(option.json, 'one JSON object per line: time, level, message, line'), ...daemon],
	},
	{
		path: ['set'],
		summary: "change a plugin's settings: disable, set, enable (undone if it fails)",
		description: 'change its settings (`DEBUG=1`, `data.source=/srv`, `args=--verbose`): disable, set, enable; put back if it does not start',
		arguments: [
			plugin,
			{
				name: 'KEY=VALUE',
				description: 'an env variable (DEBUG=1), a mount or device (data.source=/srv), or the args (args=--verbose); only settable ones, as plugins --json shows them',
				repeats: true,
				max: 64,
				secretValues: true,
			},
		],
		options: [...change, ...sessions, ...kasmRestart, jsonResult, ...daemon],
	},
	{
		path: ['fleet'],
		summary: 'open the fleet screen: many hosts (--host… --context…)',
		description: "the fleet screen: the hosts, the plugins × hosts matrix with drift marked, each cell's detail, rollouts from keys (below)",
		arguments: [],
		options: [...fleetHosts, ...rolloutOptions, option.readOnly, option.ledgerDir, option.debugLog],
		screen: true,
	},
	{
		path: ['fleet', 'plugins'],
		summary: 'each host: engine, reachable, builds side by side (! marks drift)',
		description:
			"many hosts at once: each one's engine and whether it answered (and why not), each plugin's build by release tag, `!` where one plugin runs different builds on different hosts",
		arguments: [hosts],
		options: [
			...fleetHosts,
			option.parallel,
			described(option.json, "{hosts: [...]}: each host's name, address, reachable, error, engine, tlsVerified, and its plugins with build and drift"),
			described(option.readOnly, 'record nothing'),
			option.ledgerDir,
			option.debugLog,
		],
	},
	{
		path: ['fleet', 'images'],
		summary: 'images x hosts: each host current, behind or missing, in use, ! where hosts differ',
		description:
			"each repository:tag across the hosts: each host's build by digest, whether it is the registry's current build (one HEAD per tag for the whole fleet), `missing`, in use by how many containers and Kasm sessions; `K` marks Kasm workspace images (`com.kasmweb.image=true`), `!` where the hosts differ; the registry's `ratelimit-remaining` when it sends one",
		arguments: [hosts],
		options: [
			...fleetHosts,
			option.parallel,
			described(option.json, '{hosts, images: [{repository, tag, kasmImage, registryDigest, drift, hosts: {NAME: {state, build, inUse, sessions}}}], rateLimits}'),
			option.debugLog,
		],
	},
	{
		path: ['fleet', 'pull'],
		summary: 'pull images to many hosts: at most --max-pulls (default 2) on each host',
		description:
			"pull to every host (or the HOSTs named: an argument that names a host of the fleet is a host, any other an image), at most N at a time on each host and `--parallel` hosts at once, each with this machine's docker credentials for the image's registry; one host's or image's failure stops nothing else, and the report says what failed where (exit 1)",
		arguments: [{name: 'IMAGE', description: 'an image reference', repeats: true, max: 256, complete: 'image'}, hosts],
		options: [option.maxPulls, option.parallel, option.stepTimeout, refusePulls, described(option.json, 'one result per host and image as JSON: host, image, result, digest or error'), ...fleetHosts, option.debugLog],
	},
	...(['upgrade', 'rollback', 'reinstall'] as const).map(
		(action): CommandSpec => ({
			path: ['fleet', action],
			summary: `a rollout of ${action === 'upgrade' ? 'an upgrade' : `a ${action}`}: canaries, then batches, a health gate after each host`,
			description:
				action === 'upgrade'
					? 'a rollout: the plan for every host, one confirmation, canaries first (`--canary HOST`), then batches (`--batch N`), a health gate after each host; it stops at the first host that fails (`--max-failed N` goes on past N)'
					: `a rollout of \`${action}\`, as \`fleet upgrade\` goes`,
			arguments: [plugin, hosts],
			options: [
				...(action === 'reinstall' ? [required(option.versionTag), option.alias] : []),
				...rolloutOptions,
				...change,
				...sessions,
				...kasmRestart,
				described(option.json, "the result: each host's outcome, as JSON"),
				...fleetHosts,
				option.ledgerDir,
				option.debugLog,
			],
		}),
	),
	{
		path: ['fleet', 'auto-update'],
		summary: 'auto-update on every host, as a rollout',
		description: 'auto-update on every host, as a rollout',
		arguments: [hosts],
		options: [...rolloutOptions, ...change, ...sessions, described(option.json, "the result: each host's outcome, as JSON"), ...fleetHosts, option.ledgerDir, option.debugLog],
	},
	{
		path: ['prune'],
		summary: 'remove image builds nothing uses and no tag names (and older ones beyond --keep N), sizes shown, confirmed',
		description:
			"remove the image builds no container uses (running or stopped) and no tag names, and with `--keep N` each repository's builds older than its newest N: listed per host with the space each gives back and the `docker image rm` it equals, confirmed once; each build is looked at again just before it goes (one a container was made from since is kept, exit 3), and the space the daemon's disk usage (/system/df) shows freed is reported per host",
		arguments: [hosts],
		options: [
			option.keep,
			...change,
			described(option.json, "{hosts: [...], freed}: each host's disk before and after, the builds planned, removed and kept, and the bytes freed (the plan goes to standard error)"),
			option.parallel,
			option.stepTimeout,
			...fleetHosts,
			option.ledgerDir,
			option.debugLog,
		],
	},
	{
		path: ['doctor'],
		summary: 'what needs an operator: Kasm/Docker misfits, plugins behind or disabled, live sessions, images behind',
		description:
			"what needs an operator on the host, each with the command that deals with it: a Kasm release (from its kasm_* services' image tags) that does not fit this Docker (the facts and their sources in --json), rolling plugins behind their registry, disabled plugins, live Kasm sessions, images behind their tag; exit 0 when nothing is found, 1 otherwise",
		arguments: [],
		options: [described(option.json, "{ok, hosts: [{docker, kasm, liveSessions, findings: [{kind, subject, problem, command, sources}]}], facts}"), ...daemon],
	},
	{
		path: ['fleet', 'doctor'],
		summary: 'doctor on every host of the fleet',
		description: "doctor on every host of the fleet, each within its own timeout; an unreachable host is a finding",
		arguments: [hosts],
		options: [described(option.json, "{ok, hosts: [...], facts}: each host's findings"), option.parallel, ...fleetHosts, option.ledgerDir, option.debugLog],
	},
	{
		path: ['completion'],
		summary: 'the shell completion script: bash, zsh or fish',
		description:
			"the shell's completion script (`source <(kasm-tui completion bash)`; the .deb installs all three): commands, each one's options, and plugin names from the daemon",
		synopsis: 'completion bash|zsh|fish',
		arguments: [{name: 'shell', description: 'bash, zsh or fish', complete: shells}],
		// The script calls `completion --plugin-names` with the --host typed on the line.
		options: [option.pluginNames, hidden(option.host), hidden(option.tlsInsecure)],
	},
];

/** `fleet upgrade`, or '' for the screen: how errors and help name a command. */
export function commandName(command: CommandSpec): string {
	return command.path.join(' ');
}

/** The commands one word further down: `fleet`'s are `fleet plugins`, `fleet upgrade`, … */
export function subcommandsOf(command: CommandSpec): CommandSpec[] {
	return commandTable.filter(candidate => candidate.path.length === command.path.length + 1 && command.path.every((word, index) => candidate.path[index] === word));
}

/** `<plugin>`, `[HOST…]`, `KEY=VALUE…`. */
export function argumentLabel(argument: ArgumentSpec): string {
	const shown = /^[a-z]/.test(argument.name) ? `<${argument.name}>` : argument.name;
	if (argument.optional) {
		return `[${shown}${argument.repeats ? '…' : ''}]`;
	}

	return `${shown}${argument.repeats ? '…' : ''}`;
}

/** How many arguments it takes at most. */
export function maxArguments(command: CommandSpec): number {
	return command.arguments.reduce((sum, argument) => sum + (argument.repeats ? (argument.max ?? 1024) : 1), 0);
}

/**
 * The usage line: the command, its arguments, then its own options (the common ones are said
 * once in `kasm-tui --help`): `reinstall <plugin> --version TAG [--alias NAME]`.
 */
export function synopsis(command: CommandSpec): string {
	if (command.synopsis) {
		return command.synopsis;
	}

	const own = command.options.filter(candidate => !isCommonOption(candidate) && !candidate.hidden);
	const label = (candidate: OptionSpec) => `--${candidate.name}${candidate.value ? ` ${candidate.value}` : ''}`;
	return [
		...command.path,
		...command.arguments.filter(argument => !argument.optional).map(argument => argumentLabel(argument)),
		...own.filter(candidate => candidate.required).map(candidate => label(candidate)),
		...command.arguments.filter(argument => argument.optional).map(argument => argumentLabel(argument)),
		...own.filter(candidate => !candidate.required).map(candidate => `[${label(candidate)}]${candidate.multiple ? '…' : ''}`),
	].join(' ');
}
