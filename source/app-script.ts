/**
 * The npm bin's app (dist/app.cjs): the CLI as one CommonJS script, which bin.ts compiles with
 * its code cache (source/code-cache.ts). Everything else it loads on demand, inside the script.
 */
export {runCli} from './cli/run-cli.js';
