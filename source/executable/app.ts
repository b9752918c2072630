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
 * dockerode (loaded with the first Engine) and one listing through it, to a socket in a folder
 * that does not exist: the request path runs up to the connect, which fails at once. No daemon
 * is asked anything.
 */
async function warmEngineApi(): Promise<void> {
	const [{Engine}, {listPluginsWithUsage}, {parseHost}] = await Promise.all([import('../docker/engine.js'), import('../docker/usage.js'), import('../hosts/resolve.js')]);
	const nowhere = path.join(os.tmpdir(), `kasm-tui-warm-up-${process.pid}-${Date.now()}`, 'docker.sock');
	const engine = await Engine.open(parseHost(`unix://${nowhere}`, 'flag'), {timeoutMs: 1000});
	await listPluginsWithUsage(engine).catch(() => {});
	engine.close();
}
