import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import packageJson from '../../package.json' with {type: 'json'};
import {completionScript} from '../cli/completion-scripts.js';
import {wrap} from '../cli/help.js';
import {manPage} from '../cli/man-page.js';
import {cacheDir, type Architecture} from './emulation.js';

/**
 * The .deb of one executable, for operators who install server tools with apt or dpkg: the
 * executable as /usr/bin/kasm-tui, kasm-tui(1) and the bash, zsh and fish completions, all made
 * from the command table. No Depends: Node is inside the executable, and it needs only glibc.
 */

/** Debian's names for Node's architectures. */
export const debianArchitecture: Record<Architecture, string> = {x64: 'amd64', arm64: 'arm64'};

/** `kasm-tui_0.1.0_amd64.deb`, as Debian names a package file. */
export function debFileName(architecture: Architecture): string {
	return `kasm-tui_${packageJson.version}_${debianArchitecture[architecture]}.deb`;
}

/** Each file of the package: where it goes, and its mode (0755 the program, 0644 the rest). */
export function debContents(executable: string): Array<{file: string; mode: number; content: Buffer | string; from?: string}> {
	return [
		{file: 'usr/bin/kasm-tui', mode: 0o755, content: '', from: executable},
		// gzip -9 without a name or a time in its header, as Debian wants for man pages.
		{file: 'usr/share/man/man1/kasm-tui.1.gz', mode: 0o644, content: zlib.gzipSync(manPage(), {level: 9})},
		{file: 'usr/share/bash-completion/completions/kasm-tui', mode: 0o644, content: completionScript('bash')},
		{file: 'usr/share/zsh/vendor-completions/_kasm-tui', mode: 0o644, content: completionScript('zsh')},
		{file: 'usr/share/fish/vendor_completions.d/kasm-tui.fish', mode: 0o644, content: completionScript('fish')},
		{file: 'usr/share/doc/kasm-tui/copyright', mode: 0o644, content: copyright()},
	];
}

/** Who maintains it: package.json's author, as `Name <email>`. */
function maintainer(): string {
	const {author} = packageJson as {author?: string | {name: string; email?: string}};
	if (typeof author === 'object') {
		return author.email ? `${author.name} <${author.email}>` : author.name;
	}

	if (!author) {
		throw new Error('package.json names no author: the .deb needs a Maintainer');
	}

	return author;
}

/** A control file's long description: each line indented by one space, a blank line as ` .`. */
function longDescription(paragraphs: string[]): string {
	return paragraphs.map(paragraph => wrap(paragraph, 78).map(line => ` ${line}`).join('\n')).join('\n .\n');
}

export function controlFile(architecture: Architecture, installedKiB: number): string {
	return [
		'Package: kasm-tui',
		`Version: ${packageJson.version}`,
		`Architecture: ${debianArchitecture[architecture]}`,
		`Maintainer: ${maintainer()}`,
		`Installed-Size: ${installedKiB}`,
		'Section: admin',
		'Priority: optional',
		`Homepage: ${packageJson.homepage}`,
		'Description: terminal UI for the Docker plugins and images of a Kasm host',
		longDescription([
			packageJson.description,
			"One screen shows every managed plugin and image of the daemon, which version of a plugin is installed and what it was before, and what depends on it; it upgrades, rolls back and reinstalls plugins with a confirmation that says exactly what will happen. The same commands run headless for scripts (--json), on one host or a fleet of them.",
			'Node.js is inside the one executable, so nothing else is installed. With the kasm-tui(1) man page and bash, zsh and fish completions.',
		]),
		'',
	].join('\n');
}

/** Debian's machine-readable copyright file: kasm-tui's licence, and what the executable carries of others. */
function copyright(): string {
	const year = new Date().getUTCFullYear();
	return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: kasm-tui
Upstream-Contact: ${maintainer()}
Source: ${packageJson.homepage}

Files: *
Copyright: ${year} ${maintainer().replace(/\s*<.*>$/, '')}
License: ${packageJson.license}

Files: usr/bin/kasm-tui
Copyright: Node.js contributors, and the authors of the JavaScript libraries bundled into it
Comment: The executable is the official Node.js 24 binary with kasm-tui and its npm
 dependencies (ink, react, dockerode, conf, semver and theirs) injected. Node.js is under the
 MIT licence with the third-party licences listed in its LICENSE file
 (https://github.com/nodejs/node/blob/main/LICENSE); the bundled libraries are under the MIT,
 ISC, BSD and Apache-2.0 licences, each as its npm package states.
License: ${packageJson.license}

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software
 and associated documentation files (the "Software"), to deal in the Software without
 restriction, including without limitation the rights to use, copy, modify, merge, publish,
 distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
 Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
 BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
 NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
 DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
}

/**
 * Builds `outDir/kasm-tui_VERSION_ARCH.deb` from the executable; returns its path. Owners are root's
 * (--root-owner-group) and every mode is set here, whatever this machine's umask.
 */
export function packageDeb({executable, architecture, outDir, log = () => {}}: {executable: string; architecture: Architecture; outDir: string; log?: (line: string) => void}): string {
	if (packageJson.license !== 'MIT') {
		throw new Error(`the .deb's copyright file holds the MIT licence's text, but package.json says ${packageJson.license}`);
	}

	fs.mkdirSync(cacheDir, {recursive: true});
	const work = fs.mkdtempSync(path.join(cacheDir, 'deb-'));
	try {
		const tree = path.join(work, 'root');
		let kib = 0;
		const folders = new Set<string>();
		for (const {file, mode, content, from} of debContents(executable)) {
			const target = path.join(tree, file);
			for (let folder = path.dirname(file); folder !== '.'; folder = path.dirname(folder)) {
				folders.add(folder);
			}

			fs.mkdirSync(path.dirname(target), {recursive: true});
			if (from) {
				fs.copyFileSync(from, target);
			} else {
				fs.writeFileSync(target, content);
			}

			fs.chmodSync(target, mode);
			kib += Math.ceil(fs.statSync(target).size / 1024);
		}

		for (const folder of folders) {
			fs.chmodSync(path.join(tree, folder), 0o755);
		}

		fs.mkdirSync(path.join(tree, 'DEBIAN'), {mode: 0o755});
		// Installed-Size counts each file in whole KiB and each folder as one, as dpkg-gencontrol does.
		fs.writeFileSync(path.join(tree, 'DEBIAN', 'control'), controlFile(architecture, kib + folders.size), {mode: 0o644});
		fs.chmodSync(tree, 0o755);
		const out = path.join(outDir, debFileName(architecture));
		fs.mkdirSync(outDir, {recursive: true});
		log(`building ${path.basename(out)}…`);
		execFileSync('dpkg-deb', ['--build', '--root-owner-group', ...debCompression, tree, `${out}.partial`], {stdio: ['ignore', 'ignore', 'pipe']});
		fs.renameSync(`${out}.partial`, out);
		return out;
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}

/**
 * xz, which every dpkg reads (zstd needs dpkg 1.21.18: not Ubuntu 20.04's or Debian 11's), at
 * level 1: measured on the x64 executable, 13 s of CPU for 34.8 MB, where level 3 took 35 s for
 * 33.3 MB and level 6 (the default) 76 s for 30.1 MB; gzip made 44 MB.
 */
const debCompression = ['-Zxz', '-z1'];
