import packageJson from '../../package.json' with {type: 'json'};
import {commonOptions, help, isCommonOption, optionLabel, type OptionSpec} from './options.js';
import {argumentLabel, commandName, commandTable, subcommandsOf, synopsis, type CommandSpec} from './table.js';

/** The exit codes of every command (product.md), for `--help`, each command's help and the readme. */
export const exitCodes: ReadonlyArray<{code: number; meaning: string}> = [
	{code: 0, meaning: 'done'},
	{code: 1, meaning: 'failed (the plugin was left as it was)'},
	{code: 2, meaning: 'bad input (an unknown command or option, one the command does not take, a malformed value)'},
	{code: 3, meaning: 'refused (in use, read-only, no previous version, not confirmed)'},
	{code: 4, meaning: 'failed and could not be put back: the plugin is not as it was, and "kasm-tui recover <plugin>" puts it back'},
	{code: 130, meaning: 'cancelled at a prompt (ctrl-c or ctrl-d): nothing changed'},
];


/** What help is kept within: a terminal of 100 columns reads it without a ragged wrap. */
const lineWidth = 100;

/** Words filled into lines of at most `width` (help, and the .deb's description). */
export function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/)) {
		if (line !== '' && line.length + 1 + word.length > width) {
			lines.push(line);
			line = word;
		} else {
			line = line === '' ? word : `${line} ${word}`;
		}
	}

	return [...lines, line];
}

/** Rows of two columns: the second wrapped under itself, and below the first when that is too wide. */
function columns(rows: Array<[string, string]>, width = 28): string[] {
	const indent = ' '.repeat(width + 4);
	return rows.map(([left, right]) => {
		const [first = '', ...rest] = wrap(right, lineWidth - indent.length);
		const head = left.length <= width ? `  ${left.padEnd(width)}  ${first}` : `  ${left}\n${indent}${first}`;
		return [head, ...rest.map(line => indent + line)].join('\n');
	});
}

const exitCodesText = ['Exit codes:', ...columns(exitCodes.map(({code, meaning}) => [String(code).padStart(3), meaning]), 3)].join('\n');

/** `-H, --host ADDRESS`, and `    --json` in line with it. */
function optionRows(options: readonly OptionSpec[]): Array<[string, string]> {
	return options.filter(option => !option.hidden).map(option => [`${option.short ? '' : '    '}${optionLabel(option)}`, option.description]);
}

/** `kasm-tui --help`: how to run it, every command, the options most commands share, the exit codes. */
export function helpText(): string {
	const commands = commandTable.filter(command => command.path.length > 0);
	return [
		`kasm-tui ${packageJson.version}: Docker managed plugins and images of a Kasm Workspaces host`,
		'',
		'Usage:',
		'  kasm-tui [options]              open the screen',
		'  kasm-tui fleet [options]        open the fleet screen: many hosts (--host… --context…)',
		'  kasm-tui <command> [options]    run one command headless',
		'',
		'Commands:',
		...columns(commands.map(command => [synopsis(command), command.summary])),
		'',
		'Options (each command takes those its help lists):',
		...columns(optionRows(commonOptions)),
		'',
		"kasm-tui <command> --help shows that command's usage and options.",
		exitCodesText,
	].join('\n');
}

/** `kasm-tui <command> --help`: its usage, what it does, its arguments and every option it takes. */
export function commandHelpText(command: CommandSpec): string {
	if (command.path.length === 0) {
		return helpText();
	}

	const subcommands = subcommandsOf(command);
	const usage = subcommands.length > 0 ? `${commandName(command)} [${subcommands.map(candidate => candidate.path.at(-1)).join('|')} …] [options]` : synopsis(command);
	const own = command.options.filter(option => !isCommonOption(option) && !option.hidden);
	const shared = command.options.filter(option => isCommonOption(option));
	return [
		`Usage: kasm-tui ${usage}`,
		'',
		`${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
		...(subcommands.length > 0
			? ['', 'Commands:', ...columns([['(no command)', command.summary], ...subcommands.map((candidate): [string, string] => [synopsis(candidate).slice(commandName(command).length + 1), candidate.summary])])]
			: []),
		...(command.arguments.length > 0 ? ['', 'Arguments:', ...columns(command.arguments.map(argument => [argumentLabel(argument), argument.description]))] : []),
		...(own.length > 0 ? ['', 'Options:', ...columns(optionRows(own))] : []),
		'',
		own.length > 0 ? 'Common options:' : 'Options:',
		...columns(optionRows([...shared, help])),
		'',
		exitCodesText,
	].join('\n');
}

/** The readme's command table, as markdown: one row per command, its usage and what it does. */
export function readmeCommandTable(): string {
	return ['| command | does |', '| --- | --- |', ...commandTable.map(command => `| \`${['kasm-tui', synopsis(command)].join(' ').trim().replaceAll('|', '\\|')}\` | ${command.description} |`)].join(
		'\n',
	);
}
