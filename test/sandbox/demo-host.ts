/**
 * The host the demo, the screenshots and the benchmark show: a Kasm-like plugin repository,
 * three plugins as a Kasm host has them (rolling and idle, in use by a session, pinned after a
 * rollback), their history, and a few images, one used by a session container.
 *
 * The history is made the way a host's is, by kasm-tui's own flows against the sandbox: installs,
 * an auto-update, an auto-update that failed on a bad build and was put back, upgrades after the
 * rolling tag moved, a reinstall and a rollback. Every entry names real builds, so rollback and
 * the version picker work in the demo as on a host. Only the clock is set back afterwards, so the
 * changes read as the weeks they would have taken.
 */
import fs from 'node:fs';
import path from 'node:path';
import {parseHost} from '../../source/hosts/resolve.js';
import {listPluginsWithUsage, type PluginWithUsage} from '../../source/docker/usage.js';
import {autoUpdate} from '../../source/flows/auto-update.js';
import {openFlowContext} from '../../source/flows/context.js';
import {planInstall} from '../../source/flows/install.js';
import type {Plan} from '../../source/flows/plan.js';
import {planReinstall, planRollback, planUpgrade} from '../../source/flows/planners.js';
import {FlowFailed, runPlan} from '../../source/flows/run.js';
import type {LedgerEntry} from '../../source/ledger/entry.js';
import {listPlugins} from '../../source/docker/plugins.js';
import {importImage, moveTag, pushPluginBuild, rollingTag, seedKasmRepository} from './fixtures.js';
import type {Sandbox} from './sandbox.js';

export interface DemoHost {
	ledgerDir: string;
	plugins: {rolling: string; network: string; pinned: string};
}

/** The bad build the rolling tag points at for a while: it installs, but does not start. */
const brokenTag = 'amd64-1.2.10-rc.1';

export async function seedDemoHost(sandbox: Sandbox, say: (line: string) => void = () => {}): Promise<DemoHost> {
	say('pushing a Kasm-like plugin repository to the sandbox registry…');
	const kasm = await seedKasmRepository(sandbox);
	await pushPluginBuild(sandbox, kasm.ref(brokenTag), {version: '1.2.10-rc.1 (does not start)', entrypoint: ['/missing-entrypoint']});

	const rolling = 'kasmweb/sidecar:amd64-1.2-rolling';
	const edge = 'kasmweb/sidecar-edge:amd64-1.2-rolling';
	const network = 'kasmweb/kasm-network-plugin:amd64-1.2.9';
	const ledgerDir = path.join(sandbox.state.dir, 'ledger');
	fs.mkdirSync(ledgerDir, {recursive: true, mode: 0o700});
	const context = await openFlowContext({target: parseHost(sandbox.host, 'flag'), ledgerDir});
	const history = new HistoryClock();
	const plugin = async (name: string): Promise<PluginWithUsage> => {
		const found = (await listPluginsWithUsage(context.engine)).find(candidate => candidate.name === name);
		if (!found) {
			throw new Error(`the demo expected a plugin named ${name}`);
		}

		return found;
	};

	const run = async (plan: Plan) => {
		if (plan.refusal) {
			throw plan.refusal;
		}

		return runPlan(context, plan);
	};

	say('installing plugins and giving them a history, with kasm-tui itself…');
	await moveTag(sandbox, 'kasmweb/sidecar', rollingTag, 'amd64-1.2.0');
	await history.at(63, async () => {
		await run(await planInstall(context, await listPlugins(context.engine), {reference: kasm.ref(rollingTag), alias: edge}));
		await run(await planInstall(context, await listPlugins(context.engine), {reference: kasm.ref(rollingTag), alias: rolling}));
	});
	await history.at(48, async () => {
		await run(await planInstall(context, await listPlugins(context.engine), {reference: kasm.ref('amd64-1.2.1'), alias: 'kasmweb/kasm-network-plugin:amd64-1.2.1'}));
	});
	// The rolling tag moves on; the start-up script's auto-update follows it.
	await moveTag(sandbox, 'kasmweb/sidecar', rollingTag, 'amd64-1.2.1');
	await history.at(34, async () => autoUpdate(context));
	// A bad build behind the rolling tag: the auto-update cannot start it and puts 1.2.1 back.
	await moveTag(sandbox, 'kasmweb/sidecar', rollingTag, brokenTag);
	await history.at(20, async () => autoUpdate(context));
	// Fixed upstream: the operator upgrades both by hand.
	await moveTag(sandbox, 'kasmweb/sidecar', rollingTag, 'amd64-1.2.9');
	await history.at(12, async () => {
		await run(await planUpgrade(context, await plugin(rolling)));
		await run(await planUpgrade(context, await plugin(edge)));
	});
	await history.at(9, async () => {
		await run(await planReinstall(context, await plugin('kasmweb/kasm-network-plugin:amd64-1.2.1'), {version: 'amd64-1.2.9', alias: network}));
	});
	// 1.2.9 misbehaved on the edge host: rolled back to the build before, and pinned there.
	await history.at(2, async () => run(await planRollback(context, await plugin(edge))));
	const pinned = (await listPlugins(context.engine)).find(candidate => candidate.name.startsWith('kasmweb/sidecar-edge:') && !candidate.rolling)?.name;
	if (!pinned) {
		throw new Error('the demo expected the edge plugin pinned by its rollback');
	}

	history.setBack(ledgerDir);

	// In use by a session: its network, its profile volume and its container.
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
	return {ledgerDir, plugins: {rolling, network, pinned}};
}

/**
 * Remembers when each step of the story ran, so its entries can be moved back to the day it
 * stands for afterwards; their order, and everything but the time, stays as the flows wrote it.
 */
class HistoryClock {
	private readonly steps: Array<{began: number; ended: number; daysAgo: number}> = [];

	async at(daysAgo: number, step: () => Promise<unknown>): Promise<void> {
		const began = Date.now();
		await step().catch((error: unknown) => {
			// A failed change that was put back is part of the story; anything else is not.
			if (!(error instanceof FlowFailed && error.outcome === 'restored')) {
				throw error;
			}
		});
		this.steps.push({began, ended: Date.now(), daysAgo});
	}

	setBack(ledgerDir: string): void {
		const day = 24 * 60 * 60 * 1000;
		const now = Date.now();
		const shift = (time: string) => {
			const ms = Date.parse(time);
			const step = this.steps.find(candidate => ms >= candidate.began && ms <= candidate.ended + 1);
			return step ? new Date(ms - step.began + now - step.daysAgo * day).toISOString() : time;
		};

		for (const file of fs.readdirSync(ledgerDir).filter(name => name.endsWith('.jsonl'))) {
			const full = path.join(ledgerDir, file);
			const lines = fs.readFileSync(full, 'utf8').split('\n').filter(Boolean);
			const moved = lines.map(line => {
				const entry = JSON.parse(line) as LedgerEntry;
				return JSON.stringify({...entry, time: shift(entry.time)});
			});
			fs.writeFileSync(full, moved.join('\n') + '\n', {mode: 0o600});
		}
	}
}

