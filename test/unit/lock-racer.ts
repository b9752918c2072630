// A separate process taking one plugin's lock, for the stale-lock race test: it says "ready", takes
// the lock when told "go", says what came of it, and lets the lock go when its input ends.
import fs from 'node:fs';
import {Ledger} from '../../source/ledger/ledger.js';

const [directory, plugin, slowReadMs] = process.argv.slice(2);

// A slow disk: reading a lock file takes a while, so both racers see the dead holder's lock before either acts.
const readFileSync = fs.readFileSync;
fs.readFileSync = ((...args: Parameters<typeof readFileSync>) => {
	const text = readFileSync(...args);
	if (String(args[0]).includes('.lock')) {
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(slowReadMs));
	}

	return text;
}) as typeof readFileSync;

process.stdout.write('ready\n');
let lock: {release(): void} | undefined;
let told = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => {
	told += chunk;
	if (told.includes('go') && !lock) {
		try {
			lock = new Ledger(directory!).lock(plugin!, 'upgrade');
			process.stdout.write('held\n');
		} catch (error) {
			lock = {release() {}};
			process.stdout.write(`refused: ${(error as Error).message}\n`);
		}
	}
});
process.stdin.on('end', () => lock?.release());
