import process from 'node:process';
import {runCli} from './run-cli.js';

// The bin: everything else is in main, so tests can run it in-process.
runCli(process.argv.slice(2));
