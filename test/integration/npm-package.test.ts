import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import packageJson from '../../package.json' with {type: 'json'};
import {nodeBinary, nodeRelease} from '../../source/build/package.js';
import {installPlugin} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * `npm pack`, then `npm install -g` of the tarball into a prefix of the test's own (never the
 * machine's), then the installed `kasm-tui` run as an operator would: on this machine's Node and
 * on Node 24, each keeping its V8 code cache (source/code-cache.ts).
 */
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const {sandbox, kasm} = await useSandbox();
const leftovers = useLeftovers(sandbox);
const run = promisify(execFile);

const packed = leftovers.folder('kasm-tui-pack-');
// --ignore-scripts: prepare would rebuild dist/ under the other tests; `npm test` built it already.
const [tarball] = JSON.parse((await run('npm', ['pack', root, '--ignore-scripts', '--json', '--pack-destination', packed], {cwd: packed})).stdout) as Array<{filename: string; files: Array<{path: string}>}>;
const prefix = leftovers.folder('kasm-tui-prefix-');
await run('npm', ['install', '--global', '--prefix', prefix, path.join(packed, tarball!.filename), '--no-audit', '--no-fund', '--prefer-offline'], {cwd: packed, timeout: 300_000});
const installedBin = path.join(prefix, 'bin', 'kasm-tui');
const ledgerDir = leftovers.folder('kasm-tui-pack-ledger-');
const ourPlugin = leftovers.plugin(`${uniqueName('npm-package/sidecar')}:amd64-1.2.9`);
await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: ourPlugin});

test('the tarball holds the bin and its app script, and nothing that only building or packaging needs', () => {
	const files = tarball!.files.map(file => file.path);
	assert.deepEqual(files.sort(), ['dist/app.cjs', 'dist/cli.js', 'package.json', 'readme.md'], 'no executable, no sources, no tests');
});

test('installed with npm install -g, kasm-tui --help and --version run on this machine\'s Node', async () => {
	const env = {...process.env, PATH: `${path.dirname(installedBin)}:${process.env.PATH}`};
	const help = await run('kasm-tui', ['--help'], {env});
	assert.match(help.stdout, new RegExp(`^kasm-tui ${packageJson.version.replaceAll('.', '\\.')}: Docker managed plugins`));
	assert.match(help.stdout, /upgrade-plugins --name N/);
	const version = await run('kasm-tui', ['--version'], {env});
	assert.equal(version.stdout, `kasm-tui ${packageJson.version} (node ${process.version}, linux-${process.arch})\n`);
});

/** The one cache file a run of `command` leaves under `home`, with its folder's and its own mode and owner. */
function cacheFileOf(home: string, node: string, command: string) {
	const builds = path.join(home, '.cache', 'kasm-tui', 'code');
	const [build, ...others] = fs.readdirSync(builds);
	assert.deepEqual(others, [], 'one build\'s caches');
	const file = path.join(builds, build!, `node-${node}-${process.arch}-${command}.bin`);
	return {file, folderMode: fs.statSync(path.dirname(file)).mode & 0o777, stat: fs.statSync(file)};
}

test('installed, the bin keeps a V8 code cache of its own per command in ~/.cache/kasm-tui, on Node 20 and on Node 24, made once and then started from', async () => {
	const node24 = nodeBinary();
	const installedCli = path.join(prefix, 'lib', 'node_modules', 'kasm-tui', 'dist', 'cli.js');
	const listsOurPlugin = async (node: string, home: string) => {
		const {stdout} = await run(node, [installedCli, '--host', sandbox.host, '--ledger-dir', ledgerDir, 'plugins', '--json'], {env: {PATH: process.env.PATH, HOME: home}});
		return (JSON.parse(stdout) as Array<{name: string}>).some(plugin => plugin.name === ourPlugin);
	};

	for (const [node, version] of [[process.execPath, process.version], [node24, `v${nodeRelease.version}`]] as const) {
		const home = leftovers.folder('kasm-tui-home-');
		assert.ok(await listsOurPlugin(node, home), `Node ${version} lists it, making the cache`);
		const made = cacheFileOf(home, version, 'plugins');
		assert.equal(made.folderMode, 0o700, 'a folder only its user may enter');
		assert.equal(made.stat.mode & 0o777, 0o600);
		assert.ok(made.stat.size > 100_000, `what V8 compiled of a listing: ${made.stat.size} bytes`);
		assert.ok(await listsOurPlugin(node, home), `Node ${version} lists it again, from the cache`);
		const again = cacheFileOf(home, version, 'plugins');
		assert.deepEqual([again.stat.ino, again.stat.mtimeMs], [made.stat.ino, made.stat.mtimeMs], `Node ${version}: V8 took the cache, it was not made again`);
	}
});

test('a code cache it cannot trust is never used: another user\'s, one others may write, or one V8 refuses; each is made again, and a failed run or KASM_TUI_CODE_CACHE=0 makes none', async () => {
	const cli = path.join(root, 'dist', 'cli.js');
	const home = leftovers.folder('kasm-tui-home-');
	const plugins = async (env: NodeJS.ProcessEnv = {}, host = sandbox.host) =>
		run(process.execPath, [cli, '--host', host, '--ledger-dir', ledgerDir, 'plugins', '--json'], {env: {PATH: process.env.PATH, HOME: home, ...env}}).then(
			({stdout}) => ({code: 0, listed: (JSON.parse(stdout) as Array<{name: string}>).some(plugin => plugin.name === ourPlugin)}),
			(error: {code: number}) => ({code: error.code, listed: false}),
		);

	const failed = await plugins({}, 'unix:///nonexistent/docker.sock');
	assert.notEqual(failed.code, 0);
	assert.ok(!fs.existsSync(path.join(home, '.cache')), 'a failed run leaves no cache');
	assert.deepEqual(await plugins({KASM_TUI_CODE_CACHE: '0'}), {code: 0, listed: true});
	assert.ok(!fs.existsSync(path.join(home, '.cache')), 'KASM_TUI_CODE_CACHE=0 turns it off');

	assert.deepEqual(await plugins(), {code: 0, listed: true});
	const {file} = cacheFileOf(home, process.version, 'plugins');
	// A good cache, planted where it may not be trusted, would be taken as it is if it were trusted.
	const good = fs.readFileSync(file);
	const garbage = Buffer.from('not a code cache, and not to be run');
	for (const [what, plant, bytes] of [
		['V8 refuses it', () => fs.chmodSync(file, 0o600), garbage],
		['others may write it', () => fs.chmodSync(file, 0o666), good],
		["another user's", () => fs.chownSync(file, 65_534, 65_534), good],
	] as const) {
		fs.rmSync(file);
		fs.writeFileSync(file, bytes, {mode: 0o600});
		plant();
		const planted = fs.statSync(file);
		assert.deepEqual(await plugins(), {code: 0, listed: true}, `${what}: the listing is as ever`);
		const made = fs.statSync(file);
		assert.notEqual(made.ino, planted.ino, `${what}: not used, made again`);
		assert.deepEqual([made.uid, made.mode & 0o777], [process.getuid!(), 0o600], `${what}: this user's own`);
	}

	const xdg = leftovers.folder('kasm-tui-xdg-');
	assert.deepEqual(await plugins({XDG_CACHE_HOME: xdg}), {code: 0, listed: true});
	assert.ok(fs.readdirSync(path.join(xdg, 'kasm-tui', 'code')).length === 1, 'XDG_CACHE_HOME is where caches go when set');
});
