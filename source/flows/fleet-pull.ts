import {pullImages, refusePullWhenReadOnly, type ImagePullOutcome, type LayerProgress} from '../docker/image-pull.js';
import {HostPool, unreachableReason} from '../hosts/pool.js';
import type {FleetHost} from '../hosts/selection.js';
import {mapLimited} from '../limit.js';
import {DockerCredentials} from '../registry/credentials.js';
import {pullAuth} from './context.js';

/** One image on one host: pulled, already up to date, or failed with the reason. */
export type FleetPullOutcome = ImagePullOutcome & {host: string};

export interface FleetPullOptions {
	/** Pulls at once on each host (--max-pulls; Kasm's agents: 2). */
	maxPulls: number;
	/** The connections: hosts pulling at once are bounded by its --parallel. Default: a pool of its own, closed at the end. */
	pool?: HostPool;
	/** This machine's docker config, read once for the run: each host pulls with what it holds for the image's registry. */
	credentials?: DockerCredentials;
	onProgress?: (host: string, progress: LayerProgress) => void;
	/** As each pull ends, on whichever host. */
	onOutcome?: (outcome: FleetPullOutcome) => void;
	signal?: AbortSignal;
	readOnly?: boolean;
}

/**
 * `docker pull` of each image on each host: at most --parallel hosts at once, at most
 * `maxPulls` images at once on each. A host that cannot be reached fails its images; an image
 * that fails on one host fails there only. Outcomes come back host by host, in the order given.
 */
export async function pullToFleet(hosts: readonly FleetHost[], images: readonly string[], options: FleetPullOptions): Promise<FleetPullOutcome[]> {
	refusePullWhenReadOnly(options.readOnly);
	const pool = options.pool ?? new HostPool();
	const credentials = options.credentials ?? new DockerCredentials();
	try {
		const perHost = await mapLimited(hosts, pool.parallel, async (host): Promise<FleetPullOutcome[]> => {
			let outcomes: ImagePullOutcome[];
			try {
				const engine = await pool.hold(host);
				outcomes = await pullImages(engine, images, {
					maxPulls: options.maxPulls,
					authFor: async image => pullAuth({credentials}, image),
					onProgress: progress => options.onProgress?.(host.name, progress),
					onOutcome: outcome => options.onOutcome?.({...outcome, host: host.name}),
					signal: options.signal,
				});
			} catch (error) {
				const reason = `host ${host.name}: ${unreachableReason(error)}`;
				outcomes = images.map(image => ({image, result: 'failed', error: reason}));
				for (const outcome of outcomes) {
					options.onOutcome?.({...outcome, host: host.name});
				}
			} finally {
				pool.release(host);
			}

			return outcomes.map(outcome => ({...outcome, host: host.name}));
		});
		return perHost.flat();
	} finally {
		if (!options.pool) {
			pool.close();
		}
	}
}
