/**
 * The host the demo, the screenshots and the benchmark show: a Kasm-like plugin repository,
 * three plugins as a Kasm host has them (rolling and idle, in use by a session, pinned after a
 * rollback), a few weeks of history, and a few images, one used by a session container.
 */
import fs from 'node:fs';
import path from 'node:path';
import packageJson from '../../package.json' with {type: 'json'};
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {currentUser, Ledger} from '../../source/ledger/ledger.js';
import {importImage, installPlugin, moveTag, rollingTag, seedKasmRepository} from './fixtures.js';
import type {Sandbox} from './sandbox.js';

export interface DemoHost {
	ledgerDir: string;
	plugins: {rolling: string; network: string; pinned: string};
}

export async function seedDemoHost(sandbox: Sandbox, say: (line: string) => void = () => {}): Promise<DemoHost> {
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
	return {ledgerDir, plugins: {rolling, network, pinned}};
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
