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
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {seedDemoHost} from './demo-host.js';
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
	const {ledgerDir} = await seedDemoHost(sandbox, say);
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
