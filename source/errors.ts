/**
 * Errors people read. Each carries the exit code of the command surface (product.md):
 * 1 failed (and the plugin was left as it was), 2 bad input, 3 refused, 4 failed and could not
 * be put back (the plugin is not as it was: `kasm-tui recover <plugin>`), 130 cancelled at a prompt.
 * The CLI maps them to exit codes in one place (reportError in cli/main.ts); nobody else calls process.exit.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 4 | 130;

export class KasmTuiError extends Error {
	readonly exitCode: ExitCode = 1;
	override name = 'KasmTuiError';
}

/** The operator typed something we cannot use: an unknown flag, a malformed reference. */
export class BadInput extends KasmTuiError {
	override readonly exitCode = 2;
	override name = 'BadInput';
}

/** We could do it but must not: in use, read-only, no previous version. */
export class Refused extends KasmTuiError {
	override readonly exitCode = 3;
	override name = 'Refused';
}

/** A change failed and its undo failed too: the plugin is not as it was, and `recover` must put it back. */
export class NotPutBack extends KasmTuiError {
	override readonly exitCode = 4;
	override name = 'NotPutBack';
}

/** The operator pressed ctrl-c or ended the input at a prompt: 130, as a shell reports an interrupted program. */
export class Cancelled extends KasmTuiError {
	override readonly exitCode = 130;
	override name = 'Cancelled';
	constructor() {
		super('cancelled: nothing changed');
	}
}

export class DaemonUnreachable extends KasmTuiError {
	override name = 'DaemonUnreachable';
	constructor(
		readonly address: string,
		readonly reason: string,
	) {
		super(
			`cannot reach the Docker daemon at ${address} (${reason}): start dockerd, or point kasm-tui at a running daemon with --host or DOCKER_HOST`,
		);
	}
}

/**
 * A host that made no progress for a whole deadline in the middle of a change: it said nothing,
 * or (`stalled`) only the same progress again (a pull its registry stopped feeding). What it did
 * meanwhile is not known. `during` says where (`step 2/3 (pull)`).
 */
export class HostStoppedAnswering extends DaemonUnreachable {
	override name = 'HostStoppedAnswering';
	constructor(
		address: string,
		readonly silentMs: number,
		readonly during?: string,
		readonly stalled = false,
	) {
		const what = stalled ? 'made no progress' : 'stopped answering';
		super(address, during ? `${what} during ${during}` : stalled ? `no progress for ${silentMs / 1000} s` : `no answer for ${silentMs / 1000} s`);
		this.message = `the daemon at ${address} ${what}${during ? ` during ${during}` : ''}: ${stalled ? `the same progress again and again for ${silentMs / 1000} s (is its registry stalling?)` : `no word from it for ${silentMs / 1000} s`}`;
	}
}

/** The daemon answered with an error we have no better name for. */
export class DaemonError extends KasmTuiError {
	override name = 'DaemonError';
	constructor(
		message: string,
		readonly statusCode?: number,
	) {
		super(message);
	}
}

export class PluginNotFound extends BadInput {
	override name = 'PluginNotFound';
	constructor(readonly plugin: string) {
		super(`no plugin named ${plugin} on this daemon: run "kasm-tui plugins" to see the installed ones`);
	}
}

/** A read the daemon left unanswered for its whole deadline: the daemon is stuck, or its link is. */
export class DaemonDidNotAnswer extends DaemonError {
	override name = 'DaemonDidNotAnswer';
	constructor(
		message: string,
		readonly ms: number,
	) {
		super(message);
	}
}

/** Whether a host stopped answering (a change or a read passed its deadline), rather than refused or failed. */
export function isSilence(error: unknown): error is HostStoppedAnswering | DaemonDidNotAnswer {
	return error instanceof HostStoppedAnswering || error instanceof DaemonDidNotAnswer;
}
