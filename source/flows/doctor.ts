import {listImages} from '../docker/images.js';
import {kasmReleasesNow} from '../docker/kasm.js';
import {parseReference} from '../docker/reference.js';
import {liveSessionsNow} from '../docker/sessions.js';
import {listPlugins} from '../docker/plugins.js';
import {checkPluginHealth} from '../machine/plugin-socket.js';
import {sameBuild} from '../registry/same-build.js';
import {safeText} from '../text.js';
import type {FlowContext} from './context.js';
import {ImageUpdateChecker} from './image-updates.js';
import {kasmMisfits} from './kasm-fit.js';

/**
 * What needs an operator on one host: a Kasm release its Docker does not fit, rolling plugins
 * behind their registry, disabled plugins, plugins that fail their health check (on this
 * machine's daemon), live sessions, images behind their tag. Each finding
 * says the command that deals with it. Nothing is changed, and nothing is recorded.
 */
export type FindingKind = 'kasm-docker' | 'plugin-behind' | 'plugin-disabled' | 'plugin-unhealthy' | 'live-sessions' | 'image-behind';

export interface Finding {
	kind: FindingKind;
	/** What it is about: the Kasm release, a plugin, an image, the host. */
	subject: string;
	problem: string;
	/** The command that deals with it. */
	command: string;
	/** Where the facts behind it come from (kasm-fit.ts). */
	sources?: string[];
}

export interface Examination {
	docker: string;
	apiVersion: string;
	/** The Kasm releases its kasm_* services run, newest first; empty when Kasm is not here. */
	kasm: string[];
	liveSessions: number;
	findings: Finding[];
	/** What could not be looked at, and why (a registry that did not answer). */
	unchecked: string[];
}

export interface ExamineOptions {
	/** How the commands of the findings name this host: ` --host ADDRESS`, or nothing for the default daemon. */
	hostArgument: string;
	/** How long the registries may take, in all; default 15 s. */
	registryTimeoutMs?: number;
}

export async function examineHost(flow: FlowContext, {hostArgument, registryTimeoutMs = 15_000}: ExamineOptions): Promise<Examination> {
	const {engine} = flow;
	const [version, kasm, liveSessions, plugins, images] = await Promise.all([
		engine.version(),
		kasmReleasesNow(engine),
		liveSessionsNow(engine),
		// Not what uses them: the daemon asks every volume driver for its volumes, and one that hangs would hang the listing.
		listPlugins(engine),
		listImages(engine),
	]);
	const findings: Finding[] = [];
	const unchecked: string[] = [];
	for (const release of kasm) {
		for (const misfit of kasmMisfits(release, version.version)) {
			findings.push({
				kind: 'kasm-docker',
				subject: `Kasm ${release}`,
				problem: misfit.problem,
				command: misfit.remedy,
				sources: misfit.facts.map(fact => `${fact.says} (${fact.source})`),
			});
		}
	}

	if (liveSessions > 0) {
		findings.push({
			kind: 'live-sessions',
			subject: 'sessions',
			problem: `${liveSessions} live Kasm session${liveSessions === 1 ? '' : 's'}: a change of a plugin here is refused until they end`,
			command: `kasm-tui upgrade <plugin>${hostArgument} --sessions wait`,
		});
	}

	const deadline = Date.now() + registryTimeoutMs;
	await Promise.all(
		plugins.map(async plugin => {
			const name = safeText(plugin.name);
			if (!plugin.enabled) {
				findings.push({kind: 'plugin-disabled', subject: name, problem: `${name} is disabled: nothing can use it`, command: `docker${dockerHost(hostArgument)} plugin enable ${name}`});
				return;
			}

			// Its socket, within 2 s a call (only on this machine's daemon: another host's sockets are out of reach).
			const health = await checkPluginHealth(engine, plugin);
			if (health.state === 'unresponsive' || health.state === 'error') {
				findings.push({
					kind: 'plugin-unhealthy',
					subject: name,
					problem: `${name} fails its health check: ${health.detail}; what uses it may hang`,
					command: `kasm-tui logs ${name}${hostArgument}`,
				});
			} else if (health.state === 'not-local' && !unchecked.some(line => line.startsWith('plugin health'))) {
				unchecked.push(`plugin health: ${health.detail}`);
			}

			if (!plugin.rolling || !plugin.reference) {
				return;
			}

			try {
				const build = await withinDeadline(flow.registry.build(parseReference(plugin.reference)), deadline);
				if (!sameBuild(build.diffIds, plugin.diffIds)) {
					findings.push({
						kind: 'plugin-behind',
						subject: name,
						problem: `${name} runs an older build than ${safeText(plugin.reference)} names in its registry`,
						command: `kasm-tui upgrade ${name}${hostArgument}`,
					});
				}
			} catch (error) {
				unchecked.push(`${name}: its registry did not say (${safeText((error as Error).message).slice(0, 200)})`);
			}
		}),
	);

	const checker = new ImageUpdateChecker({registry: flow.registry, ttlSeconds: 0});
	const tagged = images.filter(image => !image.dangling && image.tag && image.tag !== '<none>');
	const updates = await checker.checkAll(tagged, {timeoutMs: Math.max(1000, deadline - Date.now())});
	for (const [index, image] of tagged.entries()) {
		if (updates[index]?.updateAvailable === true) {
			const reference = safeText(`${image.repository}:${image.tag}`);
			findings.push({kind: 'image-behind', subject: reference, problem: `${reference}: its registry has a newer build behind the tag`, command: `kasm-tui pull ${reference}${hostArgument}`});
		}
	}

	const order: FindingKind[] = ['kasm-docker', 'live-sessions', 'plugin-unhealthy', 'plugin-disabled', 'plugin-behind', 'image-behind'];
	findings.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.subject.localeCompare(b.subject));
	return {docker: version.version, apiVersion: version.apiVersion, kasm, liveSessions, findings, unchecked};
}

/** `--host ADDRESS` as docker's own CLI takes it: `-H ADDRESS`. */
function dockerHost(hostArgument: string): string {
	return hostArgument.replace(/^ --host /, ' -H ');
}

async function withinDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			work,
			new Promise<never>((_resolve, reject) => {
				timer = setTimeout(() => reject(new Error('no answer in time')), Math.max(0, deadline - Date.now()));
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}
