import {readSettings} from '../config.js';
import {describeLogSource, findDaemonLog, parseDuration, readPluginLog, remoteLogHint, type PluginLogLine} from '../machine/daemon-log.js';
import {Engine} from '../docker/engine.js';
import {hideSecretSettings} from '../docker/plugin-settings.js';
import {listPlugins} from '../docker/plugins.js';
import {BadInput} from '../errors.js';
import {findPlugin} from '../flows/find-plugin.js';
import {redact} from '../secrets.js';
import {parseReference} from '../docker/reference.js';
import {safeText} from '../text.js';
import type {CommandContext} from './context.js';

/**
 * `kasm-tui logs <plugin> [--follow] [--since D] [--daemon-log FILE]`: the daemon's log lines
 * of that plugin (`plugin=<id>`), oldest first, each as time, level and what the plugin wrote.
 */
export async function logsCommand(context: CommandContext, [name]: string[]): Promise<void> {
	if (!name) {
		throw new BadInput('logs needs a plugin: usage: kasm-tui logs <plugin> [--follow] [--since DURATION] [--daemon-log FILE]');
	}

	const since = context.since === undefined ? undefined : new Date(Date.now() - parseDuration(context.since));
	const {settings, warning} = await readSettings();
	if (warning) {
		context.warn(warning);
	}

	const source = await findDaemonLog({target: context.target, file: context.daemonLog, setting: settings.daemonLog});
	if (source.kind === 'remote') {
		// Plugin names are references; anything else would not be safe in the command the line gives.
		parseReference(name);
		const plugin = safeText(name);
		const hint = remoteLogHint(source, plugin);
		context.print(context.json ? JSON.stringify({plugin, remote: source.address, hint}) : hint);
		return;
	}

	const plugin = findPlugin(await listPlugins(await Engine.open(context.target)), name);

	hideSecretSettings(plugin);

	let count = 0;
	const print = (line: PluginLogLine) => {
		count++;
		context.print(redact(context.json ? JSON.stringify(line) : `${line.time ?? '-'.padEnd(24)} ${(line.level ?? '').padEnd(5)} ${line.message}`));
	};

	// ctrl-c ends a follow; that is how it is meant to end, so the exit code is 0.
	const controller = new AbortController();
	const stop = () => controller.abort();
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	try {
		await readPluginLog(source, plugin.id, {since, follow: context.follow, signal: controller.signal, onLine: print});
	} finally {
		process.off('SIGINT', stop);
		process.off('SIGTERM', stop);
	}

	if (count === 0 && !context.follow) {
		context.warn(`kasm-tui: no lines of ${plugin.name} (plugin=${plugin.id.slice(0, 12)}…)${since ? ` since ${since.toISOString()}` : ''} in ${describeLogSource(source)}`);
	}
}
