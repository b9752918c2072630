import assert from 'node:assert/strict';
import {execFile, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import packageJson from '../../package.json' with {type: 'json'};
import {ensureDebianTools} from '../../source/build/apt.js';
import {debFileName} from '../../source/build/deb.js';
import {commandFor} from '../../source/build/emulation.js';
import {nodeRelease} from '../../source/build/package.js';
import {installPlugin, pushRepository, rollingTag} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * The .debs `npm run package` made (KASM_TUI_DEB_DIR, default dist/): their control files and
 * contents as dpkg-deb shows them, the amd64 one installed by dpkg into a throw-away root and run
 * from there against the sandbox daemon, the arm64 one unpacked and run under emulation. A
 * missing .deb fails the file, never skips it.
 */
ensureDebianTools([{command: 'man', package: 'man-db'}]);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const debDir = path.resolve(root, process.env.KASM_TUI_DEB_DIR ?? 'dist');
const debs = {amd64: path.join(debDir, debFileName('x64')), arm64: path.join(debDir, debFileName('arm64'))};
for (const deb of Object.values(debs)) {
	if (!fs.existsSync(deb)) {
		throw new Error(`${deb} does not exist: make it with "npm run package" (or name its folder with KASM_TUI_DEB_DIR)`);
	}
}

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const run = promisify(execFile);

/** What the package installs, with the mode and owner each must have. */
const expectedFiles: Record<string, string> = {
	'./usr/bin/kasm-tui': '-rwxr-xr-x root/root',
	'./usr/share/man/man1/kasm-tui.1.gz': '-rw-r--r-- root/root',
	'./usr/share/bash-completion/completions/kasm-tui': '-rw-r--r-- root/root',
	'./usr/share/zsh/vendor-completions/_kasm-tui': '-rw-r--r-- root/root',
	'./usr/share/fish/vendor_completions.d/kasm-tui.fish': '-rw-r--r-- root/root',
	'./usr/share/doc/kasm-tui/copyright': '-rw-r--r-- root/root',
};

/** The control file's fields, continuation lines joined to theirs. */
function controlFields(deb: string): Record<string, string> {
	const text = spawnSync('dpkg-deb', ['--field', deb], {encoding: 'utf8'}).stdout;
	const fields: Record<string, string> = {};
	let last = '';
	for (const line of text.split('\n').filter(Boolean)) {
		const field = /^([A-Za-z-]+): ?(.*)$/.exec(line);
		if (field) {
			last = field[1]!;
			fields[last] = field[2]!;
		} else {
			fields[last] += `\n${line}`;
		}
	}

	return fields;
}

for (const [arch, deb] of Object.entries(debs)) {
	test(`dpkg-deb -I shows the ${arch} package's control file: name, version from package.json, architecture, maintainer, homepage, description, no dependencies`, () => {
		const info = spawnSync('dpkg-deb', ['-I', deb], {encoding: 'utf8'});
		assert.equal(info.status, 0, info.stderr);
		const fields = controlFields(deb);
		assert.deepEqual(
			{Package: fields.Package, Version: fields.Version, Architecture: fields.Architecture, Maintainer: fields.Maintainer, Homepage: fields.Homepage, Section: fields.Section, Priority: fields.Priority},
			{
				Package: 'kasm-tui',
				Version: packageJson.version,
				Architecture: arch,
				Maintainer: packageJson.author,
				Homepage: packageJson.homepage,
				Section: 'admin',
				Priority: 'optional',
			},
		);
		const [summary, ...long] = fields.Description!.split('\n');
		assert.ok(summary!.length > 10 && summary!.length < 80, `a one-line summary: ${summary}`);
		assert.ok(long.length >= 3 && long.every(line => line.startsWith(' ') && line.length <= 80), 'and a long description, each line indented');
		for (const field of ['Depends', 'Pre-Depends', 'Recommends']) {
			assert.equal(fields[field], undefined, `no ${field}: Node is inside the executable`);
		}

		// Installed-Size is in KiB, the executable being nearly all of it.
		const executableBytes = Number(/-rwxr-xr-x root\/root\s+(\d+) .*\.\/usr\/bin\/kasm-tui$/m.exec(spawnSync('dpkg-deb', ['-c', deb], {encoding: 'utf8'}).stdout)?.[1]);
		const installedKiB = Number(fields['Installed-Size']);
		assert.ok(installedKiB >= executableBytes / 1024 && installedKiB < executableBytes / 1024 + 200, `Installed-Size ${installedKiB} KiB for ${executableBytes} bytes`);
	});

	test(`dpkg-deb -c lists the ${arch} package's files, owned by root: the program 0755, the man page, completions and copyright 0644`, () => {
		const listing = spawnSync('dpkg-deb', ['-c', deb], {encoding: 'utf8'}).stdout;
		const files = Object.fromEntries(
			listing
				.split('\n')
				.filter(line => line.startsWith('-'))
				.map(line => {
					const [mode, owner, , , , name] = line.split(/\s+/);
					return [name!, `${mode} ${owner}`];
				}),
		);
		assert.deepEqual(files, expectedFiles);
		for (const line of listing.split('\n').filter(line => line.startsWith('d'))) {
			assert.match(line, /^drwxr-xr-x root\/root /, line);
		}
	});
}

test('the amd64 .deb installs with dpkg into a throw-away root, and its kasm-tui runs there against the daemon', async () => {
	const system = leftovers.folder('kasm-tui-deb-root-');
	for (const folder of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) {
		fs.mkdirSync(path.join(system, folder), {recursive: true});
	}

	fs.writeFileSync(path.join(system, 'var', 'lib', 'dpkg', 'status'), '');
	const dpkg = (...args: string[]) => spawnSync('dpkg', [`--root=${system}`, '--force-not-root', '--force-script-chrootless', '--log=/dev/null', ...args], {encoding: 'utf8'});
	const installed = dpkg('-i', debs.amd64);
	assert.equal(installed.status, 0, installed.stderr);
	assert.deepEqual(
		dpkg('-L', 'kasm-tui').stdout.split('\n').filter(line => Object.keys(expectedFiles).includes(`.${line}`)).sort(),
		Object.keys(expectedFiles).map(file => file.slice(1)).sort(),
		'dpkg knows every file it installed',
	);

	const program = path.join(system, 'usr', 'bin', 'kasm-tui');
	const version = await run(program, ['--version'], {env: {}});
	assert.equal(version.stdout, `kasm-tui ${packageJson.version} (node v${nodeRelease.version}, single executable, linux-x64)\n`);
	assert.equal(version.stderr, '');

	const repositoryPath = uniqueName('deb');
	const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9']);
	const name = leftovers.plugin(`${repositoryPath}/sidecar:${rollingTag}`);
	await installPlugin(sandbox, repository.ref(rollingTag), {alias: name});
	const listed = await run(program, ['--host', sandbox.host, '--ledger-dir', leftovers.folder('kasm-tui-deb-ledger-'), 'plugins', '--json'], {env: {PATH: path.join(system, 'usr', 'bin')}});
	assert.ok((JSON.parse(listed.stdout) as Array<{name: string; enabled: boolean}>).some(plugin => plugin.name === name && plugin.enabled), listed.stdout);

	// The man page and completions as the system finds them.
	const page = spawnSync('man', ['--warnings', '-l', path.join(system, 'usr', 'share', 'man', 'man1', 'kasm-tui.1.gz')], {encoding: 'utf8', env: {...process.env, MANPAGER: 'cat', MANWIDTH: '100'}});
	assert.equal(page.stderr, '');
	assert.match(page.stdout, /^KASM-TUI\(1\)/);
	const bash = spawnSync('bash', ['-n', path.join(system, 'usr', 'share', 'bash-completion', 'completions', 'kasm-tui')], {encoding: 'utf8'});
	assert.equal(bash.status, 0, bash.stderr);

	const removed = dpkg('--purge', 'kasm-tui');
	assert.equal(removed.status, 0, removed.stderr);
	assert.ok(!fs.existsSync(program), 'removing it takes the program away');
});

test('the arm64 .deb holds the arm64 executable, which runs under emulation', async () => {
	const unpacked = leftovers.folder('kasm-tui-deb-arm64-');
	assert.equal(spawnSync('dpkg-deb', ['-x', debs.arm64, unpacked]).status, 0);
	const [file, ...args] = commandFor('arm64', path.join(unpacked, 'usr', 'bin', 'kasm-tui'), ['--version']);
	const version = await run(file, args, {env: {}, timeout: 120_000});
	assert.equal(version.stdout, `kasm-tui ${packageJson.version} (node v${nodeRelease.version}, single executable, linux-arm64)\n`);
	assert.equal(version.stderr, '');
});
