import fs from 'node:fs';
import process from 'node:process';
import {runApp} from '../executable/compile.js';

/**
 * Run by the executable's own Node at package time: loads every module the app loads on demand
 * and renders a frame, then writes V8's code cache of everything compiled so far. Node's own SEA
 * code cache holds only what compiling the script compiles (its top level), not the functions
 * run when modules load.
 *
 *   node train.cjs APP.cjs OUT.cache
 */
const [scriptFile, cacheFile] = process.argv.slice(2);
const {script, app} = runApp(fs.readFileSync(scriptFile!, 'utf8'), scriptFile!);
await app.warmUp!();
fs.writeFileSync(cacheFile!, script.createCachedData());
