import process from 'node:process';
import {parseArgs} from 'node:util';
import packageJson from '../package.json' with {type: 'json'};
import type {CommandContext} from './commands/context.js';
import {resolveTarget} from './docker/connection.js';
import {BadInput, KasmTuiError, type ExitCode} from './errors.js';
import {safeText} from './text.js';

interface CommandSpec {
	name: string;
	usage: string;
	summary: string;
	/** Loaded on demand, so `kasm-tui plugins` never loads the screen (ink, react). */
	run: (context: CommandContext, positionals: string[]) => Promise<void>;
	maxArguments: number;
}

const commands: CommandSpec[] = [
	{
		name: 'plugins',
		usage: 'plugins',
		summary: 'the plugins: name, reference, enabled, rolling, id, interface types',
		maxArguments: 0,
		run: async context => (await import('./commands/plugins.js')).pluginsCommand(context),
	},
	{
		name: 'history',
		usage: 'history <plugin>',
		summary: "the plugin's ledger: every version installed, newest first",
		maxArguments: 1,
		run: async (context, positionals) => (await import('./commands/history.js')).historyCommand(context, positionals),
	},
];

const globalOptions = {
	host: {type: 'string', short: 'H'},
	json: {type: 'boolean'},
	yes: {type: 'boolean', short: 'y'},
	'read-only': {type: 'boolean'},
	'ledger-dir': {type: 'string'},
	help: {type: 'boolean', short: 'h'},
	version: {type: 'boolean', short: 'v'},
} as const;

function helpText(): string {
	const width = Math.max(...commands.map(command => command.usage.length));
	return [
		`kasm-tui ${packageJson.version}: Docker managed plugins and images of a Kasm Workspaces host`,
		'',
		'Usage:',
		'  kasm-tui [options]              open the screen',
		'  kasm-tui <command> [options]    run one command headless',
		'',
		'Commands:',
		...commands.map(command => `  ${command.usage.padEnd(width)}  ${command.summary}`),
		'',
		'Options:',
		'  -H, --host ADDRESS   the daemon: unix:///path, tcp://HOST:PORT, ssh://USER@HOST',
		'                       (default: DOCKER_HOST, else unix:///var/run/docker.sock)',
		'      --json           print JSON for scripts instead of text',
		'  -y, --yes            change things without asking',
		'      --read-only      refuse every change',
		'      --ledger-dir DIR where version history is kept (env KASM_TUI_LEDGER_DIR)',
		'  -h, --help           this text',
		'  -v, --version        the version of kasm-tui',
		'',
		'Exit codes: 0 done, 1 failed (the plugin was left as it was), 2 bad input, 3 refused.',
	].join('\n');
}

export async function main(argv: string[]): Promise<ExitCode> {
	let parsed;
	try {
		parsed = parseArgs({args: argv, options: globalOptions, allowPositionals: true, strict: true});
	} catch (error) {
		throw new BadInput(`${safeText((error as Error).message).replace(/\. To specify a positional.*$/, '')}: see kasm-tui --help`);
	}

	const {values, positionals} = parsed;
	if (values.help) {
		process.stdout.write(helpText() + '\n');
		return 0;
	}

	if (values.version) {
		process.stdout.write(packageJson.version + '\n');
		return 0;
	}

	const target = resolveTarget({host: values.host});
	const [name, ...rest] = positionals;
	if (name === undefined) {
		const {openScreen} = await import('./app/open-screen.js');
		return openScreen({target, readOnly: Boolean(values['read-only'])});
	}

	const command = commands.find(candidate => candidate.name === name);
	if (!command) {
		throw new BadInput(`unknown command "${safeText(name).slice(0, 40)}": see kasm-tui --help for the commands`);
	}

	if (rest.length > command.maxArguments) {
		throw new BadInput(`too many arguments for ${command.name}: usage: kasm-tui ${command.usage}`);
	}

	const context: CommandContext = {
		target,
		json: Boolean(values.json),
		yes: Boolean(values.yes),
		readOnly: Boolean(values['read-only']),
		ledgerDir: values['ledger-dir'],
		print: text => process.stdout.write(text + '\n'),
		warn: text => process.stderr.write(text + '\n'),
	};
	await command.run(context, rest);
	return 0;
}

/** The one place that turns errors into exit codes and one line for people. */
export function reportError(error: unknown): ExitCode {
	if (error instanceof KasmTuiError) {
		process.stderr.write(`kasm-tui: ${error.message}\n`);
		return error.exitCode;
	}

	process.stderr.write(`kasm-tui: unexpected error: ${safeText((error as Error)?.message ?? error).slice(0, 300)}\n`);
	return 1;
}

// Pipes to `head` close early; that is not an error worth a stack trace.
process.stdout.on('error', error => {
	if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
		process.exit(0);
	}
});

main(process.argv.slice(2)).then(
	code => {
		process.exitCode = code;
	},
	error => {
		process.exitCode = reportError(error);
	},
);
