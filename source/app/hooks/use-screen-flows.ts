import {useState} from 'react';
import type {LayerProgress} from '../../docker/image-pull.js';
import type {ImageWithUsage} from '../../docker/images.js';
import type {PluginWithUsage} from '../../docker/usage.js';
import {PluginExists} from '../../docker/errors.js';
import {BadInput, NotPutBack} from '../../errors.js';
import {buildChangeText} from '../../flows/build-change.js';
import {describeResult, summarisePlan} from '../../flows/describe.js';
import {requestSubject, type ChangeRequest} from '../../flows/open-change.js';
import type {Plan} from '../../flows/plan.js';
import {NoPreviousBuild} from '../../flows/planners.js';
import type {FlowEvent} from '../../flows/run.js';
import {changePrompts} from '../actions/change-prompts.js';
import {planLines, progressLine} from '../content/plan-lines.js';
import {imageName} from '../content/image-detail.js';
import type {Action} from '../keys/keymap.js';
import {line, type Line} from '../content/line.js';
import type {ModeStore, NextStep} from '../state/mode.js';
import {useChangeRunner} from './use-change-runner.js';
import type {DetailState} from '../content/plugin-detail.js';
import {showPluginLog} from '../actions/plugin-log.js';
import type {HostServices, HostSnapshot} from '../services/host-services.js';

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
 * Every flow run from the screen: what to plan, how to confirm and run it, through the change
 * runner both screens share (hooks/use-change-runner.ts). Changes go through the services' plan
 * and run, the pipeline's stages, as the commands' go through the same flows.
 */
export function useScreenFlows(options: ScreenFlowsOptions): ScreenFlows {
	const [health, setHealth] = useState<Record<string, string>>({});
	const {services, mode, say, refresh, room} = options;
	const runner = useChangeRunner({mode, say, refresh});
	// What is asked before a change can be planned; each answer comes back through startPlan.
	const {askInstallName, askInstallReference, changeSetting, reinstallChoices} = changePrompts({
		services,
		mode,
		say,
		startPlan: (request, selection) => startPlan(request, selection),
	});

	/** Shows work under way, one line per event, the newest at the bottom. */
	const runWithProgress = (action: string, subject: string | undefined, work: (report: (event: FlowEvent) => void) => Promise<Line[]>) => {
		runner.run({action, subject}, async show => {
			const shown: Line[] = [];
			const lines = await work(event => {
				const next = progressLine(event);
				if (next) {
					shown.push(next);
					show(shown.slice(-Math.max(1, room.lines)));
				}
			});
			return {action, subject, outcome: 'done', lines};
		});
	};

	/** An image pull with a bar per layer, updated in place. */
	const pullWithProgress = (reference: string) => {
		runner.run({action: 'Pull', subject: reference}, async show => {
			const layers = new Map<string, LayerProgress>();
			const pulled = await services.pullImage!(reference, progress => {
				layers.set(progress.id ?? progress.status, progress);
				show([...layers.values()].slice(-Math.max(1, room.lines)).map(layer => layerLine(layer, room.columns)));
			});
			return {action: 'Pull', subject: reference, outcome: 'done', lines: [line({text: pulled.upToDate ? `${reference} was already up to date` : `${reference} is pulled`, color: 'green'})]};
		});
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
			runner.fail(action, subject, plan.refusal, nextStepAfter(plan.refusal, request, selection));
			return;
		}

		runner.confirm({
			title: `${action} ${subject}?`,
			lines: planLines(summarisePlan(plan)),
			run: () =>
				runWithProgress(action, subject, async report => {
					const result = await services.run(plan, report);
					// Which build it left and which it runs now, by release tag, as the commands say it.
					return [
						line({text: `done: ${describeResult(plan, result, result.builds && buildChangeText(result.builds))}`, color: 'green'}),
						...result.warnings.map(warning => line({text: `! ${warning}`, color: 'yellow'})),
					];
				}),
		});
	};

	const startPlan = (request: ChangeRequest, selection?: Selection) => {
		const subject = requestSubject(request);
		runner.plan(`Preparing ${planning[request.kind]} ${subject}…`, services.plan(request), {
			then: plan => confirmPlan(plan, request, selection),
			failed(error) {
				// A reference that is not there, or not a reference: said over the prompt, to be corrected.
				if (request.kind === 'install' && error instanceof BadInput) {
					askInstallReference(request.reference);
					say(line({text: error.message, color: 'red'}));
				} else {
					runner.fail(actionWords[request.kind], subject, error, nextStepAfter(error, request, selection));
				}
			},
		});
	};

	const autoUpdate = (snapshot: HostSnapshot) => {
		const preview = services.autoUpdatePreview(snapshot.plugins).map(item =>
			item.reason ? line({text: `  skip     ${item.plugin}`, dim: true}, {text: `  ${item.reason}`, dim: true}) : line({text: `  upgrade  ${item.plugin}`, bold: true}),
		);
		runner.confirm({
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
			case 'remove':
			case 'enable':
			case 'disable': {
				startPlan({kind: action, plugin}, selection);
				break;
			}

			case 'kasm-upgrade': {
				// Kasm's folder as on the command line without --kasm-dir: /opt/kasm/current, else /opt/kasm.
				startPlan({kind: 'upgrade', plugin, kasmRestart: {}}, selection);
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
			runner.confirm({
				title: `Remove the image ${reference}?`,
				lines: [line({text: `$ docker image rm ${reference}`, dim: true})],
				run: () =>
					runWithProgress('Remove', `the image ${reference}`, async () => {
						await services.removeImage!(reference);
						return [line({text: `${reference} is removed`, color: 'green'})];
					}),
			});
		} else if (action === 'pull' && services.pullImage) {
			runner.confirm({
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
		accept: runner.accept,
		interrupt: runner.interrupt,
		refuseWhileChanging: runner.refuseWhileChanging,
	};
}

function layerLine(layer: LayerProgress, width: number): Line {
	const share = layer.total ? Math.min(1, (layer.current ?? 0) / layer.total) : undefined;
	const barWidth = Math.max(10, Math.min(30, width - 60));
	const bar = share === undefined ? '' : ` [${'='.repeat(Math.round(share * barWidth)).padEnd(barWidth)}] ${Math.round(share * 100)}%`;
	return line({text: `  ${(layer.id ?? '').padEnd(13)}`, dim: true}, layer.status, bar ? {text: bar, color: 'cyan'} : undefined);
}
