import {Engine} from '../docker/engine.js';
import {listPlugins} from '../docker/plugins.js';
import {safeText} from '../text.js';
import type {CommandContext} from './context.js';

/** A shell waits for completions while the operator waits on it: a daemon slower than this offers nothing. */
const completionTimeoutMs = 2000;

/**
 * `kasm-tui completion --plugin-names [--host ADDRESS]`, which the completion scripts call for a
 * <plugin> argument: the plugin names, one a line, from GET /plugins alone (no usage, no ledger
 * written). A daemon that is not there or does not answer in time gives nothing, exit 0: a
 * completion offers what it can and never prints an error into the operator's line.
 */
export async function pluginNamesCommand(context: CommandContext): Promise<void> {
	let names: string[];
	try {
		const engine = await Engine.open(context.target, {timeoutMs: completionTimeoutMs});
		try {
			names = (await listPlugins(engine)).map(plugin => safeText(plugin.name));
		} finally {
			engine.close();
		}
	} catch {
		return;
	}

	// One word each: a name the shell would split cannot be completed as one.
	const words = names.filter(name => /^\S+$/.test(name));
	if (words.length > 0) {
		context.print(words.join('\n'));
	}
}
