import {closeDebugLog} from '../debug.js';
import {main, reportError} from './main.js';

/** One run of the bin, as a process: the exit code set, the debug log closed. */
export function runCli(argv: string[]): void {
	// Pipes to `head` close early; that is not an error worth a stack trace.
	process.stdout.on('error', error => {
		if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
			process.exit(0);
		}
	});

	main(argv).then(
		code => {
			process.exitCode = code;
		},
		(error: unknown) => {
			process.exitCode = reportError(error);
		},
	).finally(() => closeDebugLog());
}
