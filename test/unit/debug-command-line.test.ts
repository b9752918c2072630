import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {main, reportError, type Output} from '../../source/cli/main.js';
import {closeDebugLog} from '../../source/debug.js';

/** One run in-process, as the bin runs it; the daemon is an address where nothing listens. */
async function run(argv: string[]): Promise<{code: number; stderr: string}> {
	let stderr = '';
	const output: Output = {stdout: () => {}, stderr: text => (stderr += text)};
	try {
		return {code: await main(argv, output), stderr};
	} catch (error) {
		return {code: reportError(error, output), stderr};
	} finally {
		closeDebugLog();
	}
}

test('--debug FILE records the command line without the values set was given, nor a password in the address', async () => {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-debug-line-'));
	try {
		const file = path.join(folder, 'debug.log');
		const result = await run([
			'--host',
			'tcp://ops:Hostpassw0rd@127.0.0.1:1',
			'set',
			'kasmweb/sidecar:amd64-1.2',
			'DB_PASSWORD=hunter2',
			'DSN=postgres://kasm:Dsnpassw0rd@db/kasm',
			'DEBUG=1',
			'--debug',
			file,
			'--yes',
		]);
		assert.equal(result.code, 1, result.stderr);
		const written = fs.readFileSync(file, 'utf8');
		for (const secret of ['hunter2', 'Dsnpassw0rd', 'Hostpassw0rd']) {
			assert.ok(!written.includes(secret), `${secret} is not in the debug log:\n${written}`);
		}

		// What the run was is still there to read: the command, the plugin and each key.
		const line = JSON.parse(written.split('\n')[0]!) as {category: string; argv: string[]};
		assert.equal(line.category, 'run');
		assert.deepEqual(line.argv, [
			'--host',
			'tcp://ops:***@127.0.0.1:1',
			'set',
			'kasmweb/sidecar:amd64-1.2',
			'DB_PASSWORD=***',
			'DSN=***',
			'DEBUG=***',
			'--debug',
			file,
			'--yes',
		]);
	} finally {
		fs.rmSync(folder, {recursive: true, force: true});
	}
});
