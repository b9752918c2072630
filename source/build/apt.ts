import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

/**
 * Debian's packages, for the build and the tests of what it makes: tools installed on the machine
 * when missing (as the sandbox installs its own), and packages of another architecture fetched
 * under an apt state of their own, which leaves the machine's apt state alone.
 */

/** A tool found by its command, and the Debian package that has it. */
export interface DebianTool {
	command: string;
	package: string;
}

/** Where a tool is on this machine: PATH, then the sbin folders root has. */
export function findTool(command: string): string | undefined {
	for (const folder of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin'])) {
		const candidate = path.join(folder, command);
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			return candidate;
		} catch {}
	}

	return undefined;
}

/** Installs with apt-get the packages of the tools that are missing; as root only, else one line saying what to install. */
export function ensureDebianTools(tools: readonly DebianTool[], log: (line: string) => void = () => {}): void {
	const missing = [...new Set(tools.filter(tool => !findTool(tool.command)).map(tool => tool.package))];
	if (missing.length === 0) {
		return;
	}

	const list = missing.join(' ');
	if (process.getuid?.() !== 0) {
		throw new Error(`this needs ${list}: run as root so it can install them, or run "apt-get install -y ${list}"`);
	}

	log(`installing ${list} with apt-get…`);
	const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
	// Test files of several engine kinds start at once: one apt at a time, the others wait their turn.
	const inTurn = ['flock', '--wait', '900', '/run/lock/kasm-tui-apt.lock', 'apt-get', '-o', 'DPkg::Lock::Timeout=300'];
	try {
		execFileSync(inTurn[0]!, [...inTurn.slice(1), 'update', '-qq'], {stdio: ['ignore', 'ignore', 'pipe'], env});
		execFileSync(inTurn[0]!, [...inTurn.slice(1), 'install', '-y', '-qq', '--no-install-recommends', ...missing], {stdio: ['ignore', 'ignore', 'pipe'], env});
	} catch (error) {
		throw new Error(`could not install ${list} with apt-get: ${lastLines((error as {stderr?: Buffer}).stderr) || (error as Error).message}`);
	}
}

export interface DebianDownload {
	/** One sources.list line, with its signed-by keyring: `deb [signed-by=…] http://deb.debian.org/debian bookworm main`. */
	source: string;
	packages: readonly string[];
	/** Another architecture than the machine's (`arm64`): apt resolves the names as that architecture's. */
	architecture?: string;
	/** A folder for apt's lists and cache; the .debs are left in `debs/` below it. */
	work: string;
}

/**
 * `apt-get download` under a sources list, lists and cache of its own; signatures are checked
 * against the keyring the source names. Returns the .debs fetched.
 */
export function downloadDebianPackages({source, packages, architecture, work}: DebianDownload): string[] {
	const apt = path.join(work, 'apt');
	const debs = path.join(work, 'debs');
	for (const sub of ['lists/partial', 'cache/archives/partial']) {
		fs.mkdirSync(path.join(apt, sub), {recursive: true});
	}

	fs.mkdirSync(debs, {recursive: true});
	// apt downloads as its own user, which must be able to write there.
	try {
		execFileSync('chown', ['-R', '_apt', apt, debs], {stdio: 'ignore'});
	} catch {}

	fs.writeFileSync(path.join(apt, 'sources.list'), source + '\n');
	const options = [
		'-qq',
		'-o', `Dir::Etc::sourcelist=${path.join(apt, 'sources.list')}`,
		'-o', 'Dir::Etc::sourceparts=/dev/null',
		'-o', `Dir::State::Lists=${path.join(apt, 'lists')}`,
		'-o', `Dir::Cache=${path.join(apt, 'cache')}`,
		...(architecture ? ['-o', `APT::Architecture=${architecture}`, '-o', `APT::Architectures=${architecture}`] : []),
	];
	const run = (args: string[], cwd?: string) => {
		try {
			execFileSync('apt-get', [...options, ...args], {cwd, stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}});
		} catch (error) {
			throw new Error(`apt-get ${args[0]} ${args[0] === 'download' ? packages.join(' ') : ''} failed: ${lastLines((error as {stderr?: Buffer}).stderr) || (error as Error).message}`);
		}
	};

	run(['update']);
	run(['download', ...packages], debs);
	return fs.readdirSync(debs).filter(name => name.endsWith('.deb')).map(name => path.join(debs, name));
}

function lastLines(output: Buffer | undefined): string {
	return String(output ?? '').trim().split('\n').slice(-3).join(' ');
}
