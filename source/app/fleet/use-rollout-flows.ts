import {useApp} from 'ink';
import {useRef, useState} from 'react';
import {Refused} from '../../errors.js';
import type {FleetPlugin} from '../../flows/fleet.js';
import type {RolloutPlan, RolloutRequest} from '../../flows/rollout.js';
import {rolloutExitCode} from '../../flows/rollout-plan.js';
import {pickReinstall} from '../change-prompts.js';
import {line, type Line} from '../lines.js';
import {isChanging, type ModeStore, type Outcome} from '../mode.js';
import type {DetailState} from '../plugin-detail.js';
import type {FleetAction} from './fleet-keymap.js';
import type {FleetServices} from './fleet-services.js';
import type {FleetHostState} from './fleet-state.js';
import type {MatrixRow} from './matrix.js';
import {progressAfter, progressLines, progressStart, reportLines, reportOutcome, rolloutPlanLines, rolloutSubject} from './rollout-lines.js';

/** What the keys act on: the host and plugin selected at that moment. */
export interface FleetSelection {
	host?: FleetHostState;
	row?: MatrixRow;
	/** The selected host's plugin of the selected row, when it runs one. */
	plugin?: FleetPlugin;
	details?: DetailState;
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
 * confirmation, each host's progress as runRollout reports it, then the report. One at a time.
 */
export function useRolloutFlows(options: RolloutFlowsOptions): RolloutFlows {
	const {exit} = useApp();
	const {services, mode, say, refresh, room} = options;
	const [canaries, setCanaries] = useState<readonly string[]>(services.rollout.canaries);
	const quitWhenDone = useRef(false);
	const stop = useRef<AbortController | undefined>(undefined);

	/** `Fleet upgrade done: kasmweb/sidecar:…`, as a single change's result says it. */
	const finish = (request: RolloutRequest, outcome: Outcome, lines: Line[]) => {
		stop.current = undefined;
		if (quitWhenDone.current) {
			exit();
			return;
		}

		mode.set({kind: 'result', action: `Fleet ${request.action}`, subject: request.action === 'auto-update' ? undefined : request.plugin, outcome, lines});
		refresh();
	};

	const fail = (request: RolloutRequest, error: unknown) => {
		if (error instanceof Refused) {
			finish(request, 'refused', [line({text: error.message, color: 'yellow'}), line({text: 'nothing was changed', dim: true})]);
		} else {
			finish(request, 'failed', [line({text: String((error as Error)?.message ?? error), color: 'red'})]);
		}
	};

	const run = (title: string, plan: RolloutPlan) => {
		const {request} = plan;
		if (mode.get().kind === 'running') {
			return;
		}

		const controller = new AbortController();
		stop.current = controller;
		let progress = progressStart(plan);
		const show = () => mode.set({kind: 'running', title, lines: progressLines(progress, room.lines), hint: hintWhileRunning});
		show();
		services
			.run(
				plan,
				event => {
					progress = progressAfter(progress, event);
					show();
				},
				controller.signal,
			)
			.then(
				report => finish(request, reportOutcome(report), reportLines(plan, report)),
				(error: unknown) => fail(request, error),
			);
	};

	const confirmPlan = (title: string, plan: RolloutPlan) => {
		const lines = rolloutPlanLines(plan);
		const changing = plan.jobs.filter(job => !job.verdict.skip).length;
		if (plan.order.refusal || changing === 0) {
			services.discard(plan);
			// Nothing to run: the plan says why, as `fleet upgrade` would before exiting 3 (or 0).
			const skipped = plan.jobs.map(job => ({host: job.host.name, result: 'skipped' as const, skipKind: job.verdict.skip?.kind}));
			const outcome = plan.order.refusal || rolloutExitCode(skipped) === 3 ? 'refused' : 'done';
			const why = plan.order.refusal ? `nothing was changed: ${plan.order.refusal}` : 'nothing was changed: every host is left alone';
			finish(plan.request, outcome, [line({text: why, color: 'yellow'}), [], ...lines]);
			return;
		}

		mode.set({
			kind: 'confirm',
			title: `${title} on ${changing} host${changing === 1 ? '' : 's'}?`,
			lines,
			run: () => run(title, plan),
			cancel: () => services.discard(plan),
		});
	};

	const startRollout = (request: RolloutRequest) => {
		const subject = rolloutSubject(request);
		const title = `Fleet ${subject}`;
		mode.set({kind: 'busy', title: `Planning the fleet ${subject} on ${services.hosts.length} hosts…`});
		services.plan(request, {...services.rollout, canaries}).then(
			plan => confirmPlan(title, plan),
			(error: unknown) => fail(request, error),
		);
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

					if (!selection.plugin) {
						say(line({text: `${selection.row.name} is not installed on ${selection.host?.host.name ?? 'this host'}: pick a host that runs it, to choose from its tags`, color: 'yellow'}));
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
		accept() {
			const current = mode.get();
			if (current.kind === 'confirm') {
				current.run();
			}
		},
		interrupt() {
			if (mode.get().kind !== 'running') {
				exit();
				return;
			}

			if (stop.current && !stop.current.signal.aborted) {
				stop.current.abort('ctrl-c');
				say(line({text: 'ctrl-c: the hosts under way finish or undo their change, and no other host starts (ctrl-c again quits once they have)', color: 'yellow'}));
			} else {
				quitWhenDone.current = true;
				say(line({text: 'kasm-tui quits as soon as the hosts under way have finished or been undone', color: 'yellow'}));
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
