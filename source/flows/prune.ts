import {createdWithName, listAllContainers, type RawContainer} from '../docker/containers.js';
import {ownSize, readDiskUsage, type DiskUsage} from '../docker/disk.js';
import {ImageNotFound, ImageRemoveRefused} from '../docker/image-errors.js';
import {removeImageStep} from '../docker/image-remove.js';
import {containersByImage, listRawImages, type RawImage} from '../docker/images.js';
import {pruneLedgerName, type LedgerEntry} from '../ledger/entry.js';
import {Refused} from '../errors.js';
import {compareNames, safeText} from '../text.js';
import type {FlowContext} from './context.js';
import {lookAgainAtBuilds, type BuildChanged} from './look-again.js';
import {ReadOnlyRefusal} from './planners.js';

/** An image build the prune removes: dangling (no tag names it), or older than the newest N of its repository. */
export interface PruneBuild {
	id: string;
	/** The `repository:tag` names it has; none when dangling. */
	tags: string[];
	/** Its repository: its tags', or for a dangling build the one its registry digest names (none for an imported one). */
	repository?: string;
	/** Seconds since the epoch. */
	created: number;
	/** What removing it alone gives back: its layers no other build shares, as /system/df counts them. */
	size: number;
	reason: 'dangling' | 'older';
	/** What `docker image rm` is given: the id when one tag at most names it (the daemon wants force for more), else each tag. */
	remove: string[];
}

/** A build the prune would take but a container was created from: it stays. */
export interface KeptBuild {
	id: string;
	tags: string[];
	repository?: string;
	usedBy: string[];
	/** For an untagged build: the name its containers were created with, a tag that has moved on since. */
	movedTag?: string;
}

export interface PrunePlan {
	/** `--keep N`: older builds beyond the newest N of each repository go too. */
	keep?: number;
	builds: PruneBuild[];
	kept: KeptBuild[];
	/** The host's image disk when the plan was made. */
	disk: DiskUsage;
	/** What the builds give back by themselves (layers only they share among themselves come on top). */
	estimate: number;
	refusal?: Refused;
	madeAt: string;
}

export interface PruneResult {
	removed: PruneBuild[];
	/** Builds the look under the lock, or the daemon, found changed since the plan: kept. */
	changed: BuildChanged[];
	/** Builds the daemon would not remove for another reason. */
	failed: Array<{build: PruneBuild; error: string}>;
	/** How much the host's image disk shrank, as /system/df says before and after; undefined when it did not say after. */
	freed?: number;
	before: DiskUsage;
	after?: DiskUsage;
	warnings: string[];
	/** Stopped by an interrupt after the removal under way: the builds after it were left. */
	interrupted?: boolean;
}

/** The docker command a build's removal equals. */
export function pruneCommand(build: PruneBuild): string {
	return `docker image rm ${build.remove.map(reference => (reference.startsWith('sha256:') ? shortId(reference) : reference)).join(' ')}`;
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The plan on what the daemon says now: its images, every container (running or not), its disk. */
export async function planPrune(context: FlowContext, options: {keep?: number} = {}): Promise<PrunePlan> {
	const [images, containers, disk] = await Promise.all([listRawImages(context.engine), listAllContainers(context.engine), readDiskUsage(context.engine)]);
	const plan = prunePlanOf(images, containers, disk, options);
	await nameMovedTags(context, plan, containers);
	if (context.readOnly && plan.builds.length > 0) {
		plan.refusal = new ReadOnlyRefusal('remove', `${plan.builds.length} image build${plan.builds.length === 1 ? '' : 's'}`);
	}

	return plan;
}

/** How many kept builds' containers are inspected for the tag they were created with: a few calls, not one per session. */
const movedTagLookups = 20;

/**
 * A build no tag names that a container runs is, most often, the old build of a tag that moved on
 * (a re-pull of a rolling tag while a session ran): the name that container was created with says
 * which, for the plan to say why it stays. Not knowing it changes nothing.
 */
async function nameMovedTags(context: FlowContext, plan: PrunePlan, containers: RawContainer[]): Promise<void> {
	const untagged = plan.kept.filter(kept => kept.tags.length === 0).slice(0, movedTagLookups);
	await Promise.all(
		untagged.map(async kept => {
			const container = containers.find(candidate => candidate.ImageID === kept.id && typeof candidate.Id === 'string');
			const name = container ? await createdWithName(context.engine, container.Id!).catch(() => undefined) : undefined;
			if (name) {
				kept.movedTag = safeText(name);
				kept.repository ??= repositoryOf(kept.movedTag);
			}
		}),
	);
}

const namesOf = (image: RawImage) => (image.RepoTags ?? []).filter(tag => typeof tag === 'string' && tag !== '<none>:<none>').map(tag => safeText(tag));

/** `registry:5000/kasmweb/chrome:1.16` → `registry:5000/kasmweb/chrome`; `repo@sha256:…` → `repo`. */
export function repositoryOf(reference: string): string {
	const at = reference.indexOf('@');
	const name = at === -1 ? reference : reference.slice(0, at);
	const colon = name.lastIndexOf(':');
	return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/**
 * Which builds go: every dangling one, and with `keep` each repository's tagged builds beyond its
 * newest `keep` (by creation; a build tagged in several repositories goes only when it is old in
 * all of them). Never one a container was created from, running or stopped: those are kept, said.
 */
export function prunePlanOf(images: RawImage[], containers: RawContainer[], disk: DiskUsage, {keep}: {keep?: number} = {}): PrunePlan {
	const users = containersByImage(containers);
	const listed = (Array.isArray(images) ? images : []).filter(image => typeof image.Id === 'string').map(image => ({id: safeText(image.Id), tags: namesOf(image), raw: image}));
	const newest = new Set<string>();
	if (keep !== undefined) {
		const byRepository = new Map<string, typeof listed>();
		for (const image of listed) {
			for (const repository of new Set(image.tags.map(tag => repositoryOf(tag)))) {
				byRepository.set(repository, [...(byRepository.get(repository) ?? []), image]);
			}
		}

		for (const [repository, builds] of byRepository) {
			builds.sort((a, b) => (Number(b.raw.Created) || 0) - (Number(a.raw.Created) || 0) || compareNames(a.id, b.id));
			for (const build of builds.slice(0, keep)) {
				newest.add(`${repository} ${build.id}`);
			}
		}
	}

	const builds: PruneBuild[] = [];
	const kept: KeptBuild[] = [];
	for (const image of listed) {
		const dangling = image.tags.length === 0;
		const old = !dangling && keep !== undefined && image.tags.every(tag => !newest.has(`${repositoryOf(tag)} ${image.id}`));
		if (!dangling && !old) {
			continue;
		}

		const digests = (image.raw.RepoDigests ?? []).map(digest => safeText(digest));
		const repository = dangling ? (digests[0] ? repositoryOf(digests[0]) : undefined) : repositoryOf(image.tags[0]!);
		const usedBy = users.get(image.id);
		if (usedBy) {
			kept.push({id: image.id, tags: image.tags, repository, usedBy});
			continue;
		}

		builds.push({
			id: image.id,
			tags: image.tags,
			repository,
			created: Number(image.raw.Created) || 0,
			size: ownSize(disk.byId.get(image.id)) || Math.max(0, Number(image.raw.Size) || 0),
			reason: dangling ? 'dangling' : 'older',
			remove: image.tags.length <= 1 ? [image.id] : image.tags,
		});
	}

	const order = (a: {repository?: string; id: string}, b: {repository?: string; id: string}) => compareNames(a.repository ?? '~', b.repository ?? '~') || compareNames(a.id, b.id);
	builds.sort((a, b) => order(a, b) || b.created - a.created);
	kept.sort(order);
	return {keep, builds, kept, disk, estimate: builds.reduce((sum, build) => sum + build.size, 0), madeAt: new Date().toISOString()};
}

/**
 * Runs a host's prune plan, as the change pipeline runs a plugin's: under the lock of the host's
 * images, the builds looked at again (a container made from one since the plan, or a tag given to
 * it, keeps it: look-again.ts), a `started` entry, each removal within the step deadline (the
 * daemon refuses, never forced, one a container took in the last instant), the outcome recorded.
 * What was freed is the daemon's own word: its image disk before and after.
 */
export async function runPrune(context: FlowContext, plan: PrunePlan, report: (text: string) => void = () => {}, signal?: AbortSignal): Promise<PruneResult> {
	if (plan.refusal) {
		throw plan.refusal;
	}

	context.ledger.assertUsable();
	const lock = context.ledger.lock(pruneLedgerName, 'prune');
	const attempt = (process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).randomUUID();
	try {
		const {go, changed} = await lookAgainAtBuilds(context, plan);
		const before = await readDiskUsage(context.engine);
		const entry = (fields: Pick<LedgerEntry, 'outcome' | 'images'> & Partial<LedgerEntry>): LedgerEntry => ({
			time: new Date().toISOString(),
			action: 'prune',
			name: pruneLedgerName,
			reference: '',
			tag: plan.keep === undefined ? '' : `keep ${plan.keep}`,
			identity: {diffIds: []},
			attempt,
			user: context.user,
			version: context.version,
			...fields,
		});
		const listed = (builds: PruneBuild[]) => builds.map(build => ({id: build.id, tags: build.tags, size: build.size}));
		context.ledger.append(entry({outcome: 'started', images: listed(go)}));
		const removed: PruneBuild[] = [];
		const failed: PruneResult['failed'] = [];
		const warnings: string[] = [];
		let interrupted = false;
		for (const [index, build] of go.entries()) {
			// Interrupted (ctrl-c, SIGTERM, a dropped SSH session): the removal under way has finished, and the rest is left.
			if (signal?.aborted) {
				warnings.push(`interrupted (${String(signal.reason ?? 'aborted')}): ${go.length - index === 1 ? '1 build left as it was' : `${go.length - index} builds left as they were`}`);
				interrupted = true;
				break;
			}

			report(pruneCommand(build));
			try {
				for (const reference of build.remove) {
					await removeImageStep(context.engine, reference);
				}

				removed.push(build);
			} catch (error) {
				if (error instanceof ImageNotFound && build.remove.length === 1) {
					// Gone since the look: someone else removed it, which is what was asked.
					changed.push({build, why: 'it was removed by someone else since'});
				} else if (error instanceof ImageRemoveRefused) {
					changed.push({build, why: safeText(error.message)});
				} else {
					failed.push({build, error: safeText((error as Error).message)});
				}
			}
		}

		let after: DiskUsage | undefined;
		try {
			after = await readDiskUsage(context.engine);
		} catch (error) {
			warnings.push(`the daemon did not say its disk usage after the prune (${safeText((error as Error).message).slice(0, 200)})`);
		}

		const freed = after ? Math.max(0, before.imagesSize - after.imagesSize) : undefined;
		context.ledger.append(
			entry({
				outcome: failed.length > 0 ? 'failed' : 'ok',
				images: listed(removed),
				freed,
				...(failed.length > 0 ? {error: failed.map(({build, error}) => `${shortId(build.id)}: ${error}`).join('; ').slice(0, 1000)} : {}),
			}),
		);
		return {removed, changed, failed, freed, before, after, warnings, ...(interrupted ? {interrupted} : {})};
	} finally {
		lock.release();
	}
}
