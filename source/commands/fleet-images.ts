import {readSettings} from '../config.js';
import {parseImageList} from '../docker/image-pull.js';
import {BadInput, KasmTuiError} from '../errors.js';
import {readFleetImages, type FleetImageCell, type FleetImageRow, type FleetImagesReading, type ImageHostReading} from '../flows/fleet-images.js';
import {pullToFleet, type FleetPullOutcome} from '../flows/fleet-pull.js';
import {HostPool} from '../hosts/pool.js';
import {DockerCredentials} from '../registry/credentials.js';
import type {CommandContext} from './context.js';
import {fleetHosts, warnUnverifiedTls} from './fleet.js';
import {shortId} from './images.js';
import {jsonText} from './json.js';
import {layerPrinter, reportPulls} from './pull.js';
import {table} from './table.js';
import {tlsVerifiedOf} from './tls.js';

/**
 * `kasm-tui fleet images [HOST…]`: each repository:tag across the hosts, each host's build marked
 * current, behind, missing or unknown, in use and by how many Kasm sessions, `!` where the hosts
 * differ. Exit 1 only when no host answered.
 */
export async function fleetImagesCommand(context: CommandContext, names: string[], pool = new HostPool({parallel: context.parallel})): Promise<void> {
	let reading: FleetImagesReading;
	try {
		const hosts = await fleetHosts(context, names);
		warnUnverifiedTls(context, hosts);
		reading = await readFleetImages(hosts, {pool});
	} finally {
		pool.close();
	}

	context.print(context.json ? jsonText(fleetImagesJson(reading)) : describeFleetImages(reading));
	if (!reading.hosts.some(host => host.reachable)) {
		throw new KasmTuiError(`no host of the fleet answered (${reading.hosts.map(host => host.host.name).join(', ').slice(0, 300)})`);
	}
}

/** `{hosts: [...], images: [{repository, tag, kasmImage, registryDigest, drift, hosts: {NAME: {state, build, inUse, sessions…}}}], rateLimits}`. */
export function fleetImagesJson(reading: FleetImagesReading) {
	return {
		hosts: reading.hosts.map(host => ({
			name: host.host.name,
			address: host.host.target.address,
			tlsVerified: tlsVerifiedOf(host.host.target),
			reachable: host.reachable,
			error: host.reachable ? null : host.error,
			engine: host.reachable ? host.engine.version : null,
			images: host.reachable ? host.images : null,
		})),
		images: reading.images.map(row => ({
			repository: row.repository,
			tag: row.tag,
			kasmImage: row.kasmImage,
			registryDigest: row.registryDigest,
			drift: row.drift,
			hosts: Object.fromEntries(
				Object.entries(row.hosts).map(([name, cell]) => [
					name,
					cell === 'missing'
						? {state: 'missing'}
						: {
								state: cell.state,
								build: cell.build,
								id: cell.id,
								size: cell.size,
								inUse: cell.containers.length > 0,
								usedBy: {containers: cell.containers},
								sessions: cell.sessions,
								updateError: cell.updateError ?? null,
							},
				]),
			),
		})),
		rateLimits: reading.rateLimits,
	};
}

/** A cell in a few words: `current 1a2b3c4d5e6f in use 2 (1 session)`, `missing`. */
export function describeCell(cell: FleetImageCell | 'missing' | undefined): string {
	if (cell === undefined) {
		return '-';
	}

	if (cell === 'missing') {
		return 'missing';
	}

	const state = cell.state === 'unknown' ? '?' : cell.state;
	const use = cell.containers.length > 0 ? ` in use ${cell.containers.length}${cell.sessions > 0 ? ` (${cell.sessions} session${cell.sessions === 1 ? '' : 's'})` : ''}` : '';
	return `${state} ${shortId(cell.build)}${use}`;
}

/** `kasmweb/chrome:1.16.0 K !`: K a Kasm workspace image, ! the hosts differ. */
export function describeImageName(row: FleetImageRow): string {
	return `${row.repository}:${row.tag}${row.kasmImage ? ' K' : ''}${row.drift ? ' !' : ''}`;
}

/** The hosts, then one line per repository:tag with a column per host that answered. */
export function describeFleetImages(reading: FleetImagesReading): string {
	const hosts = table(reading.hosts, [
		{title: 'HOST', value: host => host.host.name, max: 40},
		{title: 'ADDRESS', value: host => host.host.target.address, max: 60},
		{title: 'ENGINE', value: host => (host.reachable ? host.engine.version : '-')},
		{title: 'IMAGES', value: host => (host.reachable ? String(host.images) : '-')},
		{title: 'STATE', value: host => (host.reachable ? 'answers' : `unreachable: ${host.error}`), max: 120},
	]);
	const answered = reading.hosts.filter((host): host is Extract<ImageHostReading, {reachable: true}> => host.reachable).map(host => host.host.name);
	if (reading.images.length === 0) {
		return `${hosts}\n\nno tagged images on the hosts that answered`;
	}

	const matrix = table(reading.images, [
		{title: 'IMAGE', value: row => describeImageName(row), max: 70},
		...answered.map(name => ({title: name.toUpperCase(), value: (row: FleetImageRow) => describeCell(row.hosts[name]), max: 48})),
	]);
	const legend = ['current: the registry\'s build for the tag · behind: an older build · ? the registry could not say · K a Kasm workspace image · ! the hosts differ'];
	for (const {registry, remaining} of reading.rateLimits) {
		legend.push(`${registry}: ${remaining} pulls left (ratelimit-remaining)`);
	}

	return `${hosts}\n\n${matrix}\n\n${legend.join('\n')}`;
}

/**
 * `kasm-tui fleet pull IMAGE… [HOST…]`: the images to the hosts named (default: all), at most
 * --max-pulls at a time on each host and --parallel hosts at once. An argument that names a host
 * of the fleet is a host; every other one is an image. Exit 1 when any pull failed, after the
 * others have had their go; the report says what failed where.
 */
export async function fleetPullCommand(context: CommandContext, positionals: string[], pool = new HostPool({parallel: context.parallel, stepTimeoutMs: context.stepTimeoutMs})): Promise<void> {
	let outcomes: FleetPullOutcome[];
	try {
		const fleet = await fleetHosts(context, []);
		const hostNames = new Set(fleet.map(host => host.name));
		const names = positionals.filter(word => hostNames.has(word));
		const images = parseImageList(positionals.filter(word => !hostNames.has(word)));
		if (images.length === 0) {
			throw new BadInput('name at least one image to pull: usage: kasm-tui fleet pull IMAGE… [HOST…]');
		}

		const hosts = names.length > 0 ? fleet.filter(host => names.includes(host.name)) : fleet;
		warnUnverifiedTls(context, hosts);
		const loaded = await readSettings();
		if (loaded.warning) {
			context.warn(loaded.warning);
		}

		const maxPulls = context.maxPulls ?? loaded.settings.maxPulls;
		context.warn(`pulling ${images.length} image${images.length === 1 ? '' : 's'} to ${hosts.length} host${hosts.length === 1 ? '' : 's'}, at most ${maxPulls} at a time on each`);
		const printers = new Map<string, ReturnType<typeof layerPrinter>>();
		outcomes = await pullToFleet(hosts, images, {
			maxPulls,
			pool,
			readOnly: context.readOnly,
			credentials: new DockerCredentials(),
			onProgress(host, progress) {
				let printer = printers.get(host);
				if (!printer) {
					printer = layerPrinter({warn: text => context.warn(`${host}: ${text}`)});
					printers.set(host, printer);
				}

				printer(progress);
			},
			onOutcome: outcome => context.warn(`${outcome.host}: ${outcome.image}: ${outcome.result === 'failed' ? `failed: ${outcome.error}` : outcome.result.replaceAll('-', ' ')}`),
		});
	} finally {
		pool.close();
	}

	reportPulls(context, outcomes, {first: [{title: 'HOST', value: outcome => outcome.host, max: 40}], where: outcome => `${outcome.image} on ${outcome.host}`});
}
