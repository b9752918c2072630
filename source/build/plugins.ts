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

/** The module graphemes.ts, from a patched dependency: a `require` that esbuild bundles (both bundles). */
const importGraphemes = `require(${JSON.stringify(path.join(root, 'source', 'app', 'terminal', 'graphemes.ts'))})`;

/**
 * Text patches to dependencies, each found exactly once or the build fails: when the package
 * changes, whoever updates it reads why the patch was there.
 */
/** `unless`: a file the `file` pattern matches that has no such text (esbuild's filters cannot say it). */
const dependencyPatches: Array<{file: RegExp; unless?: RegExp; found: string; becomes: string}> = [
	// Ink's two top-level awaits, both taken only when DEV=true (React devtools, and Ink's
	// package.json for them): a CommonJS bundle cannot hold them, and we never ship the devtools.
	{file: /[\\/]ink[\\/]build[\\/]reconciler\.js$/, found: "await import('./devtools.js');", becomes: 'void 0;'},
	{file: /[\\/]ink[\\/]build[\\/]reconciler\.js$/, found: 'await loadPackageJson()', becomes: '{name: undefined, version: undefined}'},
	// yoga decodes its WebAssembly from a data: URL through fetch() when fetch exists, which loads
	// undici first (~40 ms of a profiled screen start); its own base64 decoding takes a few.
	{file: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/, found: '"function"!=typeof fetch?Promise.resolve()', becomes: 'true?Promise.resolve()'},
	// Each made an Intl.Segmenter as it loaded; the first of a process loads ICU's break rules
	// (~15-20 ms before the first frame), which plain text never needs: made at the first text
	// that does (source/app/terminal/graphemes.ts). string-width's RGI_Emoji pattern likewise.
	...[
		{file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, found: 'new Intl.Segmenter(undefined, { granularity: "grapheme" })'},
		{file: /[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, found: "new Intl.Segmenter(undefined, {granularity: 'grapheme'})"},
		// string-width 8 (Ink's) and 7 (wrap-ansi's): grapheme segmenters, the default granularity.
		{file: /[\\/]string-width[\\/]index\.js$/, found: 'new Intl.Segmenter()'},
	].map(({file, found}) => ({file, found, becomes: `${importGraphemes}.lazyGraphemeSegmenter(${/\((.*)\)$/.exec(found)![1]})`})),
	{file: /[\\/]string-width[\\/]index\.js$/, unless: /[\\/]wrap-ansi[\\/]/, found: 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', becomes: `const rgiEmojiRegex = ${importGraphemes}.lazyRegExp('^\\\\p{RGI_Emoji}$', 'v');`},
];

/** Which plain characters each string-width major measures as their East Asian width (source/app/terminal/text-width.ts). */
const plainCharacters: Record<string, string> = {7: 'plainForStringWidth7', 8: 'plainForStringWidth8'};

/** Every import of string-width gets it with source/app/terminal/text-width.ts's fast path for plain text. */
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
					`import {withFastPath, ${(pluginData as {plain: string}).plain} as plain} from ${JSON.stringify(path.join(root, 'source', 'app', 'terminal', 'text-width.ts'))};`,
					'export default withFastPath({stringWidth, eastAsianWidth, stripAnsi}, plain);',
				].join('\n'),
			}));
		},
	};
}

/** Puts source/app/terminal/yoga.ts where Ink imports yoga-layout, and applies dependencyPatches. */
export function inkLayoutPlugin(): esbuild.Plugin {
	return {
		name: 'kasm-tui-ink-layout',
		setup(build) {
			build.onResolve({filter: /^yoga-layout$/}, ({importer}) =>
				importer.includes(`${path.sep}node_modules${path.sep}ink${path.sep}`) ? {path: path.join(root, 'source', 'app', 'terminal', 'yoga.ts')} : undefined,
			);
			const patched = new RegExp(dependencyPatches.map(({file}) => file.source).join('|'));
			build.onLoad({filter: patched, namespace: 'file'}, async ({path: file}) => {
				let source = await fs.promises.readFile(file, 'utf8');
				for (const {found, becomes} of dependencyPatches.filter(patch => patch.file.test(file) && !patch.unless?.test(file))) {
					if (source.split(found).length !== 2) {
						throw new Error(`${path.relative(root, file)} no longer has "${found}" once: see dependencyPatches in source/build/plugins.ts`);
					}

					// A function, so that `$'` and the like in `becomes` are text, not replacement patterns.
					source = source.replace(found, () => becomes);
				}

				return {contents: source, loader: 'js'};
			});
		},
	};
}

/**
 * What both bundles leave out of dockerode and docker-modem, because kasm-tui never calls it: each
 * module is replaced, for the one importer named, by a stub that throws a clear error if it is
 * ever used. dockerode is kept for what we call (source/docker/api.ts); this drops ~1 MB of it.
 */
export const leftOut: Array<{request: string; importer: string; what: string}> = [
	{request: './session', importer: 'dockerode/lib/docker.js', what: "BuildKit sessions (buildImage's), which load @grpc/grpc-js, @grpc/proto-loader and protobufjs (~850 KB)"},
	{request: './buildkit', importer: 'dockerode/lib/docker.js', what: "BuildKit build progress (protobufjs)"},
	{request: 'tar-fs', importer: 'dockerode/lib/util.js', what: 'build contexts (tar-fs)'},
	{request: '@balena/dockerignore', importer: 'dockerode/lib/util.js', what: 'build contexts (.dockerignore)'},
	{request: 'zlib', importer: 'dockerode/lib/util.js', what: 'gzipped build contexts (zlib costs 3-6 ms to load)'},
	{request: './ssh', importer: 'docker-modem/lib/modem.js', what: "docker-modem's own ssh (ssh2): kasm-tui reaches ssh:// through the user's ssh (source/docker/ssh.ts)"},
	{request: './http_duplex', importer: 'docker-modem/lib/modem.js', what: 'attached stdin streams (exec, attach; readable-stream)'},
	{request: 'https', importer: 'docker-modem/lib/http.js', what: "docker-modem's https: kasm-tui speaks TLS on its own agent's connections (source/docker/transport.ts), and node:https costs 10-50 ms to load on Node 24"},
];

/**
 * Text patches to docker-modem, as dependencyPatches: its `debug('modem')` logs every request's
 * options, headers and X-Registry-Auth included, when DEBUG names `modem`, and builds that text
 * with util.inspect on every request even when it does not: neither may happen in kasm-tui.
 */
const modemPatches: Array<{file: RegExp; found: string; becomes: string}> = [
	{file: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/, found: "debug = require('debug')('modem'),", becomes: 'debug = function () {},'},
	{
		file: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/,
		found: "debug('Sending: %s', util.inspect(options, {\n    showHidden: true,\n    depth: null\n  }));",
		becomes: '',
	},
];

const stubNamespace = 'kasm-left-out';

/** Puts leftOut's stubs in place and applies modemPatches; fails the build when one no longer applies. */
export function leaveOutPlugin(): esbuild.Plugin {
	return {
		name: 'kasm-tui-leave-out',
		setup(build) {
			const used = new Set<string>();
			const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');
			build.onResolve({filter: new RegExp(`^(${leftOut.map(({request}) => escape(request)).join('|')})$`)}, ({path: request, importer}) => {
				const entry = leftOut.find(candidate => candidate.request === request && importer.replaceAll('\\', '/').endsWith(`/node_modules/${candidate.importer}`));
				if (!entry) {
					return undefined;
				}

				used.add(`${entry.importer} ${entry.request}`);
				return {path: `${entry.importer} ${entry.request}`, namespace: stubNamespace, pluginData: entry};
			});
			build.onLoad({filter: /.*/, namespace: stubNamespace}, ({pluginData}) => {
				const {what, request} = pluginData as (typeof leftOut)[number];
				const message = `kasm-tui is built without ${what}: "${request}" was left out of the bundle (source/build/plugins.ts)`;
				return {
					loader: 'js',
					contents: [
						`function leftOut() { throw new Error(${JSON.stringify(message)}); }`,
						// Loading it is fine, using any of it throws.
						"module.exports = new Proxy(leftOut, {get: (target, key) => (typeof key === 'symbol' || key === '__esModule' || key === 'then' ? undefined : leftOut), construct: leftOut});",
					].join('\n'),
				};
			});
			build.onLoad({filter: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/, namespace: 'file'}, async ({path: file}) => {
				let source = await fs.promises.readFile(file, 'utf8');
				for (const {found, becomes} of modemPatches.filter(patch => patch.file.test(file))) {
					if (source.split(found).length !== 2) {
						throw new Error(`${path.relative(root, file)} no longer has "${found}" once: see modemPatches in source/build/plugins.ts`);
					}

					// A function, so that `$'` and the like in `becomes` are text, not replacement patterns.
					source = source.replace(found, () => becomes);
				}

				return {contents: source, loader: 'js'};
			});
			build.onEnd(result => {
				const missing = leftOut.filter(({importer, request}) => !used.has(`${importer} ${request}`));
				if (result.errors.length === 0 && missing.length > 0) {
					result.errors.push({
						id: '',
						pluginName: 'kasm-tui-leave-out',
						text: `these were to be left out but are no longer imported where leftOut says: ${missing.map(({importer, request}) => `${request} from ${importer}`).join(', ')} (see source/build/plugins.ts)`,
						location: null,
						notes: [],
						detail: undefined,
					});
				}
			});
		},
	};
}
