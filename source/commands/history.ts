import {Engine} from '../docker/engine.js';
import {jsonText} from './json.js';
import {listPlugins} from '../docker/plugins.js';
import {BadInput} from '../errors.js';
import type {LedgerEntry} from '../ledger/entry.js';
import {hostLedger} from '../flows/host-ledger.js';
import type {CommandContext} from './context.js';
import {findPlugin} from '../flows/find-plugin.js';
import {table} from './table.js';
import {compareNames} from '../text.js';

export async function historyCommand(context: CommandContext, positionals: string[]): Promise<void> {
	const [name] = positionals;
	if (name === undefined) {
		throw new BadInput('history needs a plugin: kasm-tui history <plugin>');
	}

	const engine = await Engine.open(context.target);
	const [plugins, ledger] = await Promise.all([listPlugins(engine), hostLedger(engine, context)]);
	const plugin = findPlugin(plugins, name);
	const {entries, skipped} = ledger.read(plugin.name);
	if (skipped > 0) {
		context.warn(`kasm-tui: skipped ${skipped} unreadable line(s) in ${ledger.fileOf(plugin.name)} (a write cut short?)`);
	}

	const newestFirst = [...entries].sort((a, b) => compareNames(b.time, a.time));
	if (context.json) {
		context.print(jsonText(newestFirst.map(entry => historyJson(entry))));
		return;
	}

	if (newestFirst.length === 0) {
		context.print(`no history recorded for ${plugin.name} in ${ledger.directory}`);
		return;
	}

	context.print(
		table(newestFirst, [
			{title: 'TIME', value: entry => entry.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')},
			{title: 'ACTION', value: entry => entry.action},
			{title: 'TAG', value: entry => entry.tag, max: 40},
			// What `reinstall --version sha256:…` takes, for a build no tag names any more.
			{title: 'BUILD', value: entry => entry.identity.digest?.replace(/^sha256:/, '').slice(0, 12) ?? ''},
			{title: 'OUTCOME', value: entry => entry.outcome},
			{title: 'NAME', value: entry => entry.name, max: 60},
			{title: 'USER', value: entry => entry.user, max: 20},
			{title: 'ERROR', value: entry => entry.error ?? '', max: 80},
		]),
	);
}

/** product.md's ledger entry fields, plus what else the entry knows. */
export function historyJson(entry: LedgerEntry) {
	return {
		time: entry.time,
		action: entry.action,
		name: entry.name,
		previousName: entry.previousName,
		reference: entry.reference,
		tag: entry.tag,
		identity: entry.identity,
		outcome: entry.outcome,
		...(entry.settings ? {settings: entry.settings} : {}),
		...(entry.kasm ? {kasm: entry.kasm} : {}),
		error: entry.error ?? null,
		user: entry.user,
		version: entry.version,
	};
}
