import {useState} from 'react';
import type {FleetPlugin} from '../../flows/fleet.js';
import type {RolloutPlan, RolloutRequest} from '../../flows/rollout.js';
import {rolloutExitCode} from '../../flows/rollout-plan.js';
import {pickReinstall} from '../actions/change-prompts.js';
import {line, type Line} from '../content/line.js';
import type {ModeStore} from '../state/mode.js';
import {useChangeRunner} from './use-change-runner.js';
import type {DetailState} from '../content/plugin-detail.js';
import type {FleetAction} from '../keys/fleet-keymap.js';
import type {FleetServices} from '../services/fleet-services.js';
import type {FleetHostState} from '../state/fleet-state.js';
import type {MatrixRow} from '../state/matrix.js';
import type {FleetImageRow} from '../../flows/fleet-images.js';
import {hostsToPull, progressWord, pullPlanLines, pullProgressLines, pullResultLines, type PullProgress} from '../content/fleet-pull-lines.js';
import {progressAfter, progressLines, progressStart, reportLines, reportOutcome, rolloutPlanLines, rolloutSubject} from '../content/rollout-lines.js';

/** What the keys act on: the host and plugin selected at that moment. */
export interface FleetSelection {
	host?: FleetHostState;
	row?: MatrixRow;
	/** The selected host's plugin of the selected row, when it runs one. */
	plugin?: FleetPlugin;
	details?: DetailState;
	/** What the matrix shows. */
	view?: 'plugins' | 'images';
	/** The selected repository:tag of the images view. */
	image?: FleetImageRow;
}

export interface RolloutFlowsOptions {
	services: FleetServices;
	mode: ModeStore;
	say: (message: Line | undefined) => void;
	/** After a rollout: every host is read again. */
	refresh: () => void;
	/** Rows the progress has. */
	room: {lines: number};
}

export interface RolloutFlows {
	/** The hosts marked as canaries with `c`, in the order marked (else the --canary ones). */
	canaries: readonly string[];
	act(action: FleetAction, selection: FleetSelection): void;
	accept(): void;
	/** ctrl-c: quits; during a rollout, stops it (the hosts under way finish or undo), and a second one quits once they have. */
	interrupt(): void;
	refuseWhileChanging(key: string): void;
}

const hintWhileRunning = 'host by host: ctrl-c lets the hosts under way finish or undo their change, and starts no other';

/**
 * The fleet's flows from the screen: the plan of every host before anything changes, one
 * confirmation, each host's progress as runRollout reports it, then the report; through the
 * change runner both screens share (hooks/use-change-runner.ts).
 */
export function useRolloutFlows(options: RolloutFlowsOptions): RolloutFlows {
	const {services, mode, say, refresh, room} = options;
	const runner = useChangeRunner({mode, say, refresh});
	const [canaries, setCanaries] = useState<readonly string[]>(services.rollout.canaries);

	const run = (plan: RolloutPlan) => {
		const {request} = plan;
		runner.run(
			{action: `Fleet ${request.action}`, subject: request.action === 'auto-update' ? undefined : request.plugin},
			async (show, signal) => {
				let progress = progressStart(plan);
				show(progressLines(progress, room.lines));
				const report = await services.run(
					plan,
					event => {
						progress = progressAfter(progress, event);
						show(progressLines(progress, room.lines));
					},
					signal,
				);
				return {action: `Fleet ${request.action}`, subject: request.action === 'auto-update' ? undefined : request.plugin, outcome: reportOutcome(report), lines: reportLines(plan, report)};
			},
			{hint: hintWhileRunning, stoppedBy: {ctrlC: 'ctrl-c: the hosts under way finish or undo their change, and no other host starts (ctrl-c again quits once they have)'}},
		);
	};

	const confirmPlan = (title: string, plan: RolloutPlan) => {
		const lines = rolloutPlanLines(plan);
		const changing = plan.jobs.filter(job => !job.verdict.skip).length;
		const subject = plan.request.action === 'auto-update' ? undefined : plan.request.plugin;
		if (plan.order.refusal || changing === 0) {
			services.discard(plan);
			// Nothing to run: the plan says why, as `fleet upgrade` would before exiting 3 (or 0).
			const skipped = plan.jobs.map(job => ({host: job.host.name, result: 'skipped' as const, skipKind: job.verdict.skip?.kind}));
			const outcome = plan.order.refusal || rolloutExitCode(skipped) === 3 ? 'refused' : 'done';
			const why = plan.order.refusal ? `nothing was changed: ${plan.order.refusal}` : 'nothing was changed: every host is left alone';
			runner.finish({action: `Fleet ${plan.request.action}`, subject, outcome, lines: [line({text: why, color: 'yellow'}), [], ...lines]});
			return;
		}

		runner.confirm({
			title: `${title} on ${changing} host${changing === 1 ? '' : 's'}?`,
			lines,
			run: () => run(plan),
			cancel: () => services.discard(plan),
		});
	};

	const startRollout = (request: RolloutRequest) => {
		const subject = rolloutSubject(request);
		runner.plan(`Planning the fleet ${subject} on ${services.hosts.length} hosts…`, services.plan(request, {...services.rollout, canaries}), {
			then: plan => confirmPlan(`Fleet ${subject}`, plan),
			failed: error => runner.fail(`Fleet ${request.action}`, request.action === 'auto-update' ? undefined : request.plugin, error),
			// Let go of while it was made: its hosts' connections end.
			discard: plan => services.discard(plan),
		});
	};

	const startPull = (image: FleetImageRow) => {
		const reference = `${image.repository}:${image.tag}`;
		const hosts = hostsToPull(image);
		if (hosts.length === 0) {
			say(line({text: `every host that answered has the current build of ${reference}`, color: 'green'}));
			return;
		}

		runner.confirm({
			title: `Pull ${reference} to ${hosts.length} host${hosts.length === 1 ? '' : 's'}?`,
			lines: pullPlanLines(image, hosts, reference),
			run() {
				runner.run({action: 'Fleet pull', subject: reference}, async (show, signal) => {
					const progress: PullProgress = new Map();
					show(pullProgressLines(hosts, progress));
					const outcomes = await services.pull(
						[reference],
						hosts,
						{
							onProgress(host, said) {
								progress.set(host, progressWord(said));
								show(pullProgressLines(hosts, progress));
							},
							onOutcome(outcome) {
								progress.set(outcome.host, outcome.result === 'failed' ? 'failed' : outcome.result.replaceAll('-', ' '));
								show(pullProgressLines(hosts, progress));
							},
						},
						signal,
					);
					const failed = outcomes.filter(outcome => outcome.result === 'failed').length;
					return {action: 'Fleet pull', subject: reference, outcome: failed > 0 ? 'failed' : 'done', lines: pullResultLines(outcomes)};
				});
			},
		});
	};

	const toggleCanary = (host: FleetHostState | undefined) => {
		if (!host) {
			return;
		}

		const name = host.host.name;
		const marked = canaries.includes(name);
		setCanaries(marked ? canaries.filter(candidate => candidate !== name) : [...canaries, name]);
		say(
			line({
				text: marked ? `${name} is no longer a canary` : `${name} is a canary: a rollout changes it first, alone, and stops if it fails`,
				color: 'cyan',
			}),
		);
	};

	return {
		canaries,
		act(action, selection) {
			switch (action) {
				case 'canary': {
					toggleCanary(selection.host);
					return;
				}

				case 'auto-update': {
					startRollout({action: 'auto-update'});
					return;
				}

				case 'pull': {
					if (selection.image) {
						startPull(selection.image);
					}

					return;
				}

				case 'upgrade':
				case 'rollback': {
					if (selection.row) {
						startRollout({action, plugin: selection.row.name});
					}

					return;
				}

				case 'reinstall': {
					if (!selection.row) {
						return;
					}

					// Disabled where the host does not run it (fleet-reasons.ts): the picker offers that host's tags.
					if (!selection.plugin) {
						return;
					}

					const {plugin} = selection;
					// The choices are this host's; its history's builds by digest are not offered to the others.
					pickReinstall({mode, say}, {plugin, details: selection.details, arch: selection.host?.reading?.engine.arch, builds: false}, (version, alias) =>
						startRollout({action: 'reinstall', plugin: plugin.name, version, alias}),
					);
					return;
				}

				default:
			}
		},
		accept: runner.accept,
		interrupt: runner.interrupt,
		refuseWhileChanging: runner.refuseWhileChanging,
	};
}
