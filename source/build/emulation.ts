import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {downloadDebianPackages, ensureDebianTools, findTool} from './apt.js';

/**
 * Running a program built for another architecture on this machine: arm64 under Debian 12's
 * qemu-user-static, with arm64's loader and C libraries from Debian 12 as its root for libraries
 * (`qemu-aarch64-static -L SYSROOT program …`). The package step trains the arm64 executable's
 * code cache this way, and the tests run that executable this way against a sandbox daemon.
 */

/** The architectures kasm-tui's executable is made for, in Node's words. */
export type Architecture = 'x64' | 'arm64';
export const architectures: readonly Architecture[] = ['x64', 'arm64'];

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = path.join(root, 'node_modules', '.cache', 'kasm-tui');

/** Debian 12's own archive, signed with the keyring every Debian 12 machine has. */
const bookwormSource = 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main';
/** What Node needs of a system: the loader and glibc, libstdc++ and libgcc_s. */
const sysrootPackages = ['libc6', 'libstdc++6', 'libgcc-s1'];

/** How to start a program of `architecture` here: the program itself, or qemu in front of it. */
export function emulatedCommand(architecture: Architecture, log: (line: string) => void = () => {}): string[] {
	if (architecture === process.arch) {
		return [];
	}

	if (architecture === 'arm64' && process.arch === 'x64') {
		ensureDebianTools([{command: 'qemu-aarch64-static', package: 'qemu-user-static'}], log);
		return [findTool('qemu-aarch64-static')!, '-L', arm64Sysroot(log)];
	}

	throw new Error(`a linux-${architecture} program cannot be run on this linux-${process.arch} machine: make it on a linux-x64 one`);
}

/** The argv that runs `program` (built for `architecture`) with `args` on this machine. */
export function commandFor(architecture: Architecture, program: string, args: readonly string[] = [], log?: (line: string) => void): [string, ...string[]] {
	const [first, ...rest] = [...emulatedCommand(architecture, log), program, ...args];
	return [first!, ...rest];
}

/**
 * Debian 12's arm64 loader and libraries, fetched once with `apt-get download` (arm64 as apt's
 * own architecture, so the names resolve to arm64 builds) and unpacked into the project's cache.
 */
export function arm64Sysroot(log: (line: string) => void = () => {}): string {
	const folder = path.join(cacheDir, 'arm64-sysroot-bookworm');
	if (fs.existsSync(path.join(folder, 'ready'))) {
		return folder;
	}

	log(`fetching ${sysrootPackages.join(' ')} for arm64 from Debian 12 with apt-get download…`);
	fs.mkdirSync(cacheDir, {recursive: true});
	const work = fs.mkdtempSync(path.join(cacheDir, 'arm64-sysroot-fetch-'));
	try {
		let debs;
		try {
			debs = downloadDebianPackages({source: bookwormSource, packages: sysrootPackages, architecture: 'arm64', work});
		} catch (error) {
			throw new Error(`could not fetch arm64's libraries from Debian 12: ${(error as Error).message}`);
		}

		const unpacked = path.join(work, 'sysroot');
		for (const deb of debs) {
			execFileSync('dpkg-deb', ['-x', deb, unpacked]);
		}

		if (!fs.existsSync(path.join(unpacked, 'lib', 'ld-linux-aarch64.so.1'))) {
			throw new Error(`the arm64 libraries fetched (${debs.map(deb => path.basename(deb)).join(', ')}) hold no lib/ld-linux-aarch64.so.1`);
		}

		fs.writeFileSync(path.join(unpacked, 'ready'), debs.map(deb => path.basename(deb)).join('\n') + '\n');
		// Renamed into place whole; a second build that finished first is as good as ours.
		if (!fs.existsSync(path.join(folder, 'ready'))) {
			fs.rmSync(folder, {recursive: true, force: true});
		}

		try {
			fs.renameSync(unpacked, folder);
		} catch (error) {
			if (!fs.existsSync(path.join(folder, 'ready'))) {
				throw error;
			}
		}

		return folder;
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}
