import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {pathToFileURL} from 'node:url';
import type {Metafile} from 'esbuild';
import * as esbuild from 'esbuild';
import {buildBin, buildExecutableScripts, sharedOptions} from '../../source/build/build.js';
import {leftOut} from '../../source/build/plugins.js';
import type {EngineAgent} from '../../source/docker/transport.js';

/**
 * What the two bundles hold, from esbuild's metafile: what we never call of dockerode stays out,
 * docker-modem's request logging is gone, and a headless command's code never reaches Ink or React.
 */

const root = path.join(import.meta.dirname, '..', '..');
const folder = fs.mkdtempSync(path.join(root, 'node_modules', '.cache', 'kt-bundle-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

const quiet = {warn: () => {}};
let binMeta: Metafile | undefined;
let executableMeta: Metafile | undefined;
await buildBin({...quiet, outdir: path.join(folder, 'bin'), onMetafile: meta => (binMeta = meta)});
await buildExecutableScripts({...quiet, outdir: path.join(folder, 'executable'), onMetafile: meta => (executableMeta = meta)});

/** The package a bundled file came from (`@grpc/grpc-js`, `dockerode`), or undefined for ours. */
function packageOf(input: string): string | undefined {
	return /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
}

const neverCalled = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', '@protobufjs/aspromise', 'long', 'ssh2', 'cpu-features', 'tar-fs', 'tar-stream', 'readable-stream', '@balena/dockerignore', 'debug', 'ms'];

for (const [kind, meta] of [['the npm bin\'s app', () => binMeta!], ['the executable\'s script', () => executableMeta!]] as const) {
	test(`${kind} holds dockerode and docker-modem without BuildKit sessions, gRPC, protobufjs, ssh2 or build contexts`, () => {
		const inputs = Object.keys(meta().inputs);
		const packages = new Set(inputs.map(packageOf));
		assert.ok(packages.has('dockerode') && packages.has('docker-modem'), 'dockerode is bundled');
		assert.deepEqual(neverCalled.filter(name => packages.has(name)), []);
		for (const file of ['dockerode/lib/session.js', 'dockerode/lib/buildkit.js', 'docker-modem/lib/ssh.js', 'docker-modem/lib/http_duplex.js']) {
			assert.ok(!inputs.some(input => input.endsWith(`node_modules/${file}`)), `${file} is left out`);
		}

		const stubs = inputs.filter(input => input.startsWith('kasm-left-out:'));
		assert.equal(stubs.length, leftOut.length, `a stub for each module left out: ${stubs.join(', ')}`);
	});
}

test("neither bundle can log docker-modem's requests, whose options hold X-Registry-Auth", () => {
	for (const file of [path.join(folder, 'bin', 'app.cjs'), path.join(folder, 'executable', 'app.cjs')]) {
		const text = fs.readFileSync(file, 'utf8');
		assert.ok(!text.includes('Sending: %s'), `${path.basename(file)} has no request logging`);
	}
});

test('neither bundle makes an Intl.Segmenter or the RGI_Emoji pattern as it loads: only graphemes.ts makes one, at the first text that needs it', () => {
	for (const file of [path.join(folder, 'bin', 'app.cjs'), path.join(folder, 'executable', 'app.cjs')]) {
		const text = fs.readFileSync(file, 'utf8');
		assert.equal(text.match(/new Intl\.Segmenter\b/g)?.length, 1, `${path.basename(file)}: one Intl.Segmenter, graphemes.ts's`);
		assert.equal(text.match(/\/\^\\p\{RGI_Emoji\}\$\/v/g), null, `${path.basename(file)}: no RGI_Emoji literal`);
	}
});

test("loading the bundled dockerode is harmless; using what was left out throws, saying what and where", async () => {
	// api.ts bundled as both bundles bundle it (the same plugins), on its own so it can be called here.
	const api = path.join(folder, 'api.mjs');
	await esbuild.build({...sharedOptions(() => {}), entryPoints: ['source/docker/api.ts'], format: 'esm', outfile: api, banner: {js: "import {createRequire} from 'node:module';const require=createRequire(import.meta.url);"}});
	const {apiOn} = (await import(pathToFileURL(api).href)) as typeof import('../../source/docker/api.js');
	const agent = new http.Agent() as EngineAgent;
	const {docker} = apiOn({requests: agent, streams: agent, fresh: agent, socketPath: '/nonexistent.sock', close() {}}, '1.45');
	const build = (docker as unknown as {buildImage(file: string, options: object): Promise<unknown>}).buildImage;
	await assert.rejects(build.call(docker, 'context.tar', {version: '2'}), /^Error: kasm-tui is built without BuildKit sessions .*left out of the bundle \(source\/build\/plugins\.ts\)$/);
});

test("no headless command runs Ink, React or yoga as its code loads, nor heavy Node modules: what the bin's app runs at start and at a command's first need", () => {
	const inputs = binMeta!.inputs;
	/** Every module that runs once `start` runs (its static imports, and their requires), itself included. */
	const closure = (start: string): Set<string> => {
		const seen = new Set<string>();
		const visit = (input: string) => {
			if (seen.has(input)) {
				return;
			}

			seen.add(input);
			for (const imported of inputs[input]?.imports ?? []) {
				if (imported.kind === 'import-statement' || imported.kind === 'require-call') {
					visit(imported.path);
				}
			}
		};

		visit(start);
		return seen;
	};

	// What runs at start, what the commands load (commands.ts), and dockerode with the first Engine.
	const headless = ['source/app-script.ts', 'source/cli/commands.ts', 'source/docker/api.ts'];
	for (const start of headless) {
		assert.ok(inputs[start], `${start} is in the app`);
		const screen = [...closure(start)].filter(input => /node_modules\/(ink|react|react-reconciler|yoga-layout)\//.test(input));
		assert.deepEqual(screen.slice(0, 3), [], `${start} runs no screen code`);
	}

	// Node 20 compiles each of its own modules it loads (Debian's build has no code cache for them): crypto
	// is 17 modules, child_process brings dgram, v8 its heap and report modules. The code that needs them
	// loads them where it runs (process.getBuiltinModule), so a listing never does.
	const modules = new Set(headless.flatMap(start => [...closure(start)]));
	for (const heavy of ['node:crypto', 'node:child_process', 'node:v8', 'crypto', 'child_process', 'v8']) {
		assert.ok(!modules.has(heavy), `a headless command loads ${heavy} as its code loads`);
	}

	// The start itself runs only the command line and the Engine's code: the commands wait for their first need.
	assert.ok(!closure('source/app-script.ts').has('source/cli/commands.ts'), 'the commands load after the command line is read');
});
