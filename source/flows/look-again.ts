import {listAllContainers} from '../docker/containers.js';
import {containersByImage, listRawImages} from '../docker/images.js';
import {describeUsage, isInUse, listPluginsWithUsage, usageBesidesKasm, type PluginWithUsage} from '../docker/usage.js';
import {Refused} from '../errors.js';
import {sameBuild} from '../registry/same-build.js';
import {safeText} from '../text.js';
import type {FlowContext} from './context.js';
import type {Plan} from './plan.js';
import type {PruneBuild, PrunePlan} from './prune.js';
import type {FlowEvent} from './run.js';
import {sessionsUnderLock, type LiveSessions} from './sessions.js';

/**
 * A plan is made on what the daemon said at one moment; it may be run minutes or hours later
 * (a confirmation left open, a rollout's later stage), after cron's auto-update, another operator
 * or another rollout changed the plugin. Run then, a failure would "restore" a build that was no
 * longer running and the ledger would record a wrong `from`. So nothing is done, and the
 * operator is told what changed.
 */
export class ChangedSincePlan extends Refused {
	override name = 'ChangedSincePlan';
	constructor(
		readonly plugin: string,
		/** What differs, each in a few words: `it was enabled, now disabled`. */
		readonly differences: string[],
	) {
		super(`${safeText(plugin)} changed since the plan: ${differences.join('; ')}; nothing was done: look again and confirm`);
	}
}

/**
 * The last look before the first step, taken under the plugin's lock so nothing of ours can
 * change it afterwards: the host's live Kasm sessions (waited for, with `--sessions wait`), then
 * the plugin read again (one listing of plugins and of what uses them) and compared with the one
 * the plan was made on. Returns the refusal, or undefined to go ahead.
 */
export async function lookAgain(
	context: FlowContext,
	plan: Plan,
	report?: (event: FlowEvent) => void,
	signal?: AbortSignal,
): Promise<ChangedSincePlan | LiveSessions | undefined> {
	const sessions = await sessionsUnderLock(context, plan, report, signal);
	if (sessions) {
		return sessions;
	}

	const plugins = await listPluginsWithUsage(context.engine);
	const {origin, destination} = plan;
	if (origin.absent) {
		const taken = plugins.find(plugin => plugin.name === destination.name);
		return taken ? new ChangedSincePlan(destination.name, [`a plugin named ${safeText(destination.name)} was installed since (${stateOf(taken)})`]) : undefined;
	}

	const now = plugins.find(plugin => plugin.name === origin.name);
	if (!now) {
		const renamed = plan.plugin.id ? plugins.find(plugin => plugin.id === plan.plugin.id) : undefined;
		return new ChangedSincePlan(origin.name, [renamed ? `it was renamed to ${renamed.name}` : 'it is not installed any more', ...since(context, plan)]);
	}

	const differences = differencesOf(plan, now);
	return differences.length > 0 ? new ChangedSincePlan(origin.name, [...differences, ...since(context, plan)]) : undefined;
}

/** What the plugin is now that the plan did not count on, in the operator's words. */
export function differencesOf(plan: Plan, now: PluginWithUsage): string[] {
	const {origin} = plan;
	const differences: string[] = [];
	if (now.enabled !== origin.enabled) {
		differences.push(`it was ${origin.enabled ? 'enabled' : 'disabled'}, now ${now.enabled ? 'enabled' : 'disabled'}`);
	}

	if (now.reference !== origin.reference) {
		differences.push(`it was installed from ${origin.reference || 'no remote'}, now from ${now.reference || 'no remote'}`);
	}

	if (!sameBuild(now.diffIds, origin.identity.diffIds)) {
		differences.push('another build runs now');
	}

	// Docker refuses to disable or remove a plugin something uses: the plan did not count on that.
	const blockedByUse = plan.steps.some(step => (step.kind === 'disable' || step.kind === 'remove') && step.name === origin.name);
	if (blockedByUse && isInUse(now.usedBy) && !isInUse(plan.plugin.usedBy)) {
		differences.push(`it is in use now, by ${describeUsage(now.usedBy)}`);
	} else if (blockedByUse && plan.kasm && isInUse(usageBesidesKasm(now.usedBy))) {
		// Stopping Kasm frees it from Kasm's services only.
		differences.push(`it is in use now besides Kasm, by ${describeUsage(usageBesidesKasm(now.usedBy))}`);
	}

	return differences;
}

function stateOf(plugin: PluginWithUsage): string {
	return `${plugin.enabled ? 'enabled' : 'disabled'}, from ${plugin.reference || 'no remote'}`;
}

/** Who changed it since, where its history says: `upgrade by ops at 2026-12-07 12:03`. */
function since(context: FlowContext, plan: Plan): string[] {
	if (!plan.madeAt) {
		return [];
	}

	try {
		const changes = context.ledger
			.read(plan.origin.name)
			.entries.filter(entry => entry.time > plan.madeAt! && entry.outcome !== 'refused' && entry.outcome !== 'started');
		const last = changes.at(-1);
		if (!last) {
			return [];
		}

		const when = last.time.slice(0, 19).replace('T', ' ');
		return [last.action === 'observed' ? `kasm-tui found it changed at ${when}, not by kasm-tui` : `its history says: ${last.action} by ${safeText(last.user)} at ${when}`];
	} catch {
		return [];
	}
}

/** A build a prune planned to remove and keeps, and why, in the operator's words. */
export interface BuildChanged {
	build: PruneBuild;
	why: string;
}

/**
 * A prune's look again, under the lock of the host's images, just before the first removal: the
 * images and every container listed again. A build a container was created from since the plan
 * (a Kasm session started on it), or that a tag names now, is kept and said; one gone since is
 * nothing to do. The rest go ahead.
 */
export async function lookAgainAtBuilds(context: FlowContext, plan: PrunePlan): Promise<{go: PruneBuild[]; changed: BuildChanged[]}> {
	const [images, containers] = await Promise.all([listRawImages(context.engine), listAllContainers(context.engine)]);
	const users = containersByImage(containers);
	const now = new Map(images.filter(image => typeof image.Id === 'string').map(image => [safeText(image.Id), (image.RepoTags ?? []).filter(tag => tag !== '<none>:<none>').map(tag => safeText(tag))]));
	const go: PruneBuild[] = [];
	const changed: BuildChanged[] = [];
	for (const build of plan.builds) {
		const tags = now.get(build.id);
		const usedBy = users.get(build.id);
		if (usedBy) {
			changed.push({build, why: `${usedBy.length === 1 ? 'the container' : 'the containers'} ${usedBy.slice(0, 5).join(', ')} ${usedBy.length === 1 ? 'was' : 'were'} created from it since the plan`});
		} else if (!tags) {
			// Gone since the plan (another prune, docker image rm): nothing left to do.
			continue;
		} else if ([...tags].sort().join(' ') !== [...build.tags].sort().join(' ')) {
			changed.push({build, why: tags.length === 0 ? 'no tag names it any more since the plan' : `it is tagged ${tags.slice(0, 3).join(', ')} since the plan`});
		} else {
			go.push(build);
		}
	}

	return {go, changed};
}
