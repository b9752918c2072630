import type {Engine} from './engine.js';

/** The Engine API's container summary (GET /containers/json), only the fields we read; nothing trusted. */
export interface RawContainer {
	Id?: string;
	Names?: string[] | null;
	Image?: string;
	ImageID?: string;
	State?: string;
	Labels?: Record<string, string> | null;
	HostConfig?: {NetworkMode?: string} | null;
	NetworkSettings?: {Networks?: Record<string, {NetworkID?: string} | null> | null} | null;
	Mounts?: Array<{Type?: string; Name?: string; Driver?: string}> | null;
}

/** Every container, running or not: a stopped one still holds its networks and volumes. */
export async function listAllContainers(engine: Engine): Promise<RawContainer[]> {
	const raw = await engine.readList<RawContainer>('list containers', async ({docker, signal}) => docker.listContainers({all: true, abortSignal: signal}));
	return Array.isArray(raw) ? raw : [];
}

/** The name people use (`docker ps` drops the leading slash), else the short id. Not yet made safe. */
export function containerName(container: RawContainer): string {
	const name = container.Names?.find(candidate => typeof candidate === 'string' && candidate !== '');
	return name ? name.replace(/^\//, '') : (container.Id ?? '').slice(0, 12);
}

/**
 * The image name a container was created with (`docker inspect`'s Config.Image): the listing
 * shows the image id instead once that name's tag has moved on to another build. Undefined when
 * it was created by id, or the daemon did not say.
 */
export async function createdWithName(engine: Engine, containerId: string): Promise<string | undefined> {
	const inspected = await engine.readObject<{Config?: {Image?: unknown} | null}>('inspect a container', async ({dial, signal}) =>
		dial({method: 'GET', path: `/containers/${encodeURIComponent(containerId)}/json`, signal}),
	);
	const name = inspected.Config?.Image;
	return typeof name === 'string' && name !== '' && !/^(sha256:)?[a-f\d]{12,64}$/.test(name) ? name : undefined;
}
