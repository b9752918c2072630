import type {EngineTarget} from '../../docker/target.js';
import {batchEvents, watchEvents} from '../../docker/events.js';
import {checkPluginHealth, type PluginHealth} from '../../machine/plugin-socket.js';
import {pullImage, refusePullWhenReadOnly, type LayerProgress} from '../../docker/image-pull.js';
import {removeImage} from '../../docker/image-remove.js';
import {ImageUpdateChecker, type ImageUpdate} from '../../flows/image-updates.js';
import {readSettings, type Settings} from '../../config.js';
import {describeLogSource, findDaemonLog, readPluginLog, remoteLogHint, screenLookBack, type PluginLogLine} from '../../machine/daemon-log.js';
import {hideSecretSettings} from '../../docker/plugin-settings.js';
import {diskSummary, readDiskUsage, type DiskSummary} from '../../docker/disk.js';
import {Engine, type EngineVersion} from '../../docker/engine.js';
import {imagesWithUsage, listRawImages, type ImageWithUsage} from '../../docker/images.js';
import {listPlugins, type Plugin} from '../../docker/plugins.js';
import {buildUsageIndex, emptyUsage, fetchUsageListings, type PluginWithUsage} from '../../docker/usage.js';
import {countLiveSessions} from '../../docker/sessions.js';
import {kasmReleases} from '../../docker/kasm.js';
import {PluginNotFound, Refused} from '../../errors.js';
import {autoUpdate, skipReason, type AutoUpdateOutcome} from '../../flows/auto-update.js';
import {openFlowContext, pullAuth, type FlowContext} from '../../flows/context.js';
import {buildChangeOfResult, type BuildChange} from '../../flows/build-change.js';
import {previousBuild} from '../../flows/builds.js';
import {observePlugins} from '../../flows/observe.js';
import type {Plan} from '../../flows/plan.js';
import {planChange, type ChangeRequest} from '../../flows/open-change.js';
import {runPlan, type FlowEvent, type FlowResult} from '../../flows/run.js';
import {kasmRestartGate} from '../../flows/kasm-restart.js';
import type {LedgerEntry} from '../../ledger/entry.js';
import {mapLimited} from '../../limit.js';
import {buildsOfTags, candidateTags, sameBuild} from '../../registry/identity.js';
import {parseReference} from '../../docker/reference.js';
import {safeText} from '../../text.js';
import {latestTag, lineOf, parseVersionTag, sortTagsNewestFirst} from '../../registry/versions.js';
import {releasesOf, versionOfEntry} from '../content/releases.js';

/** What the screen draws: the daemon read in one go. */
export interface HostSnapshot {
	engine: EngineVersion;
	plugins: PluginWithUsage[];
	images: ImageWithUsage[];
	/** Running containers labelled kasm.kasmid: Kasm's users at work on this host. */
	liveSessions?: number;
	/** The Kasm releases its kasm_* services run, newest first. */
	kasm?: string[];
	/** What its images take and what could be reclaimed (/system/df); undefined when the daemon did not say. */
	disk?: DiskSummary;
	/**
	 * The disk figures when the daemon had not counted them yet as everything else was read: the
	 * daemon sizes every image and container for /system/df, often the slowest answer, and the
	 * screen draws the rest without waiting for it (useHost adds them once they come).
	 */
	diskLater?: Promise<DiskSummary | undefined>;
}

/** What the detail pane shows beyond the listing; each part may fail on its own. */
export interface PluginDetails {
	/** Newest first. */
	history: LedgerEntry[];
	historyError?: string;
	/** Newest version first. */
	tags?: string[];
	/** Tags holding the very build the plugin runs. */
	installedBuild?: string[];
	/** The newest release on the plugin's line (`amd64-1.2` → `amd64-1.2.10`). */
	latestPatch?: string;
	/** The version of the build before this one, from the history: the release that holds it, else its tag or digest (versionOfEntry). */
	previousTag?: string;
	/** The newest release tag holding each build (by buildKey) of the tags read: what a rolling entry's build was. */
	releaseOf?: Record<string, string>;
	tagsError?: string;
}

/** A change that went through, and which builds it went between (by release tag), as the commands say it. */
export type ChangeResult = FlowResult & {builds?: BuildChange};

/** Where a plugin's log is read: a daemon elsewhere has only the line saying where its log is. */
export type LogReading = {remote: string} | {source: string; done: Promise<void>};


/**
 * Everything the screen asks of the daemon, the registry and the ledger, in one place, so the
 * views only ever get state. The real one talks to the engine; a test can hand the App another.
 */
export interface HostServices {
	target: EngineTarget;
	readOnly: boolean;
	load(): Promise<HostSnapshot>;
	/** Calls `onChange` per batch of daemon events, `onState` when the stream is lost (and why) and back. Returns a stop. */
	watch?(onChange: () => void, onState: (state: 'live' | 'lost', reason?: string) => void): () => void;
	details(plugin: Plugin): Promise<PluginDetails>;
	/** Every change from the screen is planned here, as the commands plan theirs (planChange). */
	plan(request: ChangeRequest): Promise<Plan>;
	/** Runs a plan; counted as work in progress until it has finished or been undone. */
	run(plan: Plan, onEvent: (event: FlowEvent) => void): Promise<ChangeResult>;
	/** A repository's tags, newest version first (`registry/repository`, no tag): what an install picks from. */
	tags?(repository: string): Promise<string[]>;
	/** The newest `last` of the plugin's lines in the daemon's log, oldest first, then each new one until `signal` aborts. */
	logs?(plugin: Plugin, onLine: (line: PluginLogLine) => void, signal: AbortSignal, options?: {last?: number}): Promise<LogReading>;
	autoUpdatePreview(plugins: PluginWithUsage[]): Array<{plugin: string; reason?: string}>;
	autoUpdate(onEvent: (plugin: string, event: FlowEvent) => void): Promise<AutoUpdateOutcome[]>;
	/** One line on whether the plugin answers on its socket, and how fast. */
	health?(plugin: Plugin): Promise<string>;
	/** Whether each plugin's reference names another build in the registry now; null where it could not be told. */
	pluginUpdates?(plugins: Plugin[]): Promise<Map<string, boolean | null>>;
	/** Each image's answer as it comes; a tag's registry answer is reused for `updateCheckTtlSeconds`. */
	imageUpdates?(images: ImageWithUsage[], onUpdate: (image: ImageWithUsage, update: ImageUpdate) => void): Promise<void>;
	pullImage?(image: string, onProgress: (progress: LayerProgress) => void): Promise<{upToDate: boolean}>;
	removeImage?(image: string): Promise<void>;
	/** The persistent settings (conf): the re-check interval and how long answers are kept. */
	settings?(): Promise<Settings>;
	/** Ends its connections to the daemon (an ssh process for ssh://): the screen has quit, or no longer shows this host. */
	close?(): void;
}

/** A health check in a few words for the detail and the list. */
export function healthText(health: PluginHealth): string {
	switch (health.state) {
		case 'healthy': {
			return `healthy (answers in ${Math.round((health.activateMs ?? 0) + (health.callMs ?? 0))} ms)`;
		}

		case 'disabled': {
			return 'disabled: not checked';
		}

		case 'not-local': {
			return 'health: the daemon is not on this host';
		}

		default: {
			return `${health.state}: ${health.detail}`;
		}
	}
}

export function createHostServices(
	target: EngineTarget,
	options: {
		readOnly: boolean;
		ledgerDir?: string;
		signal?: AbortSignal;
		onIdle?: () => void;
		/** `--daemon-log FILE`. */
		daemonLog?: string;
		/** `--kasm-dir DIR`: where K finds Kasm's scripts. */
		kasmDir?: string;
		/** The daemon's engine, borrowed (a fleet's host pool, which closes it); default: one of its own. */
		engine?: () => Promise<Engine>;
	},
): HostServices & {busy: () => boolean; prefetch: () => void} {
	let running = 0;
	// Bumped as each change begins and ends: a listing taken across one may show a build already gone.
	let generation = 0;
	// Events that came while a change of ours ran: read once it is over (see watch).
	let readAfterWork: (() => void) | undefined;
	const asWork = async <T>(work: () => Promise<T>): Promise<T> => {
		running++;
		generation++;
		try {
			return await work();
		} finally {
			running--;
			generation++;
			if (running === 0) {
				const read = readAfterWork;
				readAfterWork = undefined;
				read?.();
				options.onIdle?.();
			}
		}
	};

	let prefetched: Promise<HostSnapshot> | undefined;
	let engineOpened: Promise<Engine> | undefined;
	const engineNow = async () => {
		engineOpened ??= options.engine ? options.engine() : Engine.open(target);
		return engineOpened.catch(error => {
			// Asked again next time: a host that was down may answer now.
			engineOpened = undefined;
			throw error;
		});
	};
	let opened: Promise<FlowContext> | undefined;
	const context = async () => {
		opened ??= engineNow().then(async engine => openFlowContext({target, ledgerDir: options.ledgerDir, readOnly: options.readOnly, engine}));
		return opened.catch(error => {
			opened = undefined;
			throw error;
		});
	};

	let checker: ImageUpdateChecker | undefined;
	const refuseWhenReadOnly = (what: string) => {
		if (options.readOnly) {
			throw new Refused(`kasm-tui is read-only (--read-only): it will not ${what}`);
		}
	};

	return {
		target,
		readOnly: options.readOnly,

		async load() {
			if (prefetched) {
				const first = prefetched;
				prefetched = undefined;
				return first;
			}

			const listedAt = generation;
			const engine = await engineNow();
			// Everything at once, the containers shared by both indexes: the cost does not grow with the
			// host, and the version and settings asked for the flows do not hold the listings up.
			// The header's figures: a daemon that cannot count its disk still shows its plugins and images.
			let disk: DiskSummary | undefined;
			let diskRead = false;
			const diskLater = readDiskUsage(engine).then(diskSummary, () => undefined);
			void diskLater.then(summary => {
				disk = summary;
				diskRead = true;
			});
			const [flow, plugins, listings, rawImages] = await Promise.all([context(), listPlugins(engine), fetchUsageListings(engine), listRawImages(engine)]);
			const usage = buildUsageIndex(
				plugins.map(plugin => plugin.name),
				listings,
			);
			// Not while a change of ours runs or ran since the listing: it would record a build already replaced.
			if (!options.readOnly && running === 0 && generation === listedAt) {
				try {
					await observePlugins(flow, plugins);
				} catch {
					// The ledger being unusable is said when a change is attempted; listing goes on.
				}
			}

			return {
				engine: flow.engineVersion,
				plugins: plugins.map(plugin => ({...plugin, usedBy: usage.get(plugin.name) ?? emptyUsage()})),
				images: imagesWithUsage(rawImages, listings.containers),
				liveSessions: countLiveSessions(listings.containers),
				kasm: kasmReleases(listings.containers),
				...(diskRead ? (disk ? {disk} : {}) : {diskLater}),
			};
		},

		watch(onChange, onState) {
			let stop = () => {};
			let stopped = false;
			void context().then(
				({engine}) => {
					if (stopped) {
						return;
					}

					// A burst of events (a flow, a pull) is one reload, not one per event. Not while a change of ours runs:
					// dockerd holds a volume listing under way while a volume plugin is disabled for ~15 s, and the read after the change would wait behind it.
					const batch = batchEvents(
						() => {
							if (running > 0) {
								readAfterWork = onChange;
							} else {
								onChange();
							}
						},
						{windowMs: 150},
					);
					const watch = watchEvents(engine, {
						onEvent: event => batch.push(event),
						onState: (state, info) => onState(state === 'live' ? 'live' : 'lost', info.reason),
					});
					stop = () => {
						batch.close();
						watch.close();
					};
				},
				() => onState('lost'),
			);
			return () => {
				stopped = true;
				stop();
			};
		},

		async imageUpdates(images, onUpdate) {
			const flow = await context();
			const {settings} = await readSettings();
			checker ??= new ImageUpdateChecker({registry: flow.registry, ttlSeconds: settings.updateCheckTtlSeconds});
			await checker.checkAll(images, {onUpdate: (image, update) => onUpdate(image as ImageWithUsage, update)});
		},

		async pullImage(image, onProgress) {
			refusePullWhenReadOnly(options.readOnly);
			const flow = await context();
			const pulled = await pullImage(flow.engine, image, {auth: await pullAuth(flow, image), onProgress});
			checker?.forget();
			return pulled;
		},

		async removeImage(image) {
			const {engine} = await context();
			await removeImage(engine, image, {readOnly: options.readOnly});
		},

		async settings() {
			return (await readSettings()).settings;
		},

		async health(plugin) {
			const {engine} = await context();
			return healthText(await checkPluginHealth(engine, plugin));
		},

		async pluginUpdates(plugins) {
			const flow = await context();
			const found = new Map<string, boolean | null>();
			await mapLimited(plugins, 4, async plugin => {
				try {
					const {registry, repository, tag} = parseReference(plugin.reference);
					const build = await flow.registry.build({registry, repository, tag});
					found.set(plugin.name, !sameBuild(build.diffIds, plugin.diffIds));
				} catch {
					found.set(plugin.name, null);
				}
			});
			return found;
		},

		async details(plugin) {
			const flow = await context();
			const details: PluginDetails = {history: []};
			let previous: LedgerEntry | undefined;
			try {
				const {entries} = flow.ledger.read(plugin.name);
				details.history = [...entries].reverse();
				// The very build a rollback goes back to, fallback included: the picker and the rollback agree.
				previous = previousBuild(entries, plugin);
				details.previousTag = previous && versionOfEntry(previous, details);
			} catch (error) {
				details.historyError = (error as Error).message;
			}

			if (!plugin.reference) {
				return details;
			}

			try {
				const {registry, repository} = parseReference(plugin.reference);
				const repo = {registry, repository};
				const tags = await flow.registry.listTags(repo);
				details.tags = sortTagsNewestFirst(tags);
				const line = parseVersionTag(plugin.tag);
				if (line) {
					details.latestPatch = latestTag(tags, lineOf(line));
				}

				// Each tag of its line read once: which hold the build it runs, and what each build of its history was.
				const candidates = candidateTags(tags, plugin.tag);
				const builds = await buildsOfTags(flow.registry, repo, candidates);
				details.installedBuild = candidates.filter(tag => sameBuild(builds.get(tag) ?? [], plugin.diffIds));
				details.releaseOf = releasesOf(builds);

				details.previousTag = previous && versionOfEntry(previous, details);
			} catch (error) {
				details.tagsError = (error as Error).message;
			}

			return details;
		},

		async plan(request) {
			const flow = await context();
			if (request.kind === 'install') {
				return planChange(flow, request);
			}

			// The screen's listing may be older than the daemon (its read after the last change not in yet): plan from
			// the plugin as the daemon has it now, which /plugins answers at once; what uses it is checked by the daemon as the steps run.
			const plugin = (await listPlugins(flow.engine)).find(candidate => candidate.name === request.plugin.name);
			if (!plugin) {
				throw new PluginNotFound(safeText(request.plugin.name));
			}

			const kasmRestart = request.kasmRestart && {dir: request.kasmRestart.dir ?? options.kasmDir};
			return planChange(flow, {...request, plugin: {...plugin, usedBy: request.plugin.usedBy}, kasmRestart});
		},

		async run(plan, onEvent) {
			const flow = await context();
			const gate = await kasmRestartGate(flow, plan);
			const result = await asWork(async () => runPlan(flow, plan, onEvent, {signal: options.signal, gate}));
			return {...result, builds: await buildChangeOfResult(flow, plan, result)};
		},

		async tags(repository) {
			const {registry, repository: path} = parseReference(repository);
			return sortTagsNewestFirst(await (await context()).registry.listTags({registry, repository: path}));
		},

		async logs(plugin, onLine, signal, {last} = {}) {
			const {settings} = await readSettings();
			const source = await findDaemonLog({target, file: options.daemonLog, setting: settings.daemonLog});
			if (source.kind === 'remote') {
				return {remote: remoteLogHint(source, plugin.name)};
			}

			hideSecretSettings(plugin);
			// From the end, never the whole log: a host's syslog may hold years.
			const lookBack = screenLookBack;
			return {source: describeLogSource(source, lookBack), done: readPluginLog(source, plugin.id, {follow: true, last, lookBack, signal, onLine})};
		},

		busy: () => running > 0,

		prefetch() {
			prefetched = this.load();
			// Read again by the screen; an early failure must not be reported as unhandled.
			prefetched.catch(() => {});
		},

		autoUpdatePreview(plugins) {
			return plugins.map(plugin => ({plugin: plugin.name, reason: skipReason(plugin)}));
		},

		close() {
			// A borrowed engine is its pool's to close.
			if (!options.engine) {
				void engineOpened?.then(engine => engine.close(), () => {});
			}
		},

		async autoUpdate(onEvent) {
			refuseWhenReadOnly('update plugins');
			const flow = await context();
			flow.ledger.assertUsable();
			return asWork(async () => autoUpdate(flow, onEvent, {signal: options.signal}));
		},
	};
}
