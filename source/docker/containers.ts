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
