import {runCli} from './cli/run-cli.js';

// The bin: everything else is in cli/main.ts, so tests can run it in-process.
runCli(process.argv.slice(2));
