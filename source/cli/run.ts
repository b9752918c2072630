import type {CommandContext} from '../commands/context.js';
import {HostPool} from '../hosts/pool.js';
import {hostsFromFlags, pickHosts, selectHosts} from '../hosts/selection.js';
import {Engine} from '../docker/engine.js';
import {listPluginsAndContainers} from '../docker/usage.js';
import {BadInput, type ExitCode} from '../errors.js';
import {safeText} from '../text.js';
import {shells, type Shell} from './table.js';

/**
 * The commands' code (and the screens' openers), loaded once the command line is read: `plugins`
 * and `fleet plugins` send their first requests before. The executable has it all in its script.
 */
export const loadCommands = async () => import('./commands.js');

/** `completion`'s code, rarely asked for: a module of its own, out of the commands' one. */
const loadCompletion = {
	pluginNames: async () => import('../commands/completion.js'),
	scripts: async () => import('./completion-scripts.js'),
};

/** What a row of the command table runs: the words after the command's own, and an exit code for a screen. */
export type CommandRun = (context: CommandContext, positionals: string[]) => Promise<ExitCode | void>;

/** Each row of the command table (by its words, table.ts) and what it runs. */
export const commandRuns: Readonly<Record<string, CommandRun>> = {
	'': async context => (await loadCommands()).openScreen({
			target: context.target,
			readOnly: context.readOnly,
			ledgerDir: context.ledgerDir,
			daemonLog: context.daemonLog,
			kasmDir: context.kasmRestart?.dir,
		}),
	plugins: async context => {
		// The requests leave before the command's code loads: the daemon answers while Node loads
		// and compiles the rest. A failure is reported where it is awaited.
		const engine = Engine.open(context.target);
		// The daemon's ID (/info, for its ledger) is asked at the same time.
		engine.then(async opened => opened.info()).catch(() => {});
		const listing = engine.then(async opened => listPluginsAndContainers(opened));
		listing.catch(() => {});
		// Loaded once the API version is agreed and the listings are asked: compiled before, the
		// command's code would hold them back by its compile time.
		await engine.then(async opened => opened.apiVersion()).catch(() => {});
		return (await loadCommands()).pluginsCommand(context, listing, engine);
	},
	history: async (context, positionals) => (await loadCommands()).historyCommand(context, positionals),
	tags: async (context, positionals) => (await loadCommands()).tagsCommand(context, positionals),
	latest: async (context, positionals) => (await loadCommands()).latestCommand(context, positionals),
	upgrade: async (context, positionals) => (await loadCommands()).upgradeCommand(context, positionals),
	rollback: async (context, positionals) => (await loadCommands()).rollbackCommand(context, positionals),
	reinstall: async (context, positionals) => (await loadCommands()).reinstallCommand(context, positionals),
	'auto-update': async (context, positionals) => (await loadCommands()).autoUpdateCommand(context, positionals),
	recover: async (context, positionals) => (await loadCommands()).recoverCommand(context, positionals),
	images: async (context, positionals) => (await loadCommands()).imagesCommand(context, positionals),
	pull: async (context, positionals) => (await loadCommands()).pullCommand(context, positionals),
	'upgrade-plugins': async context => (await loadCommands()).upgradePluginsCommand(context),
	install: async (context, positionals) => (await loadCommands()).installCommand(context, positionals),
	logs: async (context, positionals) => (await loadCommands()).logsCommand(context, positionals),
	set: async (context, positionals) => (await loadCommands()).setCommand(context, positionals),
	fleet: async context => openFleet(context),
	'fleet plugins': async (context, positionals) => {
		const pool = new HostPool({parallel: context.parallel});
		openHostsEarly(context, positionals, pool);
		return (await loadCommands()).fleetPluginsCommand(context, positionals, pool);
	},
	prune: async (context, positionals) => (await loadCommands()).pruneCommand(context, positionals),
	'fleet images': async (context, positionals) => (await loadCommands()).fleetImagesCommand(context, positionals),
	'fleet pull': async (context, positionals) => (await loadCommands()).fleetPullCommand(context, positionals),
	doctor: async context => (await loadCommands()).doctorCommand(context),
	'fleet doctor': async (context, positionals) => (await loadCommands()).fleetDoctorCommand(context, positionals),
	'fleet upgrade': async (context, positionals) => (await loadCommands()).rolloutCommand(context, 'upgrade', positionals),
	'fleet rollback': async (context, positionals) => (await loadCommands()).rolloutCommand(context, 'rollback', positionals),
	'fleet reinstall': async (context, positionals) => (await loadCommands()).rolloutCommand(context, 'reinstall', positionals),
	'fleet auto-update': async (context, positionals) => (await loadCommands()).rolloutCommand(context, 'auto-update', positionals),
	completion: async (context, positionals) => {
		if (context.listPluginNames) {
			return (await loadCompletion.pluginNames()).pluginNamesCommand(context);
		}

		const [shell] = positionals;
		if (!shells.includes(shell as Shell)) {
			throw new BadInput(
				shell === undefined
					? `completion needs a shell: kasm-tui completion ${shells.join('|')}`
					: `completion writes scripts for ${shells.join(', ')}, not "${safeText(shell).slice(0, 40)}"`,
			);
		}

		context.print((await loadCompletion.scripts()).completionScript(shell as Shell).trimEnd());
	},
};

/**
 * `fleet plugins` on hosts named on the command line: each host's connection opens through the
 * pool (an ssh handshake is most of the run) while the command's code loads, as `plugins` sends
 * its requests. A failure is reported where the fleet read asks for that host again.
 */
function openHostsEarly(context: CommandContext, names: string[], pool: HostPool): void {
	const selection = context.hostSelection ?? {};
	// An inventory is read with the command's code (its YAML parser is loaded only then).
	if (!hostsFromFlags(selection) || selection.inventory !== undefined) {
		return;
	}

	for (const host of pickHosts(selectHosts(selection), names)) {
		pool.connect(host).catch(() => {});
	}
}

/** `kasm-tui fleet` alone: the fleet screen, on the hosts the other fleet commands take. */
async function openFleet(context: CommandContext): Promise<ExitCode> {
	return (await loadCommands()).openFleetScreen({
		hosts: async () => (await loadCommands()).fleetHosts(context, []),
		readOnly: context.readOnly,
		ledgerDir: context.ledgerDir,
		rollout: {canaries: context.canaries, batch: context.batch, maxFailed: context.maxFailed},
		pool: {parallel: context.parallel, stepTimeoutMs: context.stepTimeoutMs},
	});
}
