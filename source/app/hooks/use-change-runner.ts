import {useApp} from 'ink';
import {useRef} from 'react';
import {PluginExists} from '../../docker/errors.js';
import {NotPutBack, Refused} from '../../errors.js';
import {NoPreviousBuild} from '../../flows/planners.js';
import {FlowFailed} from '../../flows/run.js';
import {line, type Line} from '../content/line.js';
import {isChanging, type ModeStore, type NextStep, type Outcome} from '../state/mode.js';

/** How a change ended, as its result dialog says it: `Rollback refused: <subject>`. */
export interface ChangeOutcome {
	action: string;
	subject?: string;
	outcome: Outcome;
	lines: Line[];
	next?: NextStep;
}

export interface RunOptions {
	/** What the running dialog says of ctrl-c, where a screen says more than the default. */
	hint?: string;
	/**
	 * The first ctrl-c stops the work (a rollout starts no other host) and says so; without this, the
	 * work finishes (or is undone) and the screen quits then.
	 */
	stoppedBy?: {ctrlC: string};
}

export interface ChangeRunnerOptions {
	mode: ModeStore;
	/** The message row under the body. */
	say: (message: Line | undefined) => void;
	/** After a change: what it changed is read again. */
	refresh: () => void;
}

/**
 * The one way either screen takes a change from its plan to its result: planning (esc or ctrl-c
 * lets go of it), the confirmation, the work under way (one at a time, ctrl-c never cutting it in
 * half), and the result, a refusal offering its next step. The screens say what to plan and how
 * to run it; this says how it goes.
 */
export interface ChangeRunner {
	/**
	 * Shows `title` while `planning` is asked; `then` gets what was planned unless the operator let
	 * go of it first (then `discard` does, to close what it opened), `failed` its error.
	 */
	plan<T>(title: string, planning: Promise<T>, handlers: {then: (planned: T) => void; failed: (error: unknown) => void; discard?: (planned: T) => void}): void;
	/** The confirmation: y runs `run`, n or esc calls `cancel` and changes nothing. */
	confirm(prompt: {title: string; lines: Line[]; run: () => void; cancel?: () => void}): void;
	/**
	 * Work under way, the only one, titled `Upgrade kasmweb/…`: `work` shows its progress lines, and
	 * what it resolves with is the result; what it throws ends as `fail` says.
	 */
	run(what: {action: string; subject?: string}, work: (show: (lines: Line[]) => void, signal: AbortSignal) => Promise<ChangeOutcome>, options?: RunOptions): void;
	/** The result dialog (or the screen quits, when the operator asked to once the work ended). */
	finish(result: ChangeOutcome): void;
	/** How a change that did not go through ends: refused (with its next step), failed, or not put back. */
	fail(action: string, subject: string | undefined, error: unknown, next?: NextStep): void;
	/** `y` at a confirmation. */
	accept(): void;
	/** esc or ctrl-c while a change is being planned: nothing was changed, nothing will be. */
	abandon(): void;
	/** ctrl-c: lets go of a plan being made, stops or waits for work under way, else quits. */
	interrupt(): void;
	/** A key that would start a change while one is planned or runs: refused, with the reason. */
	refuseWhileChanging(key: string): void;
}

export function useChangeRunner({mode, say, refresh}: ChangeRunnerOptions): ChangeRunner {
	const {exit} = useApp();
	const quitWhenDone = useRef(false);
	// The plan being made: a new one (or letting go) makes an earlier one's answer stale.
	const planning = useRef(0);
	const stop = useRef<{controller: AbortController; ctrlC?: string} | undefined>(undefined);

	const finish = (result: ChangeOutcome) => {
		stop.current = undefined;
		if (quitWhenDone.current) {
			exit();
			return;
		}

		mode.set({kind: 'result', ...result});
		refresh();
	};

	const fail = (action: string, subject: string | undefined, error: unknown, next?: NextStep) => {
		const message = line({text: String((error as Error)?.message ?? error), color: 'red'});
		if (error instanceof Refused) {
			const reason = error instanceof NoPreviousBuild || error instanceof PluginExists ? error.reason : error.message;
			finish({
				action,
				subject,
				outcome: 'refused',
				lines: [
					line({text: reason, color: 'yellow'}),
					line({text: 'nothing was changed', dim: true}),
					...(next ? [[], line({text: 'next  ', dim: true}, {text: `press ${next.key} to ${next.label}`, bold: true})] : []),
				],
				next,
			});
		} else if (error instanceof FlowFailed && error.undoFailed) {
			finish({
				action,
				subject,
				outcome: 'failed, not put back',
				lines: [message, line({text: 'now  ', dim: true}, {text: error.state, color: 'yellow'}), line({text: 'run  ', dim: true}, {text: error.recover ?? '', bold: true})],
			});
		} else {
			finish({action, subject, outcome: error instanceof NotPutBack ? 'failed, not put back' : 'failed', lines: [message]});
		}
	};

	const abandon = () => {
		const current = mode.get();
		if (current.kind === 'busy') {
			planning.current++;
			mode.set({kind: 'browse'});
			say(line({text: `cancelled: ${current.title.replace(/\u2026$/, '').replace(/^./, first => first.toLowerCase())} was let go of; nothing was changed`, dim: true}));
		}
	};

	return {
		plan(title, work, {then, failed, discard}) {
			const ticket = ++planning.current;
			mode.set({kind: 'busy', title, cancel: abandon});
			work.then(
				planned => {
					if (ticket === planning.current && mode.get().kind === 'busy') {
						then(planned);
					} else {
						discard?.(planned);
					}
				},
				(error: unknown) => {
					if (ticket === planning.current && mode.get().kind === 'busy') {
						failed(error);
					}
				},
			);
		},
		confirm({title, lines, run, cancel}) {
			mode.set({kind: 'confirm', title, lines, run, cancel});
		},
		run({action, subject}, work, options = {}) {
			const title = subject ? `${action} ${subject}` : action;
			// The one door to work under way: shut while another runs, however fast keys arrive.
			if (mode.get().kind === 'running') {
				return;
			}

			const controller = new AbortController();
			stop.current = {controller, ctrlC: options.stoppedBy?.ctrlC};
			mode.set({kind: 'running', title, lines: [], hint: options.hint});
			const show = (lines: Line[]) => {
				const current = mode.get();
				if (current.kind === 'running') {
					mode.set({...current, lines});
				}
			};

			work(show, controller.signal).then(
				result => finish(result),
				(error: unknown) => fail(action, subject, error),
			);
		},
		finish,
		fail,
		accept() {
			const current = mode.get();
			if (current.kind === 'confirm') {
				current.run();
			}
		},
		abandon,
		interrupt() {
			const current = mode.get();
			if (current.kind === 'busy') {
				abandon();
				return;
			}

			if (current.kind !== 'running') {
				exit();
				return;
			}

			const running = stop.current;
			if (running?.ctrlC && !running.controller.signal.aborted) {
				running.controller.abort('ctrl-c');
				say(line({text: running.ctrlC, color: 'yellow'}));
			} else {
				// Never leave a plugin half-changed: the work finishes (or is undone), then the screen closes.
				quitWhenDone.current = true;
				say(line({text: `${current.title} is under way: kasm-tui quits as soon as it has finished or been undone`, color: 'yellow'}));
			}
		},
		refuseWhileChanging(key) {
			const current = mode.get();
			if (isChanging(current)) {
				say(line({text: `one change at a time: "${key}" was not taken while ${current.title.replace(/\u2026$/, '')} ${current.kind === 'busy' ? 'is planned' : 'runs'}`, color: 'yellow'}));
			}
		},
	};
}
