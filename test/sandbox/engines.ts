import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {downloadDebianPackages} from '../../source/build/apt.js';

/**
 * The engine generations the sandbox runs (../shared/engine-sandbox.md): Debian 12's dockerd 20.10
 * (Engine API 1.41, no moby#47299 fix), Debian 13's 26.1 (API 1.45) with the classic image store,
 * and Debian sid's 28.5 (API 1.51, containerd 2.1) with the containerd store, Docker 29's default.
 */
export const engineKinds = ['20.10', '26.1', '28.5-containerd'] as const;
export type EngineKind = (typeof engineKinds)[number];

/** The generation a mixed fleet pairs with a kind: 20.10 with 26.1, and a newer one with 20.10. */
export function otherGeneration(kind: EngineKind): EngineKind {
	return kind === '20.10' ? '26.1' : '20.10';
}

/** The Engine API version each generation's daemon speaks. */
export const apiVersionOf: Record<EngineKind, string> = {'20.10': '1.41', '26.1': '1.45', '28.5-containerd': '1.51'};

/** The kind a test process runs on: what test/run.ts set for it, else the machine's own 20.10. */
export function currentEngineKind(env: NodeJS.ProcessEnv = process.env): EngineKind {
	const text = env.KASM_TUI_ENGINE?.trim();
	if (!text) {
		return '20.10';
	}

	return parseEngineKinds(text)[0]!;
}

/** `KASM_TUI_ENGINES=26.1,20.10`: the kinds `npm test` runs on; unset, all of them. */
export function parseEngineKinds(text: string | undefined): EngineKind[] {
	if (text === undefined || text.trim() === '') {
		return [...engineKinds];
	}

	const kinds = text.split(',').map(kind => kind.trim()).filter(Boolean);
	for (const kind of kinds) {
		if (!(engineKinds as readonly string[]).includes(kind)) {
			throw new Error(`unknown engine kind "${kind}": the kinds are ${engineKinds.join(', ')}`);
		}
	}

	return [...new Set(kinds)] as EngineKind[];
}

/** How to start a kind's dockerd: the binary, the PATH it finds containerd on, and its extra flags. */
export interface EngineLaunch {
	dockerd: string;
	/** The PATH for dockerd: the generation's containerd first, and Debian 12's runc after it. */
	path: string;
	/** Flags beyond the sandbox's own, e.g. `--config-file` for the containerd image store. */
	args: (dir: string) => string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cacheRoot = path.join(here, '..', '..', 'node_modules', '.cache', 'kasm-tui', 'engines');
const systemPath = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';

/** A Debian release's docker.io and containerd, fetched into a folder of the cache of their own. */
interface DebianEngine {
	/** The suite in the private sources list. */
	suite: string;
	/** Its folder under node_modules/.cache/kasm-tui/engines (`trixie` is shared with older checkouts). */
	folder: string;
	/** For the log and errors: `Docker 26.1 and containerd 1.7 from Debian 13`. */
	what: string;
	/** `dockerd --version` and `containerd --version` must match: a suite that moved on is not this kind. */
	dockerd: RegExp;
	containerd: RegExp;
	/** The containerd image store on (`{"features":{"containerd-snapshotter":true}}`). */
	containerdStore: boolean;
}

const debianEngines: Record<Exclude<EngineKind, '20.10'>, DebianEngine> = {
	'26.1': {
		suite: 'trixie',
		folder: 'trixie',
		what: 'Docker 26.1 and containerd 1.7 from Debian 13',
		dockerd: /^Docker version 26\.1\./,
		containerd: / v?1\.7\./,
		containerdStore: false,
	},
	'28.5-containerd': {
		suite: 'sid',
		// Named for the release, not the suite: sid moves on, and a cache of a newer Docker is another kind.
		folder: 'sid-docker-28.5',
		what: 'Docker 28.5 and containerd 2.1 from Debian sid',
		dockerd: /^Docker version 28\.5\./,
		containerd: / v?2\.1\./,
		containerdStore: true,
	},
};

export function engineLaunch(kind: EngineKind, log: (line: string) => void = () => {}): EngineLaunch {
	if (kind === '20.10') {
		return {dockerd: findOnPath('dockerd') ?? 'dockerd', path: systemPath, args: () => []};
	}

	const engine = debianEngines[kind];
	const folder = debianEngineFolder(engine, log);
	return {
		dockerd: path.join(folder, 'usr', 'sbin', 'dockerd'),
		// No runc in the folder (the Debian 12 one after it runs the plugins): see debianEngineFolder.
		path: [path.join(folder, 'usr', 'bin'), path.join(folder, 'usr', 'sbin'), systemPath].join(':'),
		args: dir => {
			if (!engine.containerdStore) {
				return [];
			}

			const file = path.join(dir, 'daemon.json');
			fs.writeFileSync(file, JSON.stringify({features: {'containerd-snapshotter': true}}) + '\n');
			return ['--config-file', file];
		},
	};
}

function findOnPath(command: string): string | undefined {
	for (const folder of systemPath.split(':').concat(['/usr/sbin', '/sbin'])) {
		const candidate = path.join(folder, command);
		if (fs.existsSync(candidate)) {
			return candidate;
		}
	}

	return undefined;
}

/**
 * A newer Debian's docker.io and containerd, unpacked once into node_modules/.cache and reused. apt
 * fetches them under a sources list, lists and cache of their own (the machine's apt state is
 * left alone) and checks their signatures with the keyring Debian 12 already has. The newer
 * runc needs glibc 2.38, so it is not fetched: Debian 12's /usr/sbin/runc runs the plugins.
 */
function debianEngineFolder(engine: DebianEngine, log: (line: string) => void): string {
	const folder = path.join(cacheRoot, engine.folder);
	if (fs.existsSync(path.join(folder, 'ready'))) {
		return folder;
	}

	fs.mkdirSync(cacheRoot, {recursive: true});
	const work = fs.mkdtempSync(path.join(cacheRoot, 'fetch-'));
	const fail = (message: string) =>
		new Error(`could not fetch ${engine.what}: ${message}; KASM_TUI_ENGINES=20.10 tests on Debian 12's engine only`);
	try {
		log(`fetching ${engine.what} with apt-get download…`);
		let debs: string[];
		try {
			debs = downloadDebianPackages({
				source: `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian ${engine.suite} main`,
				packages: ['docker.io', 'containerd'],
				work,
			});
		} catch (error) {
			throw fail((error as Error).message);
		}

		const unpacked = path.join(work, 'engine');
		for (const deb of debs) {
			execFileSync('dpkg-deb', ['-x', deb, unpacked]);
		}

		// docker-init points at a tini-static that is another package: Debian 12's is found on PATH instead.
		fs.rmSync(path.join(unpacked, 'usr', 'bin', 'docker-init'), {force: true});
		const version = execFileSync(path.join(unpacked, 'usr', 'sbin', 'dockerd'), ['--version'], {encoding: 'utf8'}).trim();
		const containerd = execFileSync(path.join(unpacked, 'usr', 'bin', 'containerd'), ['--version'], {encoding: 'utf8'}).trim();
		if (!engine.dockerd.test(version) || !engine.containerd.test(containerd)) {
			throw fail(`Debian ${engine.suite} now has ${version} and ${containerd}, not the generation this kind tests`);
		}

		fs.writeFileSync(path.join(unpacked, 'ready'), `${version}\n${containerd}\n${debs.map(deb => path.basename(deb)).join('\n')}\n`);
		if (fs.existsSync(path.join(folder, 'ready'))) {
			// Another run finished first: use theirs.
			return folder;
		}

		fs.rmSync(folder, {recursive: true, force: true});
		try {
			fs.renameSync(unpacked, folder);
		} catch (error) {
			// Another run unpacked it at the same moment: theirs is as good as ours.
			if (!fs.existsSync(path.join(folder, 'ready'))) {
				throw error;
			}
		}

		log(`${version} ready in ${path.relative(process.cwd(), folder) || folder}`);
		return folder;
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}
