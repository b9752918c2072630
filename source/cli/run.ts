import type {CommandContext} from '../commands/context.js';
import {HostPool} from '../hosts/pool.js';
import {hostsFromFlags, pickHosts, selectHosts} from '../hosts/selection.js';
import {Engine} from '../docker/engine.js';
import {listPluginsWithUsage} from '../docker/usage.js';
import {BadInput, type ExitCode} from '../errors.js';
import {safeText} from '../text.js';
import {shells, type Shell} from './table.js';

/** The commands' code, loaded on demand (`plugins` never loads the screen); the executable loads all of it to make its code cache. */
export const commandModules = {
	plugins: async () => import('../commands/plugins.js'),
	history: async () => import('../commands/history.js'),
	tags: async () => import('../commands/tags.js'),
	latest: async () => import('../commands/latest.js'),
	images: async () => import('../commands/images.js'),
	flows: async () => import('../commands/flows.js'),
	pull: async () => import('../commands/pull.js'),
	install: async () => import('../commands/install.js'),
	logs: async () => import('../commands/logs.js'),
	set: async () => import('../commands/set.js'),
	fleet: async () => import('../commands/fleet.js'),
	rollout: async () => import('../commands/rollout.js'),
	pluginNames: async () => import('../commands/completion.js'),
	completionScripts: async () => import('./completion-scripts.js'),
};

const load = commandModules;

/** What a row of the command table runs: the words after the command's own, and an exit code for a screen. */
export type CommandRun = (context: CommandContext, positionals: string[]) => Promise<ExitCode | void>;

/** Each row of the command table (by its words, table.ts) and what it runs. */
export const commandRuns: Readonly<Record<string, CommandRun>> = {
	'': async context => {
		const {openScreen} = await import('../app/screens/open-screen.js');
		return openScreen({target: context.target, readOnly: context.readOnly, ledgerDir: context.ledgerDir, daemonLog: context.daemonLog});
	},
	plugins: async context => {
		// The requests leave before the command's code loads: the daemon answers while Node loads
		// and compiles the rest (~14 ms of a 150 ms run). A failure is reported where it is awaited.
		const engine = Engine.open(context.target);
		// The daemon's ID (/info, for its ledger) is asked at the same time.
		engine.then(async opened => opened.info()).catch(() => {});
		const listing = engine.then(async opened => listPluginsWithUsage(opened));
		listing.catch(() => {});
		return (await load.plugins()).pluginsCommand(context, listing, engine);
	},
	history: async (context, positionals) => (await load.history()).historyCommand(context, positionals),
	tags: async (context, positionals) => (await load.tags()).tagsCommand(context, positionals),
	latest: async (context, positionals) => (await load.latest()).latestCommand(context, positionals),
	upgrade: async (context, positionals) => (await load.flows()).upgradeCommand(context, positionals),
	rollback: async (context, positionals) => (await load.flows()).rollbackCommand(context, positionals),
	reinstall: async (context, positionals) => (await load.flows()).reinstallCommand(context, positionals),
	'auto-update': async (context, positionals) => (await load.flows()).autoUpdateCommand(context, positionals),
	recover: async (context, positionals) => (await load.flows()).recoverCommand(context, positionals),
	images: async (context, positionals) => (await load.images()).imagesCommand(context, positionals),
	pull: async (context, positionals) => (await load.pull()).pullCommand(context, positionals),
	'upgrade-plugins': async context => (await load.flows()).upgradePluginsCommand(context),
	install: async (context, positionals) => (await load.install()).installCommand(context, positionals),
	logs: async (context, positionals) => (await load.logs()).logsCommand(context, positionals),
	set: async (context, positionals) => (await load.set()).setCommand(context, positionals),
	fleet: async context => openFleet(context),
	'fleet plugins': async (context, positionals) => {
		const pool = new HostPool({parallel: context.parallel});
		openHostsEarly(context, positionals, pool);
		return (await load.fleet()).fleetPluginsCommand(context, positionals, pool);
	},
	'fleet upgrade': async (context, positionals) => (await load.rollout()).rolloutCommand(context, 'upgrade', positionals),
	'fleet rollback': async (context, positionals) => (await load.rollout()).rolloutCommand(context, 'rollback', positionals),
	'fleet reinstall': async (context, positionals) => (await load.rollout()).rolloutCommand(context, 'reinstall', positionals),
	'fleet auto-update': async (context, positionals) => (await load.rollout()).rolloutCommand(context, 'auto-update', positionals),
	completion: async (context, positionals) => {
		if (context.listPluginNames) {
			return (await load.pluginNames()).pluginNamesCommand(context);
		}

		const [shell] = positionals;
		if (!shells.includes(shell as Shell)) {
			throw new BadInput(
				shell === undefined
					? `completion needs a shell: kasm-tui completion ${shells.join('|')}`
					: `completion writes scripts for ${shells.join(', ')}, not "${safeText(shell).slice(0, 40)}"`,
			);
		}

		context.print((await load.completionScripts()).completionScript(shell as Shell).trimEnd());
	},
};

/**
 * `fleet plugins` on hosts named on the command line: each host's connection opens through the
 * pool (an ssh handshake is most of the run) while the command's code loads, as `plugins` sends
 * its requests. A failure is reported where the fleet read asks for that host again.
 */
function openHostsEarly(context: CommandContext, names: string[], pool: HostPool): void {
	const selection = context.hostSelection ?? {};
	if (!hostsFromFlags(selection)) {
		return;
	}

	for (const host of pickHosts(selectHosts(selection), names)) {
		pool.connect(host).catch(() => {});
	}
}

/** `kasm-tui fleet` alone: the fleet screen, on the hosts the other fleet commands take. */
async function openFleet(context: CommandContext): Promise<ExitCode> {
	const {openFleetScreen} = await import('../app/screens/open-fleet-screen.js');
	return openFleetScreen({
		hosts: async () => (await load.fleet()).fleetHosts(context, []),
		readOnly: context.readOnly,
		ledgerDir: context.ledgerDir,
		rollout: {canaries: context.canaries, batch: context.batch, maxFailed: context.maxFailed},
		pool: {parallel: context.parallel, stepTimeoutMs: context.stepTimeoutMs},
	});
}
