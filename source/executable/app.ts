import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {loadLayoutEngine} from '../app/terminal/yoga.js';
import {loadCommands} from '../cli/run.js';
import {runCli} from '../cli/run-cli.js';

/** The single executable's app script: the CLI, and the warm-up its code cache is made after. */
export {runCli};

/**
 * Loads every module the CLI loads on demand (the commands, the screens' drawing, dockerode, the
 * settings' store) and draws one frame, without a terminal, a daemon or the environment: what V8
 * compiled doing so is what the code cache holds. A code cache is compiled code, never state:
 * colours, terminal and environment are still read when a run starts.
 */
export async function warmUp(): Promise<void> {
	await loadCommands();
	await import('../app/screens/drawn.js');
	// The settings' store (config.ts loads it on demand); only loaded, no folder is read.
	await import('conf');
	await warmEngineApi();
	await loadLayoutEngine();
	(await import('./warm-frame.js')).drawWarmFrame();
}

/**
 * dockerode (loaded with the first Engine) and one listing through it, answered by a stand-in on
 * a socket of its own in a fresh temporary folder: the ping that agrees the API version, the four
 * requests through dockerode and the reading of their (empty) answers run as in a real run. No
 * daemon is asked anything. (To a socket that does not exist, the ping fails, and the listing's
 * path through dockerode was never compiled into the cache: ~12% more CPU for plugins --json.)
 */
async function warmEngineApi(): Promise<void> {
	const [{Engine}, {listPluginsWithUsage}, {parseHost}, http] = await Promise.all([
		import('../docker/engine.js'),
		import('../docker/usage.js'),
		import('../hosts/resolve.js'),
		import('node:http'),
	]);
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-warm-up-'));
	const standIn = http.createServer((request, response) => {
		response.writeHead(200, {'Content-Type': 'application/json', 'Api-Version': '1.45'});
		response.end(request.url === '/_ping' ? 'OK' : request.url?.includes('/volumes') ? '{"Volumes":[]}' : '[]');
	});
	try {
		const socket = path.join(folder, 'docker.sock');
		await new Promise<void>(resolve => standIn.listen(socket, resolve));
		const engine = await Engine.open(parseHost(`unix://${socket}`, 'flag'), {timeoutMs: 1000});
		await listPluginsWithUsage(engine).catch(() => {});
		engine.close();
	} finally {
		standIn.closeAllConnections();
		standIn.close();
		fs.rmSync(folder, {recursive: true, force: true});
	}
}
