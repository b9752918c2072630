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
 * on Node 24, where the bin turns on Node's compile cache.
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

test('the tarball holds the bundle and nothing that only building or packaging needs', () => {
	const files = tarball!.files.map(file => file.path);
	assert.ok(files.includes('dist/cli.js'));
	assert.ok(files.some(file => /^dist\/chunks\/.+\.js$/.test(file)));
	assert.deepEqual(
		files.filter(file => !file.startsWith('dist/chunks/')).sort(),
		['dist/cli.js', 'package.json', 'readme.md'],
		'no executable, no sources, no tests',
	);
});

test('installed with npm install -g, kasm-tui --help and --version run on this machine\'s Node', async () => {
	const env = {...process.env, PATH: `${path.dirname(installedBin)}:${process.env.PATH}`};
	const help = await run('kasm-tui', ['--help'], {env});
	assert.match(help.stdout, new RegExp(`^kasm-tui ${packageJson.version.replaceAll('.', '\\.')}: Docker managed plugins`));
	assert.match(help.stdout, /upgrade-plugins --name N/);
	const version = await run('kasm-tui', ['--version'], {env});
	assert.equal(version.stdout, `kasm-tui ${packageJson.version} (node ${process.version}, linux-${process.arch})\n`);
});

test('on Node 20 the installed bin runs without a compile cache; on Node 24 it fills one and lists the plugins from it', async () => {
	const node24 = nodeBinary();
	const installedCli = path.join(prefix, 'lib', 'node_modules', 'kasm-tui', 'dist', 'cli.js');
	const listsOurPlugin = async (node: string, tmp: string) => {
		const {stdout} = await run(node, [installedCli, '--host', sandbox.host, '--ledger-dir', ledgerDir, 'plugins', '--json'], {env: {PATH: process.env.PATH, TMPDIR: tmp, HOME: tmp}});
		return (JSON.parse(stdout) as Array<{name: string}>).some(plugin => plugin.name === ourPlugin);
	};

	assert.equal(process.version.split('.')[0], 'v20', 'the machine runs Node 20');
	const on20 = leftovers.folder('kasm-tui-tmp-');
	assert.ok(await listsOurPlugin(process.execPath, on20));
	assert.ok(!fs.existsSync(path.join(on20, 'node-compile-cache')), 'Node 20 has no compile cache to fill');

	const on24 = leftovers.folder('kasm-tui-tmp-');
	assert.ok(await listsOurPlugin(node24, on24), `Node ${nodeRelease.version} lists it, filling the cache`);
	const cached = fs.readdirSync(path.join(on24, 'node-compile-cache'), {recursive: true});
	assert.ok(cached.length > 1, 'Node 24 wrote what it compiled of kasm-tui to the compile cache');
	assert.ok(await listsOurPlugin(node24, on24), 'and lists it again, starting from the cache');
});
