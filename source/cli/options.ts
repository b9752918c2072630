/**
 * Every option kasm-tui takes, each defined once. The command table (table.ts) lists which
 * command takes which; the parser, `--help`, the readme's table (and later the man page and the
 * shell completions) are all read from there.
 */
export interface OptionSpec {
	/** The long name without its dashes: `host` for `--host`. */
	readonly name: string;
	/** The one-letter form: `H` for `-H`. */
	readonly short?: string;
	/** The value's name in help (`ADDRESS`, `N`, `FILE`); a switch has none. */
	readonly value?: string;
	/** Given again for more (`--host a --host b`); any other option given twice is bad input. */
	readonly multiple?: boolean;
	/** What it does, one line for `--help`. */
	readonly description: string;
	/** What a shell completes its value with: a file, a folder, or one of these words. */
	readonly complete?: 'file' | 'directory' | readonly string[];
	/** The command cannot do without it: its usage shows it unbracketed. */
	readonly required?: boolean;
	/** Taken but never shown (help, man page, completions): what the shell completions themselves call. */
	readonly hidden?: boolean;
}

/** The same option with what it does for one command, said in that command's words. */
export function described(option: OptionSpec, description: string): OptionSpec {
	return {...option, description};
}

/** The same option, which this command cannot do without. */
export function required(option: OptionSpec): OptionSpec {
	return {...option, required: true};
}

/** The same option, taken but never shown. */
export function hidden(option: OptionSpec): OptionSpec {
	return {...option, hidden: true};
}

export const help: OptionSpec = {name: 'help', short: 'h', description: 'this help'};

/** Where the daemon is. A fleet's hosts are `fleetHost`. */
export const host: OptionSpec = {
	name: 'host',
	short: 'H',
	value: 'ADDRESS',
	description: 'the daemon: unix:///path, tcp://HOST:PORT, ssh://USER@HOST (default: DOCKER_HOST, else the docker context, else unix:///var/run/docker.sock)',
};

export const tlsInsecure: OptionSpec = {
	name: 'tls-insecure',
	description: 'speak TLS to a daemon whose certificate is not checked (without it, refused: set DOCKER_TLS_VERIFY=1 to check it)',
};

export const ledgerDir: OptionSpec = {
	name: 'ledger-dir',
	value: 'DIR',
	description: 'where version history is kept (env KASM_TUI_LEDGER_DIR; default /var/lib/kasm-tui/ledger for root)',
	complete: 'directory',
};

export const debugLog: OptionSpec = {
	name: 'debug',
	value: 'FILE',
	description: 'log what kasm-tui asks the daemon and registries to FILE, owner-only, with every secret removed',
	complete: 'file',
};

export const json: OptionSpec = {name: 'json', description: 'print JSON for scripts instead of text'};

export const yes: OptionSpec = {name: 'yes', short: 'y', description: 'go ahead without asking (without a terminal, nothing changes unless given)'};

export const readOnly: OptionSpec = {name: 'read-only', description: 'refuse every change'};

/** `kasm-tui --version`: kasm-tui's own. */
export const kasmTuiVersion: OptionSpec = {name: 'version', short: 'v', description: 'the version of kasm-tui'};

/** `--version TAG` of reinstall, as Kasm's upgrade_plugins spells it. */
export const versionTag: OptionSpec = {
	name: 'version',
	value: 'TAG',
	description: "the tag of the plugin's repository to install (or sha256:… a build of its history, see history's BUILD)",
};

export const alias: OptionSpec = {name: 'alias', value: 'NAME', description: 'the name to install it under (default: the registry reference)'};

export const pluginName: OptionSpec = {name: 'name', value: 'NAME', description: 'the plugin; alone, a force upgrade'};
export const rollback: OptionSpec = {name: 'rollback', description: 'reinstall the previous version, pinned'};
export const reinstall: OptionSpec = {name: 'reinstall', description: 'install the tag --version names'};

export const disable: OptionSpec = {name: 'disable', description: 'leave it installed but disabled'};

export const maxPulls: OptionSpec = {name: 'max-pulls', value: 'N', description: 'image pulls at once, 1 to 64 (default 2, or the maxPulls setting)'};

export const follow: OptionSpec = {name: 'follow', short: 'f', description: 'keep printing new lines until ctrl-c'};
export const since: OptionSpec = {name: 'since', value: 'DURATION', description: 'only lines of the last 90s, 10m, 2h, 1d (or 1h30m)'};
export const daemonLog: OptionSpec = {
	name: 'daemon-log',
	value: 'FILE',
	description: "the daemon's log file (default: the daemonLog setting, else journald when docker runs under systemd, else /var/log/docker.log and the syslog files)",
	complete: 'file',
};

/** What the shell completions call for a <plugin> argument: the plugin names, one a line, or nothing. */
export const pluginNames: OptionSpec = {name: 'plugin-names', hidden: true, description: 'the names of the plugins, one a line; nothing when no daemon answers'};

/** The fleet's hosts: flags, contexts, a Kasm inventory, or the settings' `hosts` of a group. */
export const fleetHost: OptionSpec = {name: 'host', short: 'H', value: '[NAME=]ADDRESS', multiple: true, description: 'a host, named NAME (again for more)'};
export const context: OptionSpec = {name: 'context', value: 'NAME', multiple: true, description: 'a docker context as a host (again for more)'};
export const allContexts: OptionSpec = {name: 'all-contexts', description: 'every docker context'};
export const group: OptionSpec = {name: 'group', value: 'NAME', description: "the settings' hosts of that group, or the inventory's (zone1_agent, zone1); default all"};
export const inventory: OptionSpec = {name: 'inventory', value: 'FILE', description: "the hosts of a Kasm Ansible inventory (YAML or INI), reached over ssh as it says", complete: 'file'};
export const role: OptionSpec = {name: 'role', value: 'ROLE', description: "the inventory's hosts of that Kasm role in every zone", complete: ['agent', 'web', 'db', 'guac', 'proxy']};

/** prune's `--keep N`: older builds of a repository beyond its newest N go too. */
export const keep: OptionSpec = {name: 'keep', value: 'N', description: 'also remove the builds of each repository older than its newest N, 1 to 1000 (never one a container uses)'};

/** How a rollout goes: canaries first, then batches, stopping at the first failure. */
export const canary: OptionSpec = {name: 'canary', value: 'HOST', multiple: true, description: 'change this host first, alone (again for more)'};
export const batch: OptionSpec = {name: 'batch', value: 'N', description: 'hosts at once after the canaries (default 1)'};
export const maxFailed: OptionSpec = {name: 'max-failed', value: 'N', description: 'failed hosts to go on past (default 0)'};

/** The host pool's bound and a change step's deadline (source/hosts/pool.ts). */
export const parallel: OptionSpec = {name: 'parallel', value: 'N', description: 'hosts connecting at once, 1 to 1024 (default 16)'};
export const stepTimeout: OptionSpec = {
	name: 'step-timeout',
	value: 'SECONDS',
	description: 'how long a change step on a host may go without a word from it, 1 to 3600 (default 120); a pull that reports progress is alive',
};
/** Live Kasm sessions (containers labelled kasm.kasmid) on a host whose plugin a change touches. */
export const sessions: OptionSpec = {
	name: 'sessions',
	value: 'MODE',
	description: 'live Kasm sessions on the host: refuse the change (default), wait for them to end, or ignore them and go ahead',
	complete: ['refuse', 'wait', 'ignore'],
};
/** Kasm's own procedure for a plugin its services use: stop Kasm, change it, start Kasm (flows/kasm-restart.ts). */
export const withKasmRestart: OptionSpec = {
	name: 'with-kasm-restart',
	description:
		"when Kasm's own services use the plugin: stop Kasm (KASM/bin/stop), change it, start Kasm (KASM/bin/start), then the health gate and its services running again; Kasm is started again if the change fails (this machine, or the host over ssh with sudo -n)",
};
export const kasmDir: OptionSpec = {name: 'kasm-dir', value: 'DIR', description: 'Kasm\'s folder, with bin/stop and bin/start, for --with-kasm-restart (default /opt/kasm/current, else /opt/kasm)'};
export const sessionsTimeout: OptionSpec = {name: 'sessions-timeout', value: 'S', description: 'how long --sessions wait waits, in seconds, before it refuses (default 3600)'};

/**
 * Options many commands share, shown in `kasm-tui --help` once and left out of each command's
 * one-line usage; a command's own options (`--version TAG`, `--follow`) are in its usage.
 */
export const commonOptions: readonly OptionSpec[] = [
	host,
	fleetHost,
	context,
	allContexts,
	inventory,
	group,
	role,
	tlsInsecure,
	json,
	yes,
	readOnly,
	sessions,
	sessionsTimeout,
	ledgerDir,
	debugLog,
	help,
	kasmTuiVersion,
];

// By name and value: `--version` alone is kasm-tui's (common), `--version TAG` reinstall's own.
const key = (option: OptionSpec) => `${option.name}=${option.value ?? ''}`;
const commonKeys = new Set(commonOptions.map(option => key(option)));

export function isCommonOption(option: OptionSpec): boolean {
	return commonKeys.has(key(option));
}

/** `-H, --host ADDRESS` as help shows it. */
export function optionLabel(option: OptionSpec): string {
	return `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`;
}
