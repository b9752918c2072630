/**
 * `npm run build`: the bin as an ESM bundle in dist/ (see ../shared/ink-notes.md for why a
 * bundle): headless commands in small chunks that never load the screen; Ink, React and yoga in
 * the screen's chunk, loaded only to draw. Not part of the bin itself.
 *
 *   node --import tsx source/build.ts [--outdir DIR] [--sourcemap]
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import * as esbuild from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Ink's Output, as of the ink release source/app/terminal/ink-output.ts mirrors (its sha256). When the
 * installed file differs, the build keeps Ink's own and says so: correct frames, only more garbage.
 */
const mirroredInkOutput = {version: '6.8.0', sha256: 'de9078c7fc647c40cf9e32d6658fcbbee91dae9e3f6334e5f4ebfc5905fc401d'};

/** Puts source/app/terminal/ink-output.ts where Ink's renderer imports its Output, and its widestLine where Ink imports widest-line. */
function inkOutputPlugin(warn: (text: string) => void): esbuild.Plugin {
	return {
		name: 'kasm-tui-ink-output',
		setup(build) {
			const inkOutput = path.join(root, 'node_modules', 'ink', 'build', 'output.js');
			let mirrored: boolean | undefined;
			build.onResolve({filter: /^\.\/output\.js$/}, ({importer}) => {
				if (!importer.endsWith(path.join('ink', 'build', 'renderer.js'))) {
					return undefined;
				}

				mirrored ??= (() => {
					const found = createHash('sha256').update(fs.readFileSync(inkOutput)).digest('hex');
					if (found !== mirroredInkOutput.sha256) {
						warn(`ink's build/output.js is not the one of ink ${mirroredInkOutput.version} that source/app/terminal/ink-output.ts mirrors: keeping Ink's own (compare the two, then update the hash in source/build.ts)`);
						return false;
					}

					return true;
				})();
				return mirrored ? {path: path.join(root, 'source', 'app', 'terminal', 'ink-output.ts')} : undefined;
			});
			// widest-line is a pure measure; Ink calls it for every text on every render.
			build.onResolve({filter: /^widest-line$/}, ({importer}) =>
				importer.includes(`${path.sep}node_modules${path.sep}ink${path.sep}`) ? {path: path.join(root, 'source', 'app', 'terminal', 'ink-widest-line.ts')} : undefined,
			);
		},
	};
}

export interface BuildOptions {
	outdir: string;
	sourcemap?: boolean;
	warn?: (text: string) => void;
}

/** Builds the bin into `outdir` (emptied first); returns the path of its cli.js. */
export async function buildBin({outdir, sourcemap = false, warn = text => process.stderr.write(`build: ${text}\n`)}: BuildOptions): Promise<string> {
	fs.rmSync(outdir, {recursive: true, force: true});
	await esbuild.build({
		absWorkingDir: root,
		entryPoints: ['source/cli.tsx'],
		bundle: true,
		platform: 'node',
		format: 'esm',
		splitting: true,
		outdir,
		entryNames: '[name]',
		chunkNames: 'chunks/[name]-[hash]',
		minify: true,
		legalComments: 'none',
		target: 'node20',
		sourcemap,
		define: {'process.env.NODE_ENV': '"production"'},
		// Ink imports react-devtools-core only when DEV is set; a stub keeps it out of the bundle.
		alias: {'react-devtools-core': './source/app/terminal/devtools-stub.ts'},
		// dockerode is loaded only for ssh:// and brings native optional modules: left to node_modules.
		external: ['dockerode', 'cpu-features', 'ssh2'],
		banner: {js: "#!/usr/bin/env node\nimport {createRequire as __kasmCreateRequire} from 'node:module';const require=__kasmCreateRequire(import.meta.url);"},
		plugins: [inkOutputPlugin(warn)],
		logLevel: 'warning',
	});
	return path.join(outdir, 'cli.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const {values} = parseArgs({options: {outdir: {type: 'string', default: 'dist'}, sourcemap: {type: 'boolean', default: false}}});
	await buildBin({outdir: path.resolve(root, values.outdir), sourcemap: values.sourcemap});
}
