/**
 * `npm run build`: the bin as an ESM bundle in dist/ (see ../shared/ink-notes.md for why a
 * bundle): the command line, then every command's code (source/cli/commands.ts), then Ink, React
 * and yoga in the screens' chunk (source/app/screens/drawn.ts), loaded only to draw; dockerode
 * with the first Engine. Each of those is one dynamic import, so esbuild splits the code they
 * share into few chunks: Node 20 pays ~0.3 ms for each ES module file, and a dynamic import per
 * command had made ~30 files of one `plugins --json`. Also the one CommonJS script that source/package.ts
 * makes the single executable of. Build tooling: never part of the bin itself.
 *
 *   node --import tsx source/build/build.ts [--outdir DIR] [--sourcemap]
 */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import * as esbuild from 'esbuild';
import {inkLayoutPlugin, inkOutputPlugin, leaveOutPlugin, requiredBuiltinsPlugin, textWidthPlugin} from './plugins.js';

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
function sharedOptions(warn: (text: string) => void) {
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

/** Builds the bin into `outdir` (its cli.js and chunks/ replaced); returns the path of its cli.js. */
export async function buildBin({outdir, sourcemap = false, warn = defaultWarn, onMetafile}: BuildOptions): Promise<string> {
	// Only what this build makes: the executable (source/package.ts) may sit beside it.
	for (const made of ['cli.js', 'cli.js.map', 'chunks']) {
		fs.rmSync(path.join(outdir, made), {recursive: true, force: true});
	}

	const shared = sharedOptions(warn);
	const bin = await esbuild.build({
		...shared,
		metafile: onMetafile !== undefined,
		entryPoints: [{in: 'source/bin.ts', out: 'cli'}],
		format: 'esm',
		splitting: true,
		outdir,
		entryNames: '[name]',
		chunkNames: 'chunks/[name]-[hash]',
		target: 'node20',
		sourcemap,
		plugins: [...shared.plugins, requiredBuiltinsPlugin()],
		banner: {js: "#!/usr/bin/env node\nimport {createRequire as __kasmCreateRequire} from 'node:module';const require=__kasmCreateRequire(import.meta.url);"},
	});
	if (bin.metafile) {
		onMetafile?.(bin.metafile);
	}

	return path.join(outdir, 'cli.js');
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
 * The scripts source/build/package.ts makes the single executable of, into `outdir`. Inside it
 * `require` loads only Node's built-ins, so everything is bundled, and every import() becomes a
 * require.
 * `KASM_TUI_EXECUTABLE` tells --version what it runs in.
 */
export async function buildExecutableScripts({outdir, sourcemap = false, warn = defaultWarn, onMetafile}: BuildOptions): Promise<ExecutableScripts> {
	const shared = sharedOptions(warn);
	const scripts = {app: path.join(outdir, 'app.cjs'), loader: path.join(outdir, 'loader.cjs'), train: path.join(outdir, 'train.mjs')};
	const app = await esbuild.build({
		...shared,
		metafile: onMetafile !== undefined,
		entryPoints: ['source/executable/app.ts'],
		format: 'cjs',
		outfile: scripts.app,
		target: 'node24',
		sourcemap,
		supported: {'dynamic-import': false},
		define: {...shared.define, 'import.meta.url': '__kasmImportMetaUrl', KASM_TUI_EXECUTABLE: 'true'},
		banner: {js: "const __kasmImportMetaUrl=require('node:url').pathToFileURL(__filename).href;"},
	});
	if (app.metafile) {
		onMetafile?.(app.metafile);
	}

	for (const [entry, outfile, format] of [['source/executable/loader.ts', scripts.loader, 'cjs'], ['source/build/train.ts', scripts.train, 'esm']] as const) {
		await esbuild.build({absWorkingDir: root, entryPoints: [entry], bundle: true, platform: 'node', format, outfile, target: 'node24', logLevel: 'warning'});
	}

	return scripts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const {values} = parseArgs({options: {outdir: {type: 'string', default: 'dist'}, sourcemap: {type: 'boolean', default: false}}});
	await buildBin({outdir: path.resolve(root, values.outdir), sourcemap: values.sourcemap});
}
