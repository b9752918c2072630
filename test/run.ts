/**
 * `npm test`: builds the bin, starts one sandbox (a private dockerd and registry on loopback)
 * for every test file, runs Node's test runner, and stops the sandbox whatever happens.
 */
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {seedKasmRepository} from './sandbox/fixtures.js';
import {startSandbox, type Sandbox} from './sandbox/sandbox.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`# ${line}\n`);

function testFiles(filters: string[]): string[] {
	const files = ['unit', 'integration', 'screen']
		.map(folder => path.join(root, 'test', folder))
		.filter(folder => fs.existsSync(folder))
		.flatMap(folder => fs.readdirSync(folder).filter(name => name.endsWith('.test.ts') || name.endsWith('.test.tsx')).map(name => path.join(folder, name)))
		.sort();
	return filters.length === 0 ? files : files.filter(file => filters.some(filter => file.includes(filter)));
}

let sandbox: Sandbox | undefined;
let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= sandbox ? sandbox.stop() : Promise.resolve());
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(name, () => {
		log(`${name}: stopping the sandbox`);
		void stop().finally(() => process.exit(130));
	});
}

let code = 1;
const began = Date.now();
try {
	execFileSync('npm', ['run', '--silent', 'build'], {cwd: root, stdio: 'inherit'});
	const files = testFiles(process.argv.slice(2));
	const sandboxBegan = Date.now();
	sandbox = await startSandbox({log});
	await seedKasmRepository(sandbox);
	log(`sandbox ready with the Kasm-like repository in ${Date.now() - sandboxBegan} ms`);
	code = await new Promise<number>(resolve => {
		const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...files], {
			cwd: root,
			stdio: 'inherit',
			env: {
				...process.env,
				KASM_TUI_SANDBOX: path.join(sandbox!.state.dir, 'state.json'),
				// Nothing a test runs may read or write the machine's own history or settings.
				KASM_TUI_LEDGER_DIR: path.join(sandbox!.state.dir, 'ledger'),
				KASM_TUI_CONFIG_DIR: path.join(sandbox!.state.dir, 'config'),
			},
		});
		child.on('close', status => resolve(status ?? 1));
	});
} catch (error) {
	log(`could not run the tests: ${(error as Error).message}`);
} finally {
	await stop();
	log(`whole run ${((Date.now() - began) / 1000).toFixed(1)} s`);
}

process.exit(code);
