import {openCodeCache} from './code-cache.js';
import {runApp} from './executable/compile.js';

/** Set by the build (source/build/build.ts): the app script's content hash, and the command table's names. */
declare const KASM_TUI_BUILD: string;
declare const KASM_TUI_COMMANDS: readonly string[];

// The npm-installed bin: the app is one CommonJS script beside it (app.cjs, ASCII only: read as
// latin1, which costs less than decoding UTF-8), compiled with what V8 compiled of it when this
// command last ran (source/code-cache.ts).
const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = process.getBuiltinModule('node:path') as typeof import('node:path');
const file = path.join(import.meta.dirname, 'app.cjs');
const argv = process.argv.slice(2);
const cache = openCodeCache(argv, process.env, KASM_TUI_BUILD, KASM_TUI_COMMANDS);
const {script, app, rejected} = runApp(fs.readFileSync(file, 'latin1'), file, cache.data);
cache.keep(script, rejected);
app.runCli(argv);
