import {useApp} from 'ink';
import {useRef, useState} from 'react';
import type {LayerProgress} from '../docker/image-pull.js';
import type {ImageWithUsage} from '../docker/images.js';
import type {PluginWithUsage} from '../docker/usage.js';
import {PluginExists} from '../docker/errors.js';
import {BadInput, NotPutBack, Refused} from '../errors.js';
import {buildChangeText} from '../flows/build-change.js';
import {describeResult, summarisePlan} from '../flows/describe.js';
import {requestSubject, type ChangeRequest} from '../flows/open-change.js';
import type {Plan} from '../flows/plan.js';
import {NoPreviousBuild} from '../flows/planners.js';
import {FlowFailed, type FlowEvent} from '../flows/run.js';
import {changePrompts} from './change-prompts.js';
import {planLines, progressLine} from './dialogs.js';
import {imageName} from './image-detail.js';
import type {Action} from './keymap.js';
import {line, type Line} from './lines.js';
import {isChanging, type ModeStore, type NextStep, type Outcome} from './mode.js';
import type {DetailState} from './plugin-detail.js';
import {showPluginLog} from './plugin-log.js';
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
	/** ctrl-c: quits, or, while a change runs, quits once it has finished or been undone. */
	interrupt(): void;
	/** A key that would start a change while one is planned or runs: refused, with the reason. */
	refuseWhileChanging(key: string): void;
}

/** What each change is called in its titles: `Rollback refused: …`. */
const actionWords: Record<ChangeRequest['kind'], string> = {
	upgrade: 'Upgrade',
	rollback: 'Rollback',
	reinstall: 'Reinstall',
	install: 'Install',
	set: 'Set',
	enable: 'Enable',
	disable: 'Disable',
	remove: 'Remove',
};

const planning: Record<ChangeRequest['kind'], string> = {
	upgrade: 'the upgrade of',
	rollback: 'the rollback of',
	reinstall: 'the reinstall of',
	install: 'the install of',
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
	// What is asked before a change can be planned; each answer comes back through startPlan.
	const {askInstallName, askInstallReference, changeSetting, reinstallChoices} = changePrompts({
		services,
		mode,
		say,
		startPlan: (request, selection) => startPlan(request, selection),
	});

	const finish = (action: string, subject: string | undefined, outcome: Outcome, lines: Line[], next?: NextStep) => {
		if (quitWhenDone.current) {
			exit();
			return;
		}

		mode.set({kind: 'result', action, subject, outcome, lines, next});
		refresh();
	};

	/** How a change that did not go through ends; a refusal says why and offers the next step on the screen. */
	const fail = (action: string, subject: string | undefined, error: unknown, next?: NextStep) => {
		const message = line({text: String((error as Error)?.message ?? error), color: 'red'});
		if (error instanceof Refused) {
			const reason = error instanceof NoPreviousBuild || error instanceof PluginExists ? error.reason : error.message;
			finish(action, subject, 'refused', [
				line({text: reason, color: 'yellow'}),
				line({text: 'nothing was changed', dim: true}),
				...(next ? [[], line({text: 'next  ', dim: true}, {text: `press ${next.key} to ${next.label}`, bold: true})] : []),
			], next);
		} else if (error instanceof FlowFailed && error.undoFailed) {
			finish(action, subject, 'failed, not put back', [
				message,
				line({text: 'now  ', dim: true}, {text: error.state, color: 'yellow'}),
				line({text: 'run  ', dim: true}, {text: error.recover ?? '', bold: true}),
			]);
		} else {
			finish(action, subject, error instanceof NotPutBack ? 'failed, not put back' : 'failed', [message]);
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
	const runWithProgress = (action: string, subject: string | undefined, work: (report: (event: FlowEvent) => void) => Promise<Line[]>) => {
		const title = subject ? `${action} ${subject}` : action;
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
			lines => finish(action, subject, 'done', lines),
			(error: unknown) => fail(action, subject, error),
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
			pulled => finish('Pull', reference, 'done', [line({text: pulled.upToDate ? `${reference} was already up to date` : `${reference} is pulled`, color: 'green'})]),
			(error: unknown) => fail('Pull', reference, error),
		);
	};

	/** The step a refusal leaves on the screen: pick a version, or another name for an install. */
	const nextStepAfter = (refusal: unknown, request: ChangeRequest, selection?: Selection): NextStep | undefined => {
		if (refusal instanceof NoPreviousBuild && request.kind !== 'install') {
			return {key: 'i', label: 'pick a version to reinstall', run: () => reinstallChoices(request.plugin, selection)};
		}

		if (refusal instanceof PluginExists && request.kind === 'install') {
			return {key: 'a', label: 'install it under another name', run: () => askInstallName(request.reference)};
		}

		return undefined;
	};

	const confirmPlan = (plan: Plan, request: ChangeRequest, selection?: Selection) => {
		const action = actionWords[request.kind];
		const subject = plan.origin.name;
		if (plan.refusal) {
			fail(action, subject, plan.refusal, nextStepAfter(plan.refusal, request, selection));
			return;
		}

		mode.set({
			kind: 'confirm',
			title: `${action} ${subject}?`,
			lines: planLines(summarisePlan(plan)),
			run: () =>
				runWithProgress(action, subject, async report => {
					const result = await services.run(plan, report);
					// Which build it left and which it runs now, by release tag, as the commands say it.
					return [line({text: `done: ${describeResult(plan, result, result.builds && buildChangeText(result.builds))}`, color: 'green'})];
				}),
		});
	};

	const startPlan = (request: ChangeRequest, selection?: Selection) => {
		const subject = requestSubject(request);
		mode.set({kind: 'busy', title: `Preparing ${planning[request.kind]} ${subject}…`});
		services.plan(request).then(
			plan => confirmPlan(plan, request, selection),
			(error: unknown) => {
				// A reference that is not there, or not a reference: said over the prompt, to be corrected.
				if (request.kind === 'install' && error instanceof BadInput) {
					askInstallReference(request.reference);
					say(line({text: error.message, color: 'red'}));
				} else {
					fail(actionWords[request.kind], subject, error, nextStepAfter(error, request, selection));
				}
			},
		);
	};

	const simpleChange = (action: string, subject: string, question: string, lines: Line[], change: () => Promise<void>, done: string) => {
		mode.set({
			kind: 'confirm',
			title: question,
			lines,
			run: () =>
				runWithProgress(action, subject, async () => {
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
				runWithProgress('Auto-update', undefined, async report => {
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
							outcome.result === 'upgraded'
								? {text: `  ${buildChangeText({from: outcome.from, to: outcome.to, same: outcome.sameBuild})}`}
								: {text: `  ${outcome.reason}`, dim: true},
						),
					);
				}),
		});
	};

	const actOnPlugin = (action: Action, plugin: PluginWithUsage, selection: Selection) => {
		switch (action) {
			case 'upgrade':
			case 'rollback':
			case 'remove': {
				startPlan({kind: action, plugin}, selection);
				break;
			}

			case 'enable':
			case 'disable': {
				// Said at once, without a plan: nothing would change, and the ledger need not hear of it.
				if (plugin.enabled === (action === 'enable')) {
					say(line({text: `${plugin.name} is already ${action}d`, dim: true}));
				} else {
					startPlan({kind: action, plugin}, selection);
				}

				break;
			}

			case 'reinstall': {
				reinstallChoices(plugin, selection);
				break;
			}

			case 'set': {
				changeSetting(plugin, selection);
				break;
			}

			case 'logs': {
				showPluginLog(services, mode, plugin);
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

			simpleChange('Remove', `the image ${reference}`, `Remove the image ${reference}?`, [line({text: `$ docker image rm ${reference}`, dim: true})], async () => services.removeImage!(reference), `${reference} is removed`);
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
			// An install needs no plugin selected: there may be none yet.
			if (action === 'install' && services.tags) {
				askInstallReference('', selection.onPlugins ? selection : undefined);
			} else if (selection.onPlugins && selection.plugin) {
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
