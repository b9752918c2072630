import packageJson from '../../package.json' with {type: 'json'};
import {exitCodes} from './help.js';
import {commonOptions, isCommonOption, optionLabel, type OptionSpec} from './options.js';
import {argumentLabel, commandTable, synopsis, type CommandSpec} from './table.js';

/**
 * kasm-tui(1), the man page the .deb installs, made from the command table like `--help` and the
 * readme's table: every command with its usage, what it does, its arguments and its options.
 */

/** Characters roff would misread, and the few non-ASCII ones of the table, as every output device draws them. */
const glyphs: Record<string, string> = {'→': '\\(->', '×': '\\(mu', '…': '...', '≥': '\\(>=', '≤': '\\(<=', '—': '\\(em', '–': '\\(en'};

/**
 * Text as roff prints it: backslashes escaped, every `-` a minus sign (so `--host` can be copied
 * from the page), non-ASCII characters as groff's names for them.
 */
export function roffText(text: string): string {
	return [...text.replaceAll('\\', '\\e').replaceAll('-', '\\-')]
		.map(char => (char.codePointAt(0)! < 0x80 ? char : (glyphs[char] ?? `\\[u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)))
		.join('');
}

/** The table's markdown (`code`, **strong**) as roff text, code in bold. */
function fromMarkdown(text: string): string {
	return text
		.split(/(`[^`]*`|\*\*[^*]+\*\*)/)
		.map(part => (part.startsWith('`') || part.startsWith('**') ? `\\fB${roffText(part.replace(/^(`|\*\*)|(`|\*\*)$/g, ''))}\\fR` : roffText(part)))
		.join('');
}

/** Lines of a page: a line of text that begins with `.` or `'` would be read as a request, so it begins with `\&`. */
export function textLine(text: string): string {
	return /^[.']/.test(text) ? `\\&${text}` : text;
}

/** A tagged paragraph: the tag in bold, the text under it. */
function tagged(tag: string, text: string): string[] {
	return ['.TP', textLine(`\\fB${tag}\\fR`), textLine(text)];
}

function optionEntry(option: OptionSpec): string[] {
	return tagged(roffText(optionLabel(option)), fromMarkdown(option.description));
}

/** `kasm-tui upgrade <plugin> [--yes]`: how a command is run, in bold, with each of its words. */
function usage(command: CommandSpec): string {
	return roffText(['kasm-tui', synopsis(command)].join(' ').trim());
}

function commandEntry(command: CommandSpec): string[] {
	const own = command.options.filter(option => !option.hidden && !isCommonOption(option));
	const shared = command.options.filter(option => !option.hidden && isCommonOption(option));
	return [
		...tagged(usage(command), `${fromMarkdown(command.description)}.`),
		'.RS',
		...command.arguments.flatMap(argument => tagged(roffText(argumentLabel(argument)), fromMarkdown(argument.description))),
		...own.flatMap(option => optionEntry(option)),
		...(shared.length > 0 ? ['.PP', textLine(`Also ${shared.map(option => `\\fB${roffText(`--${option.name}`)}\\fR`).join(', ')} (see \\fBOPTIONS\\fR).`)] : []),
		'.RE',
	];
}

/** What kasm-tui reads from its environment, and what each does. */
const environment: Array<[string, string]> = [
	['DOCKER_HOST', 'the daemon when no --host is given: unix:///path, tcp://HOST:PORT or ssh://USER@HOST.'],
	['DOCKER_CONTEXT', "the docker context whose daemon to use when neither --host nor DOCKER_HOST is given (else the docker config's currentContext)."],
	['DOCKER_CONFIG', "the docker CLI's config folder (default ~/.docker): contexts, and registry credentials (credHelpers, credsStore, auths)."],
	['DOCKER_TLS_VERIFY, DOCKER_CERT_PATH', "TLS to a tcp:// daemon, its certificate checked with the CA in DOCKER_CERT_PATH; TLS unchecked is refused unless --tls-insecure asks for it."],
	['KASM_TUI_LEDGER_DIR', 'where the version history of each plugin is kept (as --ledger-dir).'],
	['KASM_TUI_CONFIG_DIR', 'the folder of the settings file (default $XDG_CONFIG_HOME/kasm-tui, else ~/.config/kasm-tui).'],
	['KASM_TUI_API_TIMEOUT', 'seconds a read from a daemon may wait (default 60; a host of the fleet, 10); changes and pulls are not cut short.'],
	['KASM_TUI_CODE_CACHE', '0: the npm install keeps no code cache of its starts (also NODE_DISABLE_COMPILE_CACHE); the single executable carries its own.'],
	['NO_COLOR', 'set (to anything): no colour on the screen.'],
	['SUDO_USER', 'the operator recorded in the ledger when kasm-tui runs under sudo.'],
	['XDG_STATE_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME', 'where the ledger (when not root), the settings and the npm install\'s code cache are kept by default.'],
];

const files: Array<[string, string]> = [
	['/var/lib/kasm-tui/ledger/', "root's ledger: one owner-only JSON-lines file per plugin, every version installed; another daemon's below it in hosts/ID/."],
	['~/.local/state/kasm-tui/ledger/', 'the ledger of anyone else.'],
	['~/.config/kasm-tui/config.json', 'settings: maxPulls, updateCheckTtlSeconds, recheckIntervalSeconds, daemonLog, hosts, rolloutSettleSeconds.'],
	['~/.cache/kasm-tui/code/', 'the npm install\'s V8 code cache: what each command compiled, for faster starts; safe to remove.'],
	['/var/run/docker.sock', 'the daemon when nothing else names one.'],
	['~/.docker/config.json', 'registry credentials and the current docker context, as the docker CLI keeps them.'],
];

/** The page, as roff for man(7). `date`: the day the page says it was made (SOURCE_DATE_EPOCH, else today). */
export function manPage({date = buildDate()}: {date?: string} = {}): string {
	const lines = [
		`.\\" kasm-tui(1), made from kasm-tui's command table (source/cli/man-page.ts): edit that, not this.`,
		`.TH KASM\\-TUI 1 "${date}" "kasm\\-tui ${roffText(packageJson.version)}" "User Commands"`,
		'.SH NAME',
		`kasm\\-tui \\- ${roffText('the Docker managed plugins and images of a Kasm Workspaces host: versions, rollback, upgrades, in-use status')}`,
		'.SH SYNOPSIS',
		'.B kasm\\-tui',
		'[\\fIoptions\\fR]',
		'.br',
		'.B kasm\\-tui',
		'\\fIcommand\\fR [\\fIarguments\\fR] [\\fIoptions\\fR]',
		'.br',
		'.B kasm\\-tui fleet',
		'[\\fIcommand\\fR] [\\fIarguments\\fR] [\\fIoptions\\fR]',
		'.SH DESCRIPTION',
		textLine(
			fromMarkdown(
				"kasm-tui shows every managed plugin and image of a Docker daemon on one screen, which version of a plugin is installed and what it was before, what depends on it, and runs upgrades, rollbacks and reinstalls with a confirmation that says exactly what will happen. Run alone it opens that screen (it needs a terminal: `ssh -t`); `kasm-tui fleet` opens the same over many hosts.",
			),
		),
		'.PP',
		textLine(
			fromMarkdown(
				"Each command runs headless on the same core, for a host's start-up scripts and an operator's own: plain text for people, JSON with `--json`. A command that changes something shows its plan first (the steps, the docker command each equals, the privileges the daemon asks for) and asks; `--yes` answers for scripts, and without a terminal nothing changes unless `--yes` is given. Every attempt is recorded in the plugin's ledger, which rollback reads. A failed step undoes the steps before it.",
			),
		),
		'.PP',
		textLine(
			fromMarkdown(
				'The daemon is `--host`, else `DOCKER_HOST`, else the docker context, else `/var/run/docker.sock`. A command takes its own options and no others: an option it does not take is bad input (exit 2).',
			),
		),
		'.SH COMMANDS',
		...commandTable.flatMap(command => commandEntry(command)),
		'.SH OPTIONS',
		textLine('The options most commands share; each command above says which of them it takes.'),
		...commonOptions.flatMap(option => optionEntry(option)),
		'.SH EXIT STATUS',
		...exitCodes.flatMap(({code, meaning}) => tagged(String(code), `${fromMarkdown(meaning)}.`)),
		'.SH ENVIRONMENT',
		...environment.flatMap(([name, text]) => tagged(roffText(name), fromMarkdown(text))),
		'.SH FILES',
		...files.flatMap(([file, text]) => ['.TP', `\\fI${roffText(file)}\\fR`, textLine(fromMarkdown(text))]),
		'.SH SEE ALSO',
		'.BR docker (1),',
		'.BR dockerd (8),',
		'.BR ssh_config (5)',
		'',
	];
	return lines.join('\n');
}

/** The day a build says it was made: SOURCE_DATE_EPOCH (reproducible builds), else today. */
function buildDate(env: NodeJS.ProcessEnv = process.env): string {
	const epoch = Number(env.SOURCE_DATE_EPOCH);
	return (Number.isFinite(epoch) && env.SOURCE_DATE_EPOCH ? new Date(epoch * 1000) : new Date()).toISOString().slice(0, 10);
}

