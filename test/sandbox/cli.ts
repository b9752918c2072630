/**
 * `npm run sandbox -- up`    start a sandbox with the Kasm-like repository and leave it running
 * `npm run sandbox -- down [DIR…]`  stop the given sandboxes, or every one found under /tmp
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {seedKasmRepository} from './fixtures.js';
import {startSandbox, stopSandbox, type SandboxState} from './sandbox.js';

const [verb, ...rest] = process.argv.slice(2);
const log = (line: string) => process.stderr.write(`sandbox: ${line}\n`);

if (verb === 'up') {
	const sandbox = await startSandbox({log});
	sandbox.keep();
	await seedKasmRepository(sandbox);
	process.stdout.write(`export DOCKER_HOST=${sandbox.host}\n# registry ${sandbox.registry}; stop with: npm run sandbox -- down ${sandbox.state.dir}\n`);
} else if (verb === 'down') {
	const dirs = rest.length > 0 ? rest : fs.readdirSync(os.tmpdir()).filter(name => name.startsWith('kt-')).map(name => path.join(os.tmpdir(), name));
	for (const dir of dirs) {
		try {
			const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as SandboxState;
			await stopSandbox(state);
			log(`stopped ${dir}`);
		} catch (error) {
			log(`${dir}: ${(error as Error).message}`);
		}
	}
} else {
	process.stderr.write('usage: npm run sandbox -- up | down [DIR…]\n');
	process.exitCode = 2;
}
