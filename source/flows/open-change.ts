import type {PluginWithUsage} from '../docker/usage.js';
import type {FlowContext} from './context.js';
import {observePlugins} from './observe.js';
import type {Plan} from './plan.js';
import {planReinstall, planRollback, planUpgrade} from './planners.js';
import {unfinishedRefusal} from './recover.js';
import {recordRefusal} from './run.js';
import {planSet} from './set.js';
import {planStateChange} from './state-changes.js';

/** A change an operator asks for, from the screen or the command line. */
export type ChangeRequest =
	| {kind: 'upgrade' | 'rollback' | 'enable' | 'disable' | 'remove'; plugin: PluginWithUsage}
	| {kind: 'reinstall'; plugin: PluginWithUsage; version: string; alias?: string}
	/** `KEY=VALUE` words, as `docker plugin set` takes them. */
	| {kind: 'set'; plugin: PluginWithUsage; assignments: string[]};

/**
 * The one way a change is opened, by the screen and the headless commands alike: the ledger
 * must be usable, the plugin known to it, and no dead change of it unfinished (recovering comes
 * first: thrown, and not written over); then its plan, a refusal recorded in the ledger.
 */
export async function planChange(flow: FlowContext, request: ChangeRequest): Promise<Plan> {
	if (!flow.readOnly) {
		flow.ledger.assertUsable();
		await observePlugins(flow, [request.plugin]);
		const refusal = unfinishedRefusal(flow, request.plugin.name);
		if (refusal) {
			throw refusal;
		}
	}

	const plan = await planFor(flow, request);
	recordRefusal(flow, plan);
	return plan;
}

async function planFor(flow: FlowContext, request: ChangeRequest): Promise<Plan> {
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
