import type {EngineApi} from './api.js';
import {KasmTuiError, Refused} from '../errors.js';
import {compareNames, safeText} from '../text.js';
import {containerName, listAllContainers} from './containers.js';
import type {Engine} from './engine.js';
import {ImageInUse, ImageNotFound, ImageRemoveRefused} from './image-errors.js';
import {daemonWords, encodeName} from './request.js';

/** What `docker rmi` printed: the tags taken off, and the layers and images deleted. */
export interface ImageRemoval {
	untagged: string[];
	deleted: string[];
}

/**
 * `docker rmi NAME` without `--force`: NAME is a tag (`repo:tag`) or an id. An image that any
 * container was created from, running or stopped, is refused with those containers named; Docker
 * itself would refuse a running one and want `--force` for a stopped one, which we never send.
 */
export async function removeImage(engine: Engine, image: string, options: {readOnly?: boolean} = {}): Promise<ImageRemoval> {
	if (options.readOnly) {
		throw new Refused(`kasm-tui is read-only (--read-only): it will not remove ${safeText(image)}`);
	}

	const inspected = await imageRead(engine, image, `inspect the image ${image}`, async api =>
		// dockerode's Image.inspect takes no deadline.
		api.dial<{Id?: unknown}>({method: 'GET', path: `/images/${encodeName(image)}/json`, signal: api.signal}),
	);
	const id = inspected && typeof inspected === 'object' && typeof inspected.Id === 'string' ? inspected.Id : undefined;
	if (id) {
		const users = (await listAllContainers(engine)).filter(container => container.ImageID === id).map(container => safeText(containerName(container)));
		if (users.length > 0) {
			throw new ImageInUse(image, users.sort(compareNames));
		}
	}

	const answer = (await imageCall(engine, image, `remove the image ${image}`, async ({docker}) => docker.getImage(encodeName(image)).remove())) as unknown;
	return removalOf(answer);
}

/**
 * `docker image rm NAME` as a change step: within the host's step deadline (a fleet's hosts), and
 * refused by the daemon, never forced, when a container was made from it since it was looked at.
 */
export async function removeImageStep(engine: Engine, image: string): Promise<ImageRemoval> {
	const answer = await engine.change(safeText(`remove the image ${image}`), async api =>
		typedImageErrors(api.dial<unknown>({method: 'DELETE', path: `/images/${encodeName(image)}`, signal: api.signal}), image),
	);
	return removalOf(answer);
}

/** What the daemon's answer to DELETE /images/NAME says was untagged and deleted, cleaned. */
function removalOf(answer: unknown): ImageRemoval {
	const removal: ImageRemoval = {untagged: [], deleted: []};
	for (const item of Array.isArray(answer) ? (answer as Array<{Untagged?: string; Deleted?: string} | null>) : []) {
		if (!item || typeof item !== 'object') {
			continue;
		}

		if (item.Untagged) {
			removal.untagged.push(safeText(item.Untagged));
		}

		if (item.Deleted) {
			removal.deleted.push(safeText(item.Deleted));
		}
	}

	return removal;
}

async function imageCall<T>(engine: Engine, image: string, what: string, request: (api: EngineApi) => Promise<T>): Promise<T> {
	return engine.call(safeText(what), async api => typedImageErrors(request(api), image));
}

async function imageRead<T>(engine: Engine, image: string, what: string, request: (api: EngineApi) => Promise<T>): Promise<T> {
	return engine.read(safeText(what), async api => typedImageErrors(request(api), image));
}

async function typedImageErrors<T>(request: Promise<T>, image: string): Promise<T> {
	try {
		return await request;
	} catch (error) {
		if (error instanceof KasmTuiError) {
			throw error;
		}

		const status = (error as {statusCode?: unknown}).statusCode;
		if (status === 404) {
			throw new ImageNotFound(image);
		}

		if (status === 409) {
			// A container created since we looked, or an id with several tags: the daemon's words say which.
			throw new ImageRemoveRefused(`the daemon will not remove ${safeText(image)} without force: ${daemonWords(error)}`);
		}

		throw error;
	}
}
