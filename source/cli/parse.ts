import type {ParseArgsConfig} from 'node:util';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';
import {help, type OptionSpec} from './options.js';
import {commandName, commandTable, maxArguments, subcommandsOf, synopsis, type CommandSpec} from './table.js';

/** node:util as require gives it: an ES import of a built-in reads every export, and util's lazy MIMEType loads its module (see docker/transport.ts). */
const {parseArgs} = process.getBuiltinModule('node:util') as typeof import('node:util');

/** A command line read against the command table: which command, its options and its arguments. */
export interface CommandLine {
	command: CommandSpec;
	/** Each option given, by its long name: its value, its values (an option given again for more), or true. */
	values: Record<string, string | string[] | boolean | undefined>;
	/** The words after the command's own. */
	arguments: string[];
	/** `--help` was given: nothing else is read. */
	help: boolean;
	/** The command line as the debug log may keep it: every value that could be a secret is `***`. */
	forLog: string[];
}

/**
 * Reads argv for the command it names, with that command's options only: an option it does not
 * take is bad input, with a line that says which commands take it. Options may come before the
 * command (`kasm-tui -H ssh://agent-1 plugins`).
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
	const command = findCommand(argv);
	const specs = [...command.options, help];
	const config: ParseArgsConfig['options'] = {};
	for (const option of specs) {
		// Every valued option is read as a list, so one given twice is seen, not silently the last.
		config[option.name] = {type: option.value ? 'string' : 'boolean', ...(option.short ? {short: option.short} : {}), ...(option.value ? {multiple: true} : {})};
	}

	// A first, lenient pass finds --help and the options this command does not take.
	const {tokens} = parseArgs({args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true});
	if (tokens.some(token => token.kind === 'option' && token.name === 'help')) {
		return {command, values: {}, arguments: [], help: true, forLog: []};
	}

	for (const token of tokens) {
		if (token.kind === 'option' && !(token.name in config)) {
			throw new BadInput(notTaken(command, token.rawName, token.name));
		}
	}

	let parsed;
	try {
		parsed = parseArgs({args: [...argv], options: config, strict: true, allowPositionals: true});
	} catch (error) {
		// The parser quotes what it could not take (thousands of characters, escapes), twice: keep the first.
		throw new BadInput(`${clip((error as Error).message.split('. To specify a positional')[0], 200)}: see ${helpCommand(command)}`);
	}

	const {values, positionals} = parsed;
	if (command.path.some((word, index) => positionals[index] !== word)) {
		// A valued option read the command's own word as its value (`--version reinstall …`).
		throw new BadInput(`cannot tell which command this is: put the command first and its options after it (see kasm-tui --help)`);
	}

	const words = positionals.slice(command.path.length);
	if (words.length > maxArguments(command)) {
		throw new BadInput(`too many arguments for ${describeCommand(command)}: usage: kasm-tui ${synopsis(command)}`);
	}

	for (const option of specs) {
		const value = values[option.name];
		if (Array.isArray(value) && value.length > 1 && !option.multiple) {
			throw new BadInput(
				option.name === 'host'
					? `${describeCommand(command)} works on one daemon: give one --host (several hosts are for "kasm-tui fleet")`
					: `--${option.name} is given ${value.length} times: give it once`,
			);
		}
	}

	const read: CommandLine['values'] = {};
	for (const [name, value] of Object.entries(values)) {
		// Only valued options are lists here; one not given again for more is its one value.
		if (Array.isArray(value)) {
			const strings = value.map(String);
			read[name] = specs.find(option => option.name === name)?.multiple ? strings : strings[0];
		} else {
			read[name] = value;
		}
	}

	return {command, values: read, arguments: words, help: false, forLog: withoutSecrets(argv, tokens, command)};
}

type Token = ReturnType<typeof parseArgs>['tokens'] extends Array<infer T> | undefined ? T : never;

/** A password written into an address (`tcp://ops:PASSWORD@host`, also after a fleet host's `NAME=`). */
const addressPassword = /([a-z]+:\/\/[^/@:\s]*):[^/@\s]*@/gi;

/**
 * argv with the values of set's KEY=VALUE (any of which may be a password: DB_PASSWORD, a DSN)
 * and the passwords in addresses replaced by `***`, for the debug log: the file is sent along with
 * problem reports, and the secrets registry knows none of these when the command line is logged.
 */
function withoutSecrets(argv: readonly string[], tokens: Token[], command: CommandSpec): string[] {
	const logged = argv.map(argument => argument.replace(addressPassword, '$1:***@'));
	let position = 0;
	for (const token of tokens) {
		if (token.kind !== 'positional') {
			continue;
		}

		const argument = argumentAt(command, position - command.path.length);
		position++;
		if (argument?.secretValues) {
			const equals = token.value.indexOf('=');
			logged[token.index] = equals > 0 ? `${token.value.slice(0, equals)}=***` : '***';
		}
	}

	return logged;
}

/** Which of the command's arguments the word at `index` (after the command's own) is. */
function argumentAt(command: CommandSpec, index: number): CommandSpec['arguments'][number] | undefined {
	if (index < 0) {
		return undefined;
	}

	let first = 0;
	for (const argument of command.arguments) {
		const count = argument.repeats ? (argument.max ?? 1024) : 1;
		if (index < first + count) {
			return argument;
		}

		first += count;
	}

	return undefined;
}

/**
 * The command argv names, from its first words: option values are skipped as the command (or,
 * for an option it does not take, any command) would read them.
 */
function findCommand(argv: readonly string[]): CommandSpec {
	let command = commandTable.find(candidate => candidate.path.length === 0)!;
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		if (argument === '--') {
			// Only arguments follow; the command, if any, is the first of them.
			return argv[index + 1] === undefined ? command : deeper(command, argv[index + 1]!);
		}

		if (argument.startsWith('--')) {
			if (!argument.includes('=') && takesValue(command, option => option.name === argument.slice(2))) {
				index++;
			}
		} else if (argument.startsWith('-') && argument.length > 1) {
			// A group of short options (-yH ADDRESS): the first that takes a value takes the rest, or the next argument.
			for (const [at, letter] of [...argument.slice(1)].entries()) {
				if (takesValue(command, option => option.short === letter)) {
					if (at === argument.length - 2) {
						index++;
					}

					break;
				}
			}
		} else {
			const next = deeper(command, argument);
			if (next === command || subcommandsOf(next).length === 0) {
				return next;
			}

			command = next;
		}
	}

	return command;
}

/** The command one word further down, or the same one when that word is its argument. */
function deeper(command: CommandSpec, word: string): CommandSpec {
	const found = subcommandsOf(command).find(candidate => candidate.path.at(-1) === word);
	if (found) {
		return found;
	}

	if (command.arguments.length > 0) {
		return command;
	}

	throw new BadInput(
		command.path.length === 0
			? `unknown command "${clip(word, 40)}": see kasm-tui --help for the commands`
			: `unknown ${commandName(command)} command "${clip(word, 40)}": ${subcommandsOf(command)
					.map(candidate => commandName(candidate))
					.join(', ')}, or ${commandName(command)} alone (see ${helpCommand(command)})`,
	);
}

/** Whether the option takes a value: as the command reads it, else as any command that takes it does. */
function takesValue(command: CommandSpec, matches: (option: OptionSpec) => boolean): boolean {
	const own = command.options.find(option => matches(option));
	if (own) {
		return own.value !== undefined;
	}

	return commandTable.some(candidate => candidate.options.some(option => matches(option) && option.value !== undefined));
}

/** `upgrade`, `fleet upgrade`; the screens by what they are. */
export function describeCommand(command: CommandSpec): string {
	if (command.screen) {
		return command.path.length === 0 ? 'the screen' : `the ${commandName(command)} screen`;
	}

	return commandName(command);
}

function helpCommand(command: CommandSpec): string {
	return command.path.length === 0 ? 'kasm-tui --help' : `kasm-tui ${commandName(command)} --help`;
}

function clip(text: string | undefined, length: number): string {
	const clean = safeText(text);
	return clean.length > length ? `${clean.slice(0, length - 1)}…` : clean;
}

/** `reinstall, install and fleet reinstall`. */
function listOf(names: string[]): string {
	return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The line for an option the command does not take: which commands take it, or what was meant. */
function notTaken(command: CommandSpec, rawName: string, tokenName: string): string {
	// An unknown short option is named by its letter: find the long name it has elsewhere.
	const name = rawName.startsWith('--') ? tokenName : (commandTable.flatMap(candidate => candidate.options).find(option => option.short === tokenName)?.name ?? tokenName);
	const flag = clip(rawName, 60);
	const takers = commandTable.filter(candidate => candidate.options.some(option => option.name === name));
	if (takers.length === 0) {
		return `unknown option ${flag}: see ${helpCommand(command)}`;
	}

	const who = describeCommand(command);
	const hint = hintFor(command, name, takers);
	if (hint) {
		return `${who} takes no ${flag}: ${hint}`;
	}

	const names = takers.map(candidate => describeCommand(candidate));
	return names.length <= 5
		? `${who} takes no ${flag}: ${listOf(names)} ${names.length === 1 ? 'takes' : 'take'} it`
		: `${who} takes no ${flag}: it is for commands such as ${listOf(names.slice(0, 3))} (see kasm-tui --help)`;
}

const fleetChoosers = new Set(['context', 'all-contexts', 'group']);
const rolloutOptions = new Set(['canary', 'batch', 'max-failed']);

/** The common confusions, said in the operator's words. */
function hintFor(command: CommandSpec, name: string, takers: CommandSpec[]): string | undefined {
	const last = command.path.at(-1);
	const inFleet = command.path[0] === 'fleet';
	const changes = command.options.some(option => option.name === 'yes');
	switch (name) {
		case 'version': {
			if (last === 'upgrade' || last === 'rollback') {
				return `to install a given version use kasm-tui ${inFleet ? 'fleet ' : ''}reinstall <plugin> --version TAG`;
			}

			const taggers = takers.filter(candidate => candidate.options.some(option => option.name === 'version' && option.value)).map(candidate => describeCommand(candidate));
			return `kasm-tui --version alone prints kasm-tui's version; ${listOf(taggers)} take --version TAG, the tag to install`;
		}

		case 'json': {
			if (command.path.length === 0) {
				return 'it is for people: for JSON use a command, e.g. "kasm-tui plugins --json"';
			}

			return command.screen ? 'for the matrix as JSON use "kasm-tui fleet plugins --json"' : undefined;
		}

		case 'yes': {
			if (command.screen) {
				return 'the screen asks on each change, and y answers';
			}

			return last === 'upgrade-plugins' ? "it does not ask, like Kasm's script" : `${describeCommand(command)} changes nothing, so it asks nothing`;
		}

		case 'read-only': {
			return `${describeCommand(command)} changes nothing`;
		}

		case 'host': {
			return last === 'latest' ? 'latest asks the registry, not a daemon' : undefined;
		}

		default: {
			if (!inFleet && (fleetChoosers.has(name) || rolloutOptions.has(name))) {
				return `${describeCommand(command)} works on one daemon (-H ADDRESS): --${name} is for "kasm-tui fleet" and its commands`;
			}

			if (rolloutOptions.has(name) && !changes) {
				return `--${name} is for a rollout: ${listOf(takers.map(candidate => describeCommand(candidate)))} take it`;
			}

			return undefined;
		}
	}
}
