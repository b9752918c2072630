/**
 * `npm run build`: the bin in dist/ (see ../shared/ink-notes.md for why a bundle): `app.cjs`, the
 * whole app as one CommonJS script in which the command line, every command's code
 * (source/cli/commands.ts), Ink, React and yoga (source/app/screens/drawn.ts) and dockerode are
 * each run only when first needed; and `cli.js`, which compiles it with a V8 code cache of what
 * the same command compiled last time (source/code-cache.ts). ES module chunks, as it was before,
 * cannot use a code cache on Node 20: parsing and compiling them was ~20 ms of each start. Also
 * the one CommonJS script that source/package.ts makes the single executable of. Build tooling:
 * never part of the bin itself.
 *
 *   node --import tsx source/build/build.ts [--outdir DIR] [--sourcemap]
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import * as esbuild from 'esbuild';
import {inkLayoutPlugin, inkOutputPlugin, leaveOutPlugin, textWidthPlugin} from './plugins.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BuildOptions {
	outdir: string;
	sourcemap?: boolean;
	warn?: (text: string) => void;
	/** Given esbuild's metafile of each bundle made: what went into which file (test/unit/bundle.test.ts reads it). */
	onMetafile?: (metafile: esbuild.Metafile) => void;
}

/**
 * What both bundles share: minified, production React, Ink's Output and layout swapped in, and
 * what we never call of dockerode left out (BuildKit sessions with gRPC and protobufjs, ssh2,
 * build contexts: leftOut in ./plugins.ts).
 */
export function sharedOptions(warn: (text: string) => void) {
	return {
		absWorkingDir: root,
		bundle: true,
		platform: 'node',
		minify: true,
		legalComments: 'none',
		define: {'process.env.NODE_ENV': '"production"'},
		plugins: [inkOutputPlugin(warn), inkLayoutPlugin(), textWidthPlugin(), leaveOutPlugin()],
		logLevel: 'warning',
	} satisfies esbuild.BuildOptions;
}

const defaultWarn = (text: string) => process.stderr.write(`build: ${text}\n`);

interface AppScriptOptions extends Omit<BuildOptions, 'outdir'> {
	entry: string;
	outfile: string;
	target: 'node20' | 'node24';
	define?: Record<string, string>;
}

/**
 * The app as one CommonJS script, for runApp (source/executable/compile.ts): `require` there
 * loads only Node's built-ins, so everything is bundled, and every import() becomes a require of
 * code inside the script, run when first needed. ASCII only (esbuild escapes the rest), which
 * the npm bin reads as latin1: checked here.
 */
async function buildAppScript({entry, outfile, target, define = {}, sourcemap = false, warn = defaultWarn, onMetafile}: AppScriptOptions): Promise<void> {
	const shared = sharedOptions(warn);
	const app = await esbuild.build({
		...shared,
		metafile: onMetafile !== undefined,
		entryPoints: [entry],
		format: 'cjs',
		outfile,
		target,
		sourcemap,
		charset: 'ascii',
		supported: {'dynamic-import': false},
		define: {...shared.define, 'import.meta.url': '__kasmImportMetaUrl', ...define},
		banner: {js: "const __kasmImportMetaUrl=require('node:url').pathToFileURL(__filename).href;"},
	});
	if (app.metafile) {
		onMetafile?.(app.metafile);
	}

	if (fs.readFileSync(outfile).some(byte => byte > 0x7f)) {
		throw new Error(`${outfile} holds a byte beyond ASCII: the npm bin reads it as latin1`);
	}
}

/** The first word of every command of the table: the npm bin keeps a code cache for each (source/code-cache.ts). */
async function commandWords(): Promise<string[]> {
	const {commandTable} = await import('../cli/table.js');
	return [...new Set(commandTable.flatMap(command => command.path.slice(0, 1)))];
}

/**
 * Builds the npm bin into `outdir` (cli.js and app.cjs replaced; chunks/ of older builds removed);
 * returns the path of its cli.js. cli.js is the loader (source/bin.ts), which compiles app.cjs
 * with its code cache: a build id from app.cjs's content keeps caches of other builds apart.
 */
export async function buildBin({outdir, sourcemap = false, warn = defaultWarn, onMetafile}: BuildOptions): Promise<string> {
	// Only what this build makes: the executable (source/package.ts) may sit beside it.
	for (const made of ['cli.js', 'cli.js.map', 'app.cjs', 'app.cjs.map', 'chunks']) {
		fs.rmSync(path.join(outdir, made), {recursive: true, force: true});
	}

	const app = path.join(outdir, 'app.cjs');
	await buildAppScript({entry: 'source/app-script.ts', outfile: app, target: 'node20', sourcemap, warn, onMetafile});
	const build = createHash('sha256').update(fs.readFileSync(app)).digest('hex').slice(0, 16);
	const cli = path.join(outdir, 'cli.js');
	await esbuild.build({
		absWorkingDir: root,
		entryPoints: ['source/bin.ts'],
		bundle: true,
		platform: 'node',
		format: 'esm',
		outfile: cli,
		target: 'node20',
		minify: true,
		legalComments: 'none',
		logLevel: 'warning',
		define: {KASM_TUI_BUILD: JSON.stringify(build), KASM_TUI_COMMANDS: JSON.stringify(await commandWords())},
		banner: {js: '#!/usr/bin/env node'},
	});
	return cli;
}

export interface ExecutableScripts {
	/** The whole app as one CommonJS script (source/executable/app.ts). */
	app: string;
	/** The executable's main script, which runs the app with its code cache (source/executable/loader.ts). */
	loader: string;
	/** Makes the code cache, run by the executable's Node at package time (source/build/train.ts). */
	train: string;
}

/**
 * The scripts source/build/package.ts makes the single executable of, into `outdir`.
 * `KASM_TUI_EXECUTABLE` tells --version what it runs in.
 */
export async function buildExecutableScripts({outdir, sourcemap = false, warn = defaultWarn, onMetafile}: BuildOptions): Promise<ExecutableScripts> {
	const scripts = {app: path.join(outdir, 'app.cjs'), loader: path.join(outdir, 'loader.cjs'), train: path.join(outdir, 'train.mjs')};
	await buildAppScript({entry: 'source/executable/app.ts', outfile: scripts.app, target: 'node24', define: {KASM_TUI_EXECUTABLE: 'true'}, sourcemap, warn, onMetafile});
	for (const [entry, outfile, format] of [['source/executable/loader.ts', scripts.loader, 'cjs'], ['source/build/train.ts', scripts.train, 'esm']] as const) {
		await esbuild.build({absWorkingDir: root, entryPoints: [entry], bundle: true, platform: 'node', format, outfile, target: 'node24', logLevel: 'warning'});
	}

	return scripts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const {values} = parseArgs({options: {outdir: {type: 'string', default: 'dist'}, sourcemap: {type: 'boolean', default: false}}});
	await buildBin({outdir: path.resolve(root, values.outdir), sourcemap: values.sourcemap});
}
