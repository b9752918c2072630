/**
 * `npm run demo`: kasm-tui on a host of its own. Starts the sandbox (a private dockerd and
 * registry on loopback), installs a few plugins the way a Kasm host has them, writes them some
 * history, imports a few images, opens the screen on that daemon, and stops it all on quit.
 * Nothing touches the machine's own Docker, if it has one.
 *
 *   npm run demo              open the screen; everything stops when you quit
 *   npm run demo -- --keep    leave the sandbox running and print how to reach it
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import packageJson from '../../package.json' with {type: 'json'};
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {currentUser, Ledger} from '../../source/ledger/ledger.js';
import {importImage, installPlugin, moveTag, rollingTag, seedKasmRepository} from './fixtures.js';
import {startSandbox} from './sandbox.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const keep = process.argv.includes('--keep');
const say = (line: string) => process.stderr.write(`demo: ${line}\n`);

const sandbox = await startSandbox({log: say});
let stopped = false;
const stop = async () => {
	if (!stopped && !keep) {
		stopped = true;
		say('stopping the sandbox…');
		await sandbox.stop();
	}
};

for (const name of ['SIGTERM', 'SIGHUP'] as const) {
	process.on(name, () => void stop().finally(() => process.exit(1)));
}

// ctrl-c belongs to the screen while it is open; before and after, it stops the demo cleanly.
let screenOpen = false;
process.on('SIGINT', () => {
	if (!screenOpen) {
		void stop().finally(() => process.exit(130));
	}
});

try {
	say('pushing a Kasm-like plugin repository to the sandbox registry…');
	const kasm = await seedKasmRepository(sandbox);

	// The three kinds an operator meets: rolling and idle, pinned, and in use by sessions.
	const rolling = 'kasmweb/sidecar:amd64-1.2-rolling';
	const network = 'kasmweb/kasm-network-plugin:amd64-1.2.9';
	const pinned = 'kasmweb/sidecar-edge:amd64-1.2.1';
	say('installing plugins…');
	await installPlugin(sandbox, kasm.ref('amd64-1.2.1'), {alias: pinned});
	await installPlugin(sandbox, kasm.ref(rollingTag), {alias: rolling});
	await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: network});
	await sandbox.docker(['volume', 'create', '-d', network, 'kasm-profiles']);
	await sandbox.docker(['network', 'create', '-d', network, '--subnet', '198.18.0.0/24', 'kasm-egress']);

	say('importing images…');
	await importImage(sandbox, `${sandbox.registry}/kasmweb/chrome:1.16.0-rolling`, 'chrome 1.16.0 build 1');
	await sandbox.docker(['push', `${sandbox.registry}/kasmweb/chrome:1.16.0-rolling`]);
	await importImage(sandbox, 'kasmweb/terminal:1.16.0', 'terminal 1.16.0');
	await importImage(sandbox, 'kasmweb/tools:11302020', 'tools 11302020');
	// A session container that is created, not started: it uses the network, the volume and an image.
	await sandbox.docker([
		'create',
		'--name',
		'kasm-session-ops',
		'--network',
		'kasm-egress',
		'-v',
		'kasm-profiles:/profiles',
		`${sandbox.registry}/kasmweb/chrome:1.16.0-rolling`,
	]);

	// The registry moved on since: the rolling tag now names a newer build.
	await moveTag(sandbox, 'kasmweb/sidecar', rollingTag, 'amd64-1.2.10');

	const ledgerDir = path.join(sandbox.state.dir, 'ledger');
	writeHistory(new Ledger(ledgerDir), kasm.ref, {rolling, network, pinned});

	const args = [path.join(root, 'dist', 'cli.js'), '--host', sandbox.host, '--ledger-dir', ledgerDir];
	const env = {...process.env, DOCKER_CONFIG: sandbox.state.dockerConfig};
	if (keep) {
		sandbox.keep();
		say('the sandbox stays up. Reach it with:');
		process.stdout.write(`  node ${args.join(' ')}\n  DOCKER_HOST=${sandbox.host} docker plugin ls\n`);
		process.stdout.write(`stop it with: npm run sandbox -- down ${sandbox.state.dir}\n`);
	} else if (process.stdin.isTTY && process.stdout.isTTY) {
		screenOpen = true;
		const code = await new Promise<number>(resolve => {
			const child = spawn(process.execPath, args, {stdio: 'inherit', env});
			child.on('close', status => resolve(status ?? 1));
		});
		screenOpen = false;
		process.exitCode = code;
	} else {
		say('no terminal here, so this is the headless listing (run it in a terminal for the screen):');
		await new Promise(resolve => {
			spawn(process.execPath, [...args, 'plugins'], {stdio: 'inherit', env}).on('close', resolve);
		});
	}
} catch (error) {
	say(`failed: ${(error as Error).message}`);
	process.exitCode = 1;
} finally {
	await stop();
}

/** A few weeks of history, as kasm-tui itself would have written it. */
function writeHistory(ledger: Ledger, ref: (tag: string) => string, names: {rolling: string; network: string; pinned: string}) {
	const day = 24 * 60 * 60 * 1000;
	const entry = (daysAgo: number, fields: Partial<LedgerEntry> & Pick<LedgerEntry, 'action' | 'name' | 'tag'>): LedgerEntry => ({
		time: new Date(Date.now() - daysAgo * day).toISOString(),
		reference: ref(fields.tag),
		identity: {diffIds: []},
		outcome: 'ok',
		user: currentUser(),
		version: packageJson.version,
		...fields,
	});
	const history: LedgerEntry[] = [
		entry(41, {action: 'install', name: names.rolling, tag: 'amd64-1.2-rolling'}),
		entry(20, {action: 'auto-update', name: names.rolling, tag: 'amd64-1.2-rolling'}),
		entry(6, {action: 'auto-update', name: names.rolling, tag: 'amd64-1.2-rolling', outcome: 'restored', error: 'registry answered 503 during the pull; the previous build was re-enabled'}),
		entry(5, {action: 'auto-update', name: names.rolling, tag: 'amd64-1.2-rolling'}),
		entry(30, {action: 'install', name: names.network, tag: 'amd64-1.2.1'}),
		entry(12, {action: 'reinstall', name: names.network, tag: 'amd64-1.2.9'}),
	];
	// The pinned plugin was rolling until a rollback renamed it; its history moved with it.
	const wasRolling = 'kasmweb/sidecar-edge:amd64-1.2-rolling';
	const pinnedHistory: LedgerEntry[] = [
		entry(60, {action: 'install', name: wasRolling, tag: 'amd64-1.2-rolling'}),
		entry(9, {action: 'auto-update', name: wasRolling, tag: 'amd64-1.2-rolling'}),
		entry(2, {action: 'rollback', name: names.pinned, previousName: wasRolling, tag: 'amd64-1.2.1'}),
	];
	for (const item of history.sort((a, b) => a.time.localeCompare(b.time))) {
		ledger.append(item);
	}

	for (const item of pinnedHistory) {
		ledger.append(item, names.pinned);
	}

	fs.chmodSync(ledger.directory, 0o700);
}
