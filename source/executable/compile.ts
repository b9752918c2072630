import {isBuiltin} from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** What the app's CommonJS script exports (source/executable/app.ts). */
export interface AppExports {
	runCli: (argv: string[]) => void;
	warmUp: () => Promise<void>;
}

/**
 * Compiles the app's script as a CommonJS function and runs it, the same way when the code cache
 * is made (source/build/train.ts) and when it is used (loader.ts): V8 takes a cache only for the same source
 * compiled with the same flags, and otherwise compiles afresh (`rejected`), slower but the same.
 */
export function runApp(source: string, filename: string, cachedData?: Uint8Array): {script: vm.Script; app: AppExports; rejected: boolean} {
	const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename, cachedData});
	const module = {exports: {} as AppExports};
	(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireBuiltin, module, filename, path.dirname(filename));
	return {script, app: module.exports, rejected: cachedData !== undefined && script.cachedDataRejected === true};
}

/** Inside the executable only Node's built-ins exist: everything else is in the script. */
function requireBuiltin(id: string): unknown {
	if (!isBuiltin(id)) {
		throw Object.assign(new Error(`Cannot find module '${id}'`), {code: 'MODULE_NOT_FOUND'});
	}

	return process.getBuiltinModule(id);
}
