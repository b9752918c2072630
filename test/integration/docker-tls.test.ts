import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {Engine} from '../../source/docker/engine.js';
import {listPlugins} from '../../source/docker/plugins.js';
import type {EngineTarget} from '../../source/docker/target.js';
import {DaemonError} from '../../source/errors.js';
import {makeTlsMaterial, startExtraDaemon} from '../sandbox/fleet-hosts.js';
import {useSandbox} from '../sandbox/shared.js';

/**
 * tcp+TLS on kasm-tui's own connections under dockerode: the daemon's certificate is checked
 * against the CA given and against the address's host, as the docker CLI checks it, unless
 * verifying was turned off.
 */

const {sandbox} = await useSandbox();
const daemon = await startExtraDaemon(sandbox, {tls: true});
after(async () => daemon.stop());
const port = Number(new URL(daemon.tcpHost!.replace(/^tcp:/, 'http:')).port);
const client = (file: string) => fs.readFileSync(path.join(daemon.tls!.clientFolder, file));
// Another CA, which did not sign the daemon's certificate.
const stranger = makeTlsMaterial(path.join(daemon.sandbox.state.dir, 'stranger'));

function target(host: string, {ca = client('ca.pem'), verify = true}: {ca?: Buffer; verify?: boolean} = {}): EngineTarget {
	return {address: `tcp://${host}:${port}`, source: 'flag', transport: {kind: 'tcp', host, port, tls: {ca, cert: client('cert.pem'), key: client('key.pem'), verify}}};
}

async function list(to: EngineTarget) {
	const engine = await Engine.open(to, {timeoutMs: 10_000});
	try {
		return await listPlugins(engine);
	} finally {
		engine.close();
	}
}

test('a daemon whose certificate the CA signed, for the address it is reached at, answers', async () => {
	assert.ok(Array.isArray(await list(target('127.0.0.1'))));
});

test('a certificate signed by another CA is refused, and so is one that names another host', async () => {
	await assert.rejects(list(target('127.0.0.1', {ca: fs.readFileSync(stranger.ca)})), (error: unknown) => error instanceof DaemonError && /certificate/i.test(error.message) && !error.message.includes('\n'));
	// The certificate names IP 127.0.0.1 only: the same daemon reached as localhost does not prove it is the one.
	await assert.rejects(list(target('localhost')), (error: unknown) => error instanceof DaemonError && /localhost/.test(error.message) && /altnames|certificate/i.test(error.message));
});

test('with verifying turned off (a context\'s SkipTLSVerify), the same stranger\'s CA is let through', async () => {
	assert.ok(Array.isArray(await list(target('127.0.0.1', {ca: fs.readFileSync(stranger.ca), verify: false}))));
});
