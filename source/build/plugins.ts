/**
 * The esbuild plugins both bundles of source/build/build.ts are made with: Ink's Output and yoga put
 * in place, patches to dependencies, string-width's fast path, node:http through require.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type * as esbuild from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Ink's Output, as of the ink release source/app/terminal/ink-output.ts mirrors (its sha256). When the
 * installed file differs, the build keeps Ink's own and says so: correct frames, only more garbage.
 */
const mirroredInkOutput = {version: '6.8.0', sha256: 'de9078c7fc647c40cf9e32d6658fcbbee91dae9e3f6334e5f4ebfc5905fc401d'};

/** Puts source/app/terminal/ink-output.ts where Ink's renderer imports its Output, and its widestLine where Ink imports widest-line. */
export function inkOutputPlugin(warn: (text: string) => void): esbuild.Plugin {
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
						warn(`ink's build/output.js is not the one of ink ${mirroredInkOutput.version} that source/app/terminal/ink-output.ts mirrors: keeping Ink's own (compare the two, then update the hash in source/build/plugins.ts)`);
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

/**
 * Text patches to dependencies, each found exactly once or the build fails: when the package
 * changes, whoever updates it reads why the patch was there.
 */
const dependencyPatches: Array<{file: RegExp; found: string; becomes: string}> = [
	// Ink's two top-level awaits, both taken only when DEV=true (React devtools, and Ink's
	// package.json for them): a CommonJS bundle cannot hold them, and we never ship the devtools.
	{file: /[\\/]ink[\\/]build[\\/]reconciler\.js$/, found: "await import('./devtools.js');", becomes: 'void 0;'},
	{file: /[\\/]ink[\\/]build[\\/]reconciler\.js$/, found: 'await loadPackageJson()', becomes: '{name: undefined, version: undefined}'},
	// yoga decodes its WebAssembly from a data: URL through fetch() when fetch exists, which loads
	// undici first (~40 ms of a profiled screen start); its own base64 decoding takes a few.
	{file: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/, found: '"function"!=typeof fetch?Promise.resolve()', becomes: 'true?Promise.resolve()'},
];

/** Which plain characters each string-width major measures as their East Asian width (source/app/text-width.ts). */
const plainCharacters: Record<string, string> = {7: 'plainForStringWidth7', 8: 'plainForStringWidth8'};

/** Every import of string-width gets it with source/app/text-width.ts's fast path for plain text. */
export function textWidthPlugin(): esbuild.Plugin {
	return {
		name: 'kasm-tui-text-width',
		setup(build) {
			build.onResolve({filter: /^string-width$/}, async ({path: name, importer, resolveDir, kind, pluginData}) => {
				if ((pluginData as {original?: boolean} | undefined)?.original) {
					return undefined;
				}

				const original = await build.resolve(name, {importer, resolveDir, kind, pluginData: {original: true}});
				const {version} = JSON.parse(fs.readFileSync(path.join(path.dirname(original.path), 'package.json'), 'utf8')) as {version: string};
				const plain = plainCharacters[version.split('.')[0]!];
				return plain ? {path: original.path, namespace: 'kasm-text-width', pluginData: {plain}} : original;
			});
			build.onLoad({filter: /.*/, namespace: 'kasm-text-width'}, ({path: original, pluginData}) => ({
				// Resolved beside the original, so its helpers are the very ones it measures with.
				resolveDir: path.dirname(original),
				loader: 'js',
				contents: [
					`import stringWidth from ${JSON.stringify(original)};`,
					"import {eastAsianWidth} from 'get-east-asian-width';",
					"import stripAnsi from 'strip-ansi';",
					`import {withFastPath, ${(pluginData as {plain: string}).plain} as plain} from ${JSON.stringify(path.join(root, 'source', 'app', 'text-width.ts'))};`,
					'export default withFastPath({stringWidth, eastAsianWidth, stripAnsi}, plain);',
				].join('\n'),
			}));
		},
	};
}

/** Puts source/app/yoga.ts where Ink imports yoga-layout, and applies dependencyPatches. */
export function inkLayoutPlugin(): esbuild.Plugin {
	return {
		name: 'kasm-tui-ink-layout',
		setup(build) {
			build.onResolve({filter: /^yoga-layout$/}, ({importer}) =>
				importer.includes(`${path.sep}node_modules${path.sep}ink${path.sep}`) ? {path: path.join(root, 'source', 'app', 'yoga.ts')} : undefined,
			);
			const patched = new RegExp(dependencyPatches.map(({file}) => file.source).join('|'));
			build.onLoad({filter: patched, namespace: 'file'}, async ({path: file}) => {
				let source = await fs.promises.readFile(file, 'utf8');
				for (const {found, becomes} of dependencyPatches.filter(patch => patch.file.test(file))) {
					if (source.split(found).length !== 2) {
						throw new Error(`${path.relative(root, file)} no longer has "${found}" once: see dependencyPatches in source/build/plugins.ts`);
					}

					source = source.replace(found, becomes);
				}

				return {contents: source, loader: 'js'};
			});
		},
	};
}

/**
 * node:http through `require` in the ESM bundle: on Node 24 an ES import of it reads every
 * export, and one lazy export loads undici, TLS and crypto (~45 ms of CPU and 12 MB per start).
 */
export function requiredBuiltinsPlugin(): esbuild.Plugin {
	return {
		name: 'kasm-tui-required-builtins',
		setup(build) {
			build.onResolve({filter: /^node:http$/}, ({path: name, kind}) => (kind === 'import-statement' ? {path: name, namespace: 'kasm-required-builtin'} : undefined));
			build.onLoad({filter: /.*/, namespace: 'kasm-required-builtin'}, ({path: name}) => ({contents: `export default require(${JSON.stringify(name)});`, loader: 'js'}));
		},
	};
}
