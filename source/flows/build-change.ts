import type {Plugin} from '../docker/plugins.js';
import {sameBuild} from '../registry/identity.js';
import {parseReference} from '../docker/reference.js';
import {isImmutableTag, locateBuild, type BuildLocation} from './builds.js';
import type {FlowContext} from './context.js';
import {keepsBuild} from './describe.js';
import type {Plan} from './plan.js';
import type {FlowResult} from './run.js';

/**
 * Which build a change left and which one the plugin runs now, each as the release tag that
 * names it where one does (`amd64-1.2.9 → amd64-1.2.10`), not as the rolling tag both came from.
 */
export interface BuildChange {
	/** The build before; undefined when there was none (an install). */
	from?: string;
	to: string;
	/** The plugin runs the very build it ran before (a force upgrade with nothing new, a set). */
	same: boolean;
}

/** `127.0.0.1:5000/kasmweb/sidecar:amd64-1.2.9` → `amd64-1.2.9`; a digest → `@sha256:0123456789ab`. */
function nameOfBuild(location: BuildLocation | undefined): string | undefined {
	if (!location) {
		return undefined;
	}

	if (location.tag) {
		return location.tag;
	}

	try {
		const {digest} = parseReference(location.remote);
		return digest ? `@${digest.slice(0, 19)}` : undefined;
	} catch {
		return undefined;
	}
}

function restoreLocation(remote: string | undefined): BuildLocation | undefined {
	if (!remote) {
		return undefined;
	}

	try {
		const reference = parseReference(remote);
		return {remote, tag: reference.digest ? '' : (reference.tag ?? ''), byDigest: Boolean(reference.digest)};
	} catch {
		return undefined;
	}
}

/**
 * Finds the release tags of the build before (from the plan: the tag its undo would have used)
 * and of the build now (the destination's own tag when it names one build, else looked up by
 * content in the registry). A registry that cannot be asked leaves the tags the flow had.
 */
export async function buildChange(context: FlowContext, plan: Plan, after: Plugin, digest?: string): Promise<BuildChange> {
	const {origin, destination} = plan;
	const same = !origin.absent && after.diffIds.length > 0 && sameBuild(origin.identity.diffIds, after.diffIds);
	const before = origin.absent ? undefined : nameOfBuild(restoreLocation(origin.restoreRemote));
	let now = same ? before : undefined;
	if (now === undefined && isImmutableTag(destination.tag)) {
		now = destination.tag;
	}

	if (now === undefined && after.diffIds.length > 0 && destination.remote) {
		const search = await locateBuild(context, destination.remote, {diffIds: after.diffIds, digest}, destination.tag).catch(() => undefined);
		now = nameOfBuild(search && 'location' in search ? search.location : undefined);
	}

	const to = now ?? (destination.tag || destination.remote);
	return {
		from: origin.absent ? undefined : (before ?? (same ? to : origin.tag || origin.reference || undefined)),
		to,
		same,
	};
}

/** The change in the words every result uses: `amd64-1.2.9 → amd64-1.2.10`. */
export function buildChangeText(change: BuildChange): string {
	if (change.from === undefined) {
		return `nothing → ${change.to}`;
	}

	return change.same ? `${change.to}, the same build as before` : `${change.from} → ${change.to}`;
}

/** The builds a change that went through went between; none for one that keeps its build (enable, disable, remove). */
export async function buildChangeOfResult(context: FlowContext, plan: Plan, result: FlowResult): Promise<BuildChange | undefined> {
	return result.plugin && !keepsBuild(plan) ? buildChange(context, plan, result.plugin, result.entry.identity.digest) : undefined;
}
