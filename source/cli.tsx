import process from 'node:process';
import {closeDebugLog} from './debug.js';
import {main, reportError} from './main.js';

// The bin: everything else is in main, so tests can run it in-process.

// Pipes to `head` close early; that is not an error worth a stack trace.
process.stdout.on('error', error => {
	if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
		process.exit(0);
	}
});

main(process.argv.slice(2)).then(
	code => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.exitCode = reportError(error);
	},
).finally(() => closeDebugLog());
