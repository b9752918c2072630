import {listPlugins} from '../docker/plugins.js';
import type {PluginWithUsage} from '../docker/usage.js';
import type {FlowContext} from './context.js';
import {planInstall, type InstallOptions} from './install.js';
import {observePlugins} from './observe.js';
import type {Plan} from './plan.js';
import {planReinstall, planRollback, planUpgrade} from './planners.js';
import {unfinishedRefusal} from './recover.js';
import {recordRefusal} from './run.js';
import {checkSessions} from './sessions.js';
import {withKasmRestart, type KasmRestartRequest} from './kasm-restart.js';
import {planSet} from './set.js';
import {planStateChange} from './state-changes.js';

/** A change an operator asks for, from the screen or the command line. */
export type ChangeRequest =
	| ({kind: 'upgrade' | 'rollback' | 'enable' | 'disable' | 'remove'; plugin: PluginWithUsage} & WithKasmRestart)
	| ({kind: 'reinstall'; plugin: PluginWithUsage; version: string; alias?: string} & WithKasmRestart)
	/** `KEY=VALUE` words, as `docker plugin set` takes them. */
	| ({kind: 'set'; plugin: PluginWithUsage; assignments: string[]} & WithKasmRestart)
	/** A new plugin: nothing is installed under its name yet. */
	| ({kind: 'install'} & InstallOptions);

/** K on the screen: this change with Kasm stopped before and started after (the flow's own --with-kasm-restart otherwise). */
interface WithKasmRestart {
	kasmRestart?: KasmRestartRequest;
}

/** The name a change is of: the plugin's, or for an install the reference asked for. */
export function requestSubject(request: ChangeRequest): string {
	return request.kind === 'install' ? request.alias || request.reference : request.plugin.name;
}

/**
 * The one way a change is opened, by the screen and the headless commands alike: the ledger
 * must be usable, the plugin known to it, and no dead change of it unfinished (recovering comes
 * first: thrown, and not written over); then its plan, a refusal recorded in the ledger.
 */
export async function planChange(flow: FlowContext, request: ChangeRequest): Promise<Plan> {
	if (request.kind === 'install') {
		return {...(await planNewPlugin(flow, request)), madeAt: new Date().toISOString()};
	}

	if (!flow.readOnly) {
		flow.ledger.assertUsable();
		await observePlugins(flow, [request.plugin]);
		const refusal = unfinishedRefusal(flow, request.plugin.name);
		if (refusal) {
			throw refusal;
		}
	}

	if (request.kasmRestart) {
		flow = {...flow, kasmRestart: request.kasmRestart};
	}

	// Made once what planning writes (an observed build) is written: what comes after is news.
	const plan = await checkSessions(flow, await withKasmRestart(flow, {...(await planFor(flow, request)), madeAt: new Date().toISOString()}));
	recordRefusal(flow, plan);
	return plan;
}

/** An install: its name is known once planned (the alias, else the reference); a dead change of that name is put right first. */
async function planNewPlugin(flow: FlowContext, options: InstallOptions): Promise<Plan> {
	const plan = await planInstall(flow, await listPlugins(flow.engine), options);
	if (!flow.readOnly) {
		flow.ledger.assertUsable();
		// A killed install may have left the plugin behind: recovering it comes first.
		const unfinished = unfinishedRefusal(flow, plan.destination.name);
		if (unfinished) {
			throw unfinished;
		}
	}

	return plan;
}

async function planFor(flow: FlowContext, request: Exclude<ChangeRequest, {kind: 'install'}>): Promise<Plan> {
	switch (request.kind) {
		case 'upgrade': {
			return planUpgrade(flow, request.plugin);
		}

		case 'rollback': {
			return planRollback(flow, request.plugin);
		}

		case 'reinstall': {
			return planReinstall(flow, request.plugin, {version: request.version, alias: request.alias});
		}

		case 'set': {
			return planSet(flow, request.plugin, request.assignments);
		}

		default: {
			return planStateChange(flow, request.plugin, request.kind);
		}
	}
}
