import {readSettings} from '../config.js';
import {jsonText} from './json.js';
import {Engine} from '../docker/engine.js';
import {ImageUpdateChecker, type ImageUpdate} from '../flows/image-updates.js';
import {listImagesWithUsage, type ImageWithUsage} from '../docker/images.js';
import {BadInput} from '../errors.js';
import {insecureRegistriesOf} from '../flows/context.js';
import {RegistryClient} from '../registry/client.js';
import {normaliseReference, parseReference} from '../docker/reference.js';
import {humanSize, safeText} from '../text.js';

/** Where the commands have always found it. */
export {humanSize} from '../text.js';
import type {CommandContext} from './context.js';
import {table} from './table.js';

export interface ImagesCommandOptions {
	/** How long the command waits for the registries, all checks together; default 30 s. */
	updateTimeoutMs?: number;
}

const defaultUpdateTimeoutMs = 30_000;
/** Per registry request: a registry that hangs must not keep the process alive long after the answer is printed. */
const requestTimeoutMs = 10_000;

/** `kasm-tui images [REPOSITORY[:TAG]]`: like `docker image ls`, plus who uses each image and whether its tag moved on. */
export async function imagesCommand(context: CommandContext, positionals: string[], options: ImagesCommandOptions = {}): Promise<void> {
	if (positionals.length > 1) {
		throw new BadInput('too many arguments for images: usage: kasm-tui images [REPOSITORY[:TAG]]');
	}

	const filter = positionals[0];
	if (filter !== undefined) {
		// As `docker image ls` does: a filter that is no reference matches nothing and is a typo.
		parseReference(filter);
	}

	const engine = await Engine.open(context.target);
	const [listed, info, loaded] = await Promise.all([
		listImagesWithUsage(engine),
		engine.info(),
		readSettings(),
	]);
	if (loaded.warning) {
		context.warn(loaded.warning);
	}

	const images = listed.filter(image => filter === undefined || matchesFilter(image, filter));
	const timeoutMs = options.updateTimeoutMs ?? defaultUpdateTimeoutMs;
	const checker = new ImageUpdateChecker({
		// The registries the daemon pulls from over plain HTTP are the ones we may read that way too.
		registry: new RegistryClient({insecureRegistries: insecureRegistriesOf(info), timeoutMs: Math.min(requestTimeoutMs, timeoutMs)}),
		ttlSeconds: loaded.settings.updateCheckTtlSeconds,
	});
	const updates = await checker.checkAll(images, {timeoutMs});
	const rows = images.map((image, index) => ({image, update: updates[index]!}));
	if (context.json) {
		context.print(jsonText(rows.map(({image, update}) => imageJson(image, update))));
		return;
	}

	if (rows.length === 0) {
		context.print(filter === undefined ? `no images on ${context.target.address}` : `no images match ${safeText(filter)} on ${context.target.address}`);
		return;
	}

	const now = Date.now();
	context.print(
		table(rows, [
			{title: 'REPOSITORY', value: ({image}) => image.repository, max: 60},
			{title: 'TAG', value: ({image}) => image.tag, max: 40},
			{title: 'ID', value: ({image}) => shortId(image.id)},
			{title: 'SIZE', value: ({image}) => (image.unlisted ? 'unknown' : humanSize(image.size))},
			{title: 'CREATED', value: ({image}) => age(image.created, now)},
			{title: 'IN USE BY', value: ({image}) => image.usedBy.containers.join(', '), max: 60},
			{title: 'UPDATE', value: ({update}) => describeUpdate(update), max: 80},
		]),
	);
}

/** For the UPDATE column: `available`, `up to date`, or `unknown: why` in short (`--json` has the whole reason). */
export function describeUpdate(update: ImageUpdate): string {
	if (update.updateAvailable === null) {
		// The first clause, without the URL a registry error names: `unknown: cannot reach registry r:5000 (connection refused)`.
		return `unknown: ${update.updateError.split(': ')[0]!.replace(/ at https?:\/\/\S+/, '')}`;
	}

	return update.updateAvailable ? 'available' : 'up to date';
}

const notChecked: ImageUpdate = {updateAvailable: null, updateError: 'not checked'};

/**
 * The JSON shape of product.md: `updateAvailable` is true, false, or null when it could not be
 * checked, and then `updateError` says why (it is null otherwise).
 */
export function imageJson(image: ImageWithUsage, update: ImageUpdate = notChecked) {
	return {
		repository: image.repository,
		tag: image.tag,
		id: image.id,
		// Unknown for a build the daemon no longer lists: a container still runs it.
		size: image.unlisted ? null : image.size,
		created: image.unlisted ? null : new Date(image.created * 1000).toISOString(),
		repoDigests: image.repoDigests,
		dangling: image.dangling,
		...(image.unlisted ? {unlisted: true} : {}),
		usedBy: {containers: image.usedBy.containers},
		updateAvailable: update.updateAvailable,
		updateError: update.updateAvailable === null ? update.updateError : null,
		...(update.updateAvailable === null ? {} : {registryDigest: update.registryDigest}),
	};
}

/** `docker image ls REPO[:TAG]`: the repository must match in full; a tag narrows it. */
function matchesFilter(image: ImageWithUsage, filter: string): boolean {
	const colon = filter.lastIndexOf(':');
	const hasTag = colon > filter.lastIndexOf('/');
	const repository = hasTag ? filter.slice(0, colon) : filter;
	if (hasTag && image.tag !== filter.slice(colon + 1)) {
		return false;
	}

	return normaliseReference(image.repository) === normaliseReference(repository) || image.repository === repository;
}

/** The 12 hex digits `docker image ls` shows. */
export function shortId(id: string): string {
	return id.replace(/^sha256:/, '').slice(0, 12);
}

/** How long ago, in the largest whole unit: `5 minutes ago`, `3 weeks ago`. */
export function age(createdSeconds: number, now = Date.now()): string {
	const seconds = Math.max(0, Math.floor(now / 1000 - createdSeconds));
	const steps: Array<[string, number]> = [
		['year', 365 * 24 * 3600],
		['month', 30 * 24 * 3600],
		['week', 7 * 24 * 3600],
		['day', 24 * 3600],
		['hour', 3600],
		['minute', 60],
	];
	for (const [unit, size] of steps) {
		if (seconds >= size) {
			const count = Math.floor(seconds / size);
			return `${count} ${unit}${count === 1 ? '' : 's'} ago`;
		}
	}

	return createdSeconds > 0 ? 'less than a minute ago' : 'unknown';
}
