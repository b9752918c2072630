import type {Script} from 'node:vm';

/** What the app's CommonJS script exports (source/executable/app.ts, source/app-script.ts). */
export interface AppExports {
	runCli: (argv: string[]) => void;
	warmUp?: () => Promise<void>;
}

/**
 * Compiles the app's script as a CommonJS function and runs it, the same way when the code cache
 * is made (source/build/train.ts, source/code-cache.ts) and when it is used (loader.ts, bin.ts): V8
 * takes a cache only for the same source compiled with the same flags, and otherwise compiles
 * afresh (`rejected`), slower but the same. Node's modules are taken with getBuiltinModule: an ES
 * import of each would cost the npm bin's start a module of its own.
 */
export function runApp(source: string, filename: string, cachedData?: Uint8Array): {script: Script; app: AppExports; rejected: boolean} {
	const vm = process.getBuiltinModule('node:vm') as typeof import('node:vm');
	const path = process.getBuiltinModule('node:path') as typeof import('node:path');
	const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename, cachedData});
	const module = {exports: {} as AppExports};
	(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireBuiltin, module, filename, path.dirname(filename));
	return {script, app: module.exports, rejected: cachedData !== undefined && script.cachedDataRejected === true};
}

/** Inside the app's script only Node's built-ins exist: everything else is in the script. */
function requireBuiltin(id: string): unknown {
	const module = process.getBuiltinModule(id);
	if (module === undefined) {
		throw Object.assign(new Error(`Cannot find module '${id}'`), {code: 'MODULE_NOT_FOUND'});
	}

	return module;
}
