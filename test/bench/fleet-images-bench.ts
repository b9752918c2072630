import {importImage} from '../sandbox/fixtures.js';
import {startExtraDaemon, type ExtraDaemon} from '../sandbox/fleet-hosts.js';
import type {Sandbox} from '../sandbox/sandbox.js';
import {EngineApi, pool} from './engine-api.js';
import {timeCommands, type Stats} from './timing.js';

/**
 * `fleet images --json` over many hosts against one host's `images --json`: each host a daemon of
 * its own holding the same rows, `builds` of them pulled from the sandbox's registry (so each has
 * its one registry check, a HEAD, for the fleet as for the host) and the rest tags of those builds
 * (as a host that keeps old session images has), every one a row of the matrix.
 */
export interface ImagesFleetFigures {
	hosts: number;
	imagesPerHost: number;
	/** Rows checked with the registry, on each host. */
	registryTags: number;
	single: Stats;
	fleet: Stats;
	/** fleet median / single median: the target is ≤ 2. */
	ratio: number;
}

const hostName = (index: number) => `i${String(index).padStart(2, '0')}`;

export async function imagesFleetFigures(
	box: Sandbox,
	env: NodeJS.ProcessEnv,
	{cli, hosts = 8, images = 500, builds = 10, runs = 5, log = (_line: string) => {}, folders = []}: {cli: string; hosts?: number; images?: number; builds?: number; runs?: number; log?: (line: string) => void; folders?: string[]},
): Promise<ImagesFleetFigures> {
	const daemons: ExtraDaemon[] = [];
	try {
		log(`fleet images: pushing ${builds} builds, starting ${hosts} daemons with ${images} image rows each…`);
		const pushed = Array.from({length: builds}, (_, index) => `${box.registry}/bench/fleet-app-${String(index).padStart(2, '0')}:1.0.${index}`);
		await pool(pushed, 4, async (reference, index) => {
			await importImage(box, reference, `fleet images bench build ${index}`);
			await box.docker(['push', reference]);
		});
		await pool(
			Array.from({length: hosts}, (_, index) => index),
			4,
			async index => {
				const daemon = await startExtraDaemon(box);
				daemons[index] = daemon;
				// Kept by the caller: nothing may still run from them at the end.
				folders.push(daemon.sandbox.state.dir);
				await pool(pushed, 4, async reference => {
					await daemon.sandbox.docker(['pull', '--quiet', reference]);
				});
				const ids = await Promise.all(pushed.map(async reference => (await daemon.sandbox.docker(['image', 'inspect', '--format', '{{.Id}}', reference])).trim()));
				const api = new EngineApi(daemon.sandbox.state.socket);
				try {
					const tags = Array.from({length: images - builds}, (_, tag) => ({repo: `bench/fleet-old-${String(tag % 50).padStart(2, '0')}`, tag: `1.${Math.floor(tag / 50)}.${tag}`, id: ids[tag % ids.length]!}));
					await pool(tags, 8, async ({repo, tag, id}) => {
						await api.request('POST', `/images/${encodeURIComponent(id)}/tag?repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`);
					});
				} finally {
					api.close();
				}
			},
		);

		const hostArgs = daemons.flatMap((daemon, index) => ['--host', `${hostName(index)}=${daemon.host}`]);
		const check = (what: string, count: (stdout: string) => number) => (stdout: string) => {
			const listed = count(stdout);
			if (listed !== images) {
				throw new Error(`${what} listed ${listed} images, not ${images}`);
			}
		};

		log(`fleet images: ${runs} runs each of images --json on one host and fleet images --json on ${hosts}…`);
		const times = await timeCommands(
			[
				{label: 'images --json, one host', file: process.execPath, args: [cli, '--host', daemons[0]!.host, 'images', '--json'], env, check: check('images --json', stdout => (JSON.parse(stdout) as unknown[]).length)},
				{
					label: `fleet images --json, ${hosts} hosts`,
					file: process.execPath,
					args: [cli, 'fleet', 'images', '--json', ...hostArgs],
					env,
					check: check('fleet images --json', stdout => {
						const matrix = JSON.parse(stdout) as {hosts: Array<{reachable: boolean}>; images: unknown[]};
						if (matrix.hosts.filter(host => host.reachable).length !== hosts) {
							throw new Error(`fleet images --json: not every one of the ${hosts} hosts answered`);
						}

						return matrix.images.length;
					}),
				},
			],
			runs,
		);
		const single = times.get('images --json, one host')!;
		const fleet = times.get(`fleet images --json, ${hosts} hosts`)!;
		return {hosts, imagesPerHost: images, registryTags: builds, single, fleet, ratio: fleet.median / single.median};
	} finally {
		await pool(daemons.filter(Boolean), 4, async daemon => daemon.stop().catch(() => {}));
	}
}
