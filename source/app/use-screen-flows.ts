import {useApp} from 'ink';
import {useRef, useState} from 'react';
import type {LayerProgress} from '../docker/image-pull.js';
import type {ImageWithUsage} from '../docker/images.js';
import type {PluginWithUsage} from '../docker/usage.js';
import {NotPutBack, Refused} from '../errors.js';
import {isImmutableTag} from '../flows/builds.js';
import {describeResult, summarisePlan} from '../flows/describe.js';
import type {ChangeRequest} from '../flows/open-change.js';
import type {Plan} from '../flows/plan.js';
import {sameBuild} from '../registry/same-build.js';
import {FlowFailed, type FlowEvent} from '../flows/run.js';
import {planLines, progressLine, type Choice} from './dialogs.js';
import {imageName} from './image-detail.js';
import type {Action} from './keymap.js';
import {line, type Line} from './lines.js';
import {isChanging, type ModeStore, type Outcome} from './mode.js';
import type {DetailState} from './plugin-detail.js';
import type {HostServices, HostSnapshot} from './services.js';

/** What the keys act on: the selection of the moment. */
export interface Selection {
	onPlugins: boolean;
	plugin?: PluginWithUsage;
	image?: ImageWithUsage;
	snapshot?: HostSnapshot;
	details?: DetailState;
}

export interface ScreenFlowsOptions {
	services: HostServices;
	mode: ModeStore;
	/** The message row under the body. */
	say: (message: Line | undefined) => void;
	/** After a change: the daemon and the selection's details are read again. */
	refresh: () => void;
	/** Rows a dialog has for progress lines, and the width a layer's bar may take. */
	room: {lines: number; columns: number};
}

export interface ScreenFlows {
	/** Health checks by plugin id, as the list and the detail show them. */
	health: Record<string, string>;
	act(action: Action, selection: Selection): void;
	/** `y` at a confirmation. */
	accept(): void;
	pickVersion(plugin: PluginWithUsage, choice: Choice): void;
	reinstallAs(plugin: PluginWithUsage, version: string, alias: string): void;
	/** ctrl-c: quits, or, while a change runs, quits once it has finished or been undone. */
	interrupt(): void;
	/** A key that would start a change while one is planned or runs: refused, with the reason. */
	refuseWhileChanging(key: string): void;
}

const planning: Record<ChangeRequest['kind'], string> = {
	upgrade: 'the upgrade of',
	rollback: 'the rollback of',
	reinstall: 'the reinstall of',
	set: 'the settings of',
	enable: 'to enable',
	disable: 'to disable',
	remove: 'to remove',
};

/**
 * Every flow run from the screen: plan, confirmation, progress, result, one change at a time.
 * Changes go through the services' plan and run, as the commands' go through the same flows.
 */
export function useScreenFlows(options: ScreenFlowsOptions): ScreenFlows {
	const {exit} = useApp();
	const [health, setHealth] = useState<Record<string, string>>({});
	const quitWhenDone = useRef(false);
	const {services, mode, say, refresh, room} = options;

	const finish = (title: string, outcome: Outcome, lines: Line[]) => {
		if (quitWhenDone.current) {
			exit();
			return;
		}

		mode.set({kind: 'result', title, outcome, lines});
		refresh();
	};

	const fail = (title: string, error: unknown) => {
		const message = line({text: String((error as Error)?.message ?? error), color: 'red'});
		if (error instanceof Refused) {
			finish(title, 'refused', [line({text: error.message, color: 'yellow'}), line({text: 'nothing was changed', dim: true})]);
		} else if (error instanceof FlowFailed && error.undoFailed) {
			finish(title, 'failed, not put back', [
				message,
				line({text: 'now  ', dim: true}, {text: error.state, color: 'yellow'}),
				line({text: 'run  ', dim: true}, {text: error.recover ?? '', bold: true}),
			]);
		} else {
			finish(title, error instanceof NotPutBack ? 'failed, not put back' : 'failed', [message]);
		}
	};

	/** The one door to a change: shut while another is under way. */
	const begin = (title: string): boolean => {
		if (mode.get().kind === 'running') {
			return false;
		}

		mode.set({kind: 'running', title, lines: []});
		return true;
	};

	/** Shows work under way, one line per event, the newest at the bottom. */
	const runWithProgress = (title: string, work: (report: (event: FlowEvent) => void) => Promise<Line[]>) => {
		if (!begin(title)) {
			return;
		}

		const shown: Line[] = [];
		const report = (event: FlowEvent) => {
			const next = progressLine(event);
			if (next) {
				shown.push(next);
				mode.set({kind: 'running', title, lines: shown.slice(-Math.max(1, room.lines))});
			}
		};

		work(report).then(
			lines => finish(title, 'done', lines),
			(error: unknown) => fail(title, error),
		);
	};

	/** An image pull with a bar per layer, updated in place. */
	const pullWithProgress = (reference: string) => {
		const title = `Pull ${reference}`;
		if (!begin(title)) {
			return;
		}

		const layers = new Map<string, LayerProgress>();
		services.pullImage!(reference, progress => {
			layers.set(progress.id ?? progress.status, progress);
			mode.set({kind: 'running', title, lines: [...layers.values()].slice(-Math.max(1, room.lines)).map(layer => layerLine(layer, room.columns))});
		}).then(
			pulled => finish(title, 'done', [line({text: pulled.upToDate ? `${reference} was already up to date` : `${reference} is pulled`, color: 'green'})]),
			(error: unknown) => fail(title, error),
		);
	};

	const confirmPlan = (plan: Plan) => {
		const title = `${capitalise(plan.action)} ${plan.origin.name}`;
		if (plan.refusal) {
			fail(title, plan.refusal);
			return;
		}

		mode.set({
			kind: 'confirm',
			title: `${title}?`,
			lines: planLines(summarisePlan(plan)),
			run: () =>
				runWithProgress(title, async report => {
					const result = await services.run(plan, report);
					return [line({text: `done: ${describeResult(plan, result)}`, color: 'green'})];
				}),
		});
	};

	const startPlan = (request: ChangeRequest) => {
		mode.set({kind: 'busy', title: `Preparing ${planning[request.kind]} ${request.plugin.name}…`});
		services.plan(request).then(confirmPlan, (error: unknown) => fail(`${capitalise(request.kind)} ${request.plugin.name}`, error));
	};

	const simpleChange = (title: string, lines: Line[], change: () => Promise<void>, done: string) => {
		mode.set({
			kind: 'confirm',
			title,
			lines,
			run: () =>
				runWithProgress(title.replace(/\?$/, ''), async () => {
					await change();
					return [line({text: done, color: 'green'})];
				}),
		});
	};

	const autoUpdate = (snapshot: HostSnapshot) => {
		const preview = services.autoUpdatePreview(snapshot.plugins).map(item =>
			item.reason ? line({text: `  skip     ${item.plugin}`, dim: true}, {text: `  ${item.reason}`, dim: true}) : line({text: `  upgrade  ${item.plugin}`, bold: true}),
		);
		mode.set({
			kind: 'confirm',
			title: 'Auto-update every rolling plugin that nothing uses?',
			lines: [line({text: 'each upgrade: docker plugin disable → docker plugin upgrade → docker plugin enable', dim: true}), ...preview],
			run: () =>
				runWithProgress('Auto-update', async report => {
					const outcomes = await services.autoUpdate((_plugin, event) => report(event));
					const failed = outcomes.filter(outcome => outcome.result === 'failed');
					const notPutBack = failed.filter(outcome => outcome.undoFailed);
					if (notPutBack.length > 0) {
						throw new NotPutBack(`not put back: ${notPutBack.map(outcome => `${outcome.state}; run ${outcome.recover}`).join('; ')}`);
					}

					if (failed.length > 0) {
						throw new Error(`${failed.length} of ${outcomes.length} failed: ${failed.map(outcome => `${outcome.plugin} (${outcome.reason})`).join('; ')}`);
					}

					return outcomes.map(outcome =>
						line(
							{text: `${outcome.result.padEnd(9)}`, color: outcome.result === 'upgraded' ? 'green' : undefined},
							outcome.plugin,
							outcome.result === 'upgraded' ? '' : {text: `  ${outcome.reason}`, dim: true},
						),
					);
				}),
		});
	};

	const reinstallChoices = (plugin: PluginWithUsage, details: DetailState | undefined) => {
		const known = details?.status === 'ready' ? details.details : undefined;
		const settled = (known?.history ?? []).filter(entry => entry.outcome === 'ok' && entry.tag);
		// A moving tag names today's build, not the one in the history: that one is offered by its digest.
		const fromHistory = settled.filter(entry => isImmutableTag(entry.tag) || !entry.identity.digest).map(entry => entry.tag);
		const builds = [
			...new Map(
				settled
					.filter(entry => !isImmutableTag(entry.tag) && entry.identity.digest && !sameBuild(entry.identity.diffIds, plugin.diffIds))
					.map(entry => [entry.identity.digest!, entry]),
			).values(),
		].map(entry => ({
			label: `${entry.tag} @ ${entry.identity.digest!.slice(7, 19)}  (history build, ${entry.time.slice(0, 10)})`,
			value: entry.identity.digest!,
		}));
		const choices = [
			...[...new Set([...(known?.tags ?? []), ...fromHistory])].map(tag => ({
				label: `${tag}${tag === plugin.tag ? '  (installed)' : ''}${tag === known?.previousTag ? '  (previous)' : ''}${tag === known?.latestPatch ? '  (latest patch)' : ''}${fromHistory.includes(tag) && !(known?.tags ?? []).includes(tag) ? '  (history)' : ''}`,
				value: tag,
			})),
			...builds,
		];
		if (choices.length === 0) {
			say(line({text: known ? 'no versions known for this plugin: its registry listed no tags' : 'still reading its tags: try again in a moment', color: 'yellow'}));
		} else {
			mode.set({kind: 'pick-version', plugin, choices});
		}
	};

	const actOnPlugin = (action: Action, plugin: PluginWithUsage, selection: Selection) => {
		switch (action) {
			case 'upgrade':
			case 'rollback':
			case 'remove': {
				startPlan({kind: action, plugin});
				break;
			}

			case 'enable':
			case 'disable': {
				// Said at once, without a plan: nothing would change, and the ledger need not hear of it.
				if (plugin.enabled === (action === 'enable')) {
					say(line({text: `${plugin.name} is already ${action}d`, dim: true}));
				} else {
					startPlan({kind: action, plugin});
				}

				break;
			}

			case 'reinstall': {
				reinstallChoices(plugin, selection.details);
				break;
			}

			case 'auto-update': {
				if (selection.snapshot) {
					autoUpdate(selection.snapshot);
				}

				break;
			}

			case 'health': {
				if (services.health) {
					setHealth(current => ({...current, [plugin.id]: 'checking…'}));
					services.health(plugin).then(
						text => setHealth(current => ({...current, [plugin.id]: text})),
						(error: unknown) => setHealth(current => ({...current, [plugin.id]: `health: ${(error as Error).message}`})),
					);
				}

				break;
			}

			default:
		}
	};

	const actOnImage = (action: Action, image: ImageWithUsage) => {
		const reference = image.dangling ? image.id : imageName(image);
		if (action === 'remove' && services.removeImage) {
			if (image.usedBy.containers.length > 0) {
				say(line({text: `${reference} is used by ${image.usedBy.containers.join(', ')}: remove those containers first`, color: 'yellow'}));
				return;
			}

			simpleChange(`Remove the image ${reference}?`, [line({text: `$ docker image rm ${reference}`, dim: true})], async () => services.removeImage!(reference), `${reference} is removed`);
		} else if (action === 'pull' && !image.dangling && services.pullImage) {
			mode.set({
				kind: 'confirm',
				title: `Pull ${reference}?`,
				lines: [line({text: `$ docker pull ${reference}`, dim: true}), line({text: 'containers keep the build they run until they are re-created', dim: true})],
				run: () => pullWithProgress(reference),
			});
		}
	};

	return {
		health,
		act(action, selection) {
			if (selection.onPlugins && selection.plugin) {
				actOnPlugin(action, selection.plugin, selection);
			} else if (!selection.onPlugins && selection.image) {
				actOnImage(action, selection.image);
			}
		},
		accept() {
			const current = mode.get();
			if (current.kind === 'confirm') {
				current.run();
			}
		},
		pickVersion(plugin, choice) {
			mode.set({kind: 'alias', plugin, version: choice.value, text: ''});
		},
		reinstallAs(plugin, version, alias) {
			startPlan({kind: 'reinstall', plugin, version, alias: alias === '' ? undefined : alias});
		},
		interrupt() {
			if (mode.get().kind === 'running') {
				// Never leave a plugin half-changed: the flow finishes (or is undone), then we quit.
				quitWhenDone.current = true;
				say(line({text: 'a change is under way: kasm-tui quits as soon as it has finished or been undone', color: 'yellow'}));
			} else {
				exit();
			}
		},
		refuseWhileChanging(key) {
			const current = mode.get();
			if (isChanging(current)) {
				say(line({text: `one change at a time: "${key}" was not taken while ${current.title.replace(/…$/, '')} runs`, color: 'yellow'}));
			}
		},
	};
}

function layerLine(layer: LayerProgress, width: number): Line {
	const share = layer.total ? Math.min(1, (layer.current ?? 0) / layer.total) : undefined;
	const barWidth = Math.max(10, Math.min(30, width - 60));
	const bar = share === undefined ? '' : ` [${'='.repeat(Math.round(share * barWidth)).padEnd(barWidth)}] ${Math.round(share * 100)}%`;
	return line({text: `  ${(layer.id ?? '').padEnd(13)}`, dim: true}, layer.status, bar ? {text: bar, color: 'cyan'} : undefined);
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
