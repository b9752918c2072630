import type {Script} from 'node:vm';

/**
 * The npm-installed bin's V8 code cache: what V8 compiled of the app (dist/app.cjs) in a run,
 * kept for the next start of the same command, so it starts from compiled code instead of
 * parsing and compiling ~1 MB of JavaScript (Node 20 has no compile cache of its own, and Node
 * 22's does not cover a script compiled with node:vm). The single executable carries its cache
 * inside (source/build/train.ts); this one is made on the operator's machine, by their Node.
 *
 * Kept in `$XDG_CACHE_HOME/kasm-tui/code/BUILD/` (else `~/.cache/…`): a file per Node release,
 * architecture and command, since each command compiles its own code; those of the last two
 * other builds are kept, older ones removed. A cache is compiled code, never state. One is used
 * only when this user owns it and no one else may write it (its folder is made 0700, the file
 * 0600); V8 itself rejects one made by another Node or other flags, and a rejected one is made
 * again. `KASM_TUI_CODE_CACHE=0` (or Node's own `NODE_DISABLE_COMPILE_CACHE`) turns it off;
 * without a home folder there is none. Nothing here ever fails a run.
 */

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = () => process.getBuiltinModule('node:path') as typeof import('node:path');

export interface CodeCache {
	/** The cached code to compile the app with, if there is a usable one. */
	data?: Buffer;
	/** Once the app is compiled: keeps what this run compiles, at its exit, if the cache needs it. */
	keep: (script: Script, rejected: boolean) => void;
}

const none: CodeCache = {keep() {}};

/**
 * What the app calls just before it changes V8's flags (source/registry/transport.ts): V8 stamps
 * a cache with its flags and refuses it under others, so a cache to be made is made then, from
 * what was compiled so far, and written at exit.
 */
export const beforeV8FlagsChange = Symbol.for('kasm-tui.before-v8-flags-change');

/**
 * The command a run's arguments name (its first word among `commands`), else `screen`: a file
 * name. `help` wherever --help or --version is asked (-h, -v): such a run compiles next to
 * nothing of its command, and a cache made by it would be taken by the command's next real start.
 */
export function commandKey(argv: readonly string[], commands: readonly string[]): string {
	if (argv.some(word => ['--help', '-h', '--version', '-v'].includes(word))) {
		return 'help';
	}

	return argv.find(word => commands.includes(word)) ?? 'screen';
}

/** Where the caches of this build go, or undefined where there is no home folder or they are turned off. */
export function codeCacheFolder(env: NodeJS.ProcessEnv, build: string): string | undefined {
	if (env.KASM_TUI_CODE_CACHE === '0' || env.NODE_DISABLE_COMPILE_CACHE) {
		return undefined;
	}

	const home = env.XDG_CACHE_HOME || (env.HOME ? path().join(env.HOME, '.cache') : undefined);
	return home && path().isAbsolute(home) ? path().join(home, 'kasm-tui', 'code', build) : undefined;
}

/** Whether this user owns a file or folder and no one else may write it. */
function isOwnAndPrivate(stat: import('node:fs').Stats): boolean {
	return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

/** The cache file's bytes, if this user owns it and only they may write it. */
function readOwn(file: string): Buffer | undefined {
	let descriptor: number | undefined;
	try {
		descriptor = fs().openSync(file, 'r');
		const stat = fs().fstatSync(descriptor);
		if (!stat.isFile() || !isOwnAndPrivate(stat)) {
			return undefined;
		}

		return fs().readFileSync(descriptor);
	} catch {
		return undefined;
	} finally {
		if (descriptor !== undefined) {
			fs().closeSync(descriptor);
		}
	}
}

/** Writes `data` as `file`, whole or not at all (a temporary file renamed), in a folder only this user may enter. */
function writeOwn(folder: string, file: string, data: Buffer): void {
	const {mkdirSync, writeFileSync, renameSync, rmSync, readdirSync, lstatSync} = fs();
	const parent = path().dirname(folder);
	if (!lstatSync(parent, {throwIfNoEntry: false})) {
		mkdirSync(parent, {recursive: true, mode: 0o700});
	}

	const parentStat = lstatSync(parent);
	if (!parentStat.isDirectory() || !isOwnAndPrivate(parentStat)) {
		return;
	}

	// Other builds' caches: the two last made are kept (two installs used in turn, npx and a global
	// one, would otherwise remove each other's at every start); older ones are of no more use.
	const others = readdirSync(parent)
		.filter(other => other !== path().basename(folder))
		.map(other => ({other, made: lstatSync(path().join(parent, other)).mtimeMs}))
		.sort((a, b) => b.made - a.made);
	for (const {other} of others.slice(2)) {
		rmSync(path().join(parent, other), {recursive: true, force: true});
	}

	mkdirSync(folder, {recursive: true, mode: 0o700});
	const temporary = `${file}.${process.pid}.tmp`;
	try {
		writeFileSync(temporary, data, {mode: 0o600});
		renameSync(temporary, file);
	} finally {
		rmSync(temporary, {force: true});
	}
}

/** The code cache of this build for the command `argv` names. */
export function openCodeCache(argv: readonly string[], env: NodeJS.ProcessEnv, build: string, commands: readonly string[]): CodeCache {
	const folder = codeCacheFolder(env, build);
	if (!folder) {
		return none;
	}

	const file = path().join(folder, `node-${process.version}-${process.arch}-${commandKey(argv, commands)}.bin`);
	const data = readOwn(file);
	return {
		data,
		keep(script, rejected) {
			if (data && !rejected) {
				return;
			}

			let made: Buffer | undefined;
			const make = () => {
				made ??= script.createCachedData();
			};

			(globalThis as Record<symbol, unknown>)[beforeV8FlagsChange] = make;
			process.once('exit', code => {
				// A run that failed compiled its way to the failure: the next good one makes the cache.
				if (code !== 0) {
					return;
				}

				try {
					make();
					writeOwn(folder, file, made!);
				} catch {
					// A cache is only ever a help: a full disk or a read-only home starts slower, nothing more.
				}
			});
		},
	};
}
