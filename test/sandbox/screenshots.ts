/**
 * `npm run screenshots`: the readme's pictures, from a real run. Starts the sandbox with the
 * demo host, opens kasm-tui in tmux, drives it with keys like an operator, and turns each
 * screen (capture-pane -e) into an SVG in media/.
 */
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {TmuxScreen} from '../helpers/tmux.js';
import {ansiToSvg} from './ansi-svg.js';
import {seedDemoHost} from './demo-host.js';
import {installPlugin, rollingTag} from './fixtures.js';
import {startExtraDaemon, startSilentHost, type ExtraDaemon} from './fleet-hosts.js';
import {startSandbox, type Sandbox} from './sandbox.js';
import {startSshBed} from './ssh-host.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const media = path.join(root, 'media');
const columns = 110;
const rows = 32;

/** A private registry's address for each width the sandbox's `127.0.0.1:PORT` may have. */
const privateRegistries = ['10.0.0.5', '10.0.10.5', '10.0.100.5', '10.10.100.5', '10.100.100.5', '10.100.100.50', '10.100.100.100'].map(ip => `${ip}:5000`);

/** The first stand-in as wide as `text`, else the last one padded or cut to its width. */
function standIn(text: string, candidates: string[]): string {
	return candidates.find(candidate => candidate.length === text.length) ?? candidates.at(-1)!.padEnd(text.length).slice(0, text.length);
}

const sandbox = await startSandbox({log: line => process.stderr.write(`screenshots: ${line}\n`)});
try {
	const {ledgerDir} = await seedDemoHost(sandbox, line => process.stderr.write(`screenshots: ${line}\n`));
	const daemonLog = path.join(sandbox.state.dir, 'dockerd.log');
	const screen = await TmuxScreen.open([process.execPath, path.join(root, 'dist', 'cli.js'), '--host', sandbox.host, '--ledger-dir', ledgerDir, '--daemon-log', daemonLog], {
		columns,
		rows,
		env: {COLORTERM: 'truecolor'},
	});
	try {
		const shoot = async (name: string, title: string, ready: (text: string) => boolean) => {
			await screen.waitFor(ready, 30_000);
			// The addresses of a sandbox are random: show stable ones, as an operator's would be,
			// of the same width, so every column after them stays where the screen drew it.
			const capture = (await screen.captureWithEscapes())
				.replaceAll(sandbox.host, 'unix:///var/run/docker.sock'.padEnd(sandbox.host.length))
				.replaceAll(daemonLog, standIn(daemonLog, ['/var/log/docker/daemon.log', '/var/log/docker.log']))
				.replaceAll(sandbox.registry, standIn(sandbox.registry, privateRegistries));
			fs.writeFileSync(path.join(media, `${name}.svg`), ansiToSvg(capture, {columns, rows, title}));
			process.stderr.write(`screenshots: media/${name}.svg\n`);
		};

		await screen.waitFor(text => text.includes('(installed'), 30_000);
		await screen.keys('j');
		await screen.keys('j');
		await shoot('plugins', 'kasm-tui: plugins, and the rolling sidecar with its history and tags', text => /rolling \(auto-updates\)[\s\S]*\(installed/.test(text));
		await screen.keys('k');
		await screen.keys('k');
		await shoot('in-use', 'kasm-tui: a plugin in use by a network, a volume and a session container', text => text.includes('kasm-egress') && text.includes('(current)'));
		await screen.keys('j');
		await screen.keys('j');
		await screen.waitFor(text => text.includes('rolling (auto-updates)'));
		await screen.keys('u');
		await shoot('upgrade', 'kasm-tui: the upgrade prompt, with the docker commands it equals', text => text.includes('y go ahead'));
		await screen.keys('n');
		await screen.waitFor(text => text.includes('cancelled'));
		// The rolling sidecar's lines of the daemon's log, as they come.
		await screen.keys('l');
		await shoot('logs', "kasm-tui: the rolling sidecar's lines of the daemon log, followed while open", text => text.includes('lines, following') && text.includes('kasm-fixture: ready'));
		await screen.keys('Escape');
		await screen.waitFor(text => text.includes('Plugins ('));
		// Install a tag of the sidecar's repository: the plan with the privileges it asks for.
		await screen.keys('I');
		await screen.waitFor(text => text.includes('Install a plugin: which one?'));
		await screen.keys('Tab', 'Enter');
		await screen.waitFor(text => text.includes('which tag?'), 30_000);
		await screen.pickRow(/amd64-2\.0\.0/);
		await screen.keys('Enter');
		await screen.waitFor(text => text.includes('under which name?'));
		await screen.typeText('kasmweb/sidecar:amd64-2.0.0');
		await screen.keys('Enter');
		await shoot('install', 'kasm-tui: installing a plugin, the privileges it asks for listed and marked', text => text.includes('y go ahead') && text.includes('grants'));
		await screen.keys('n');
		await screen.waitFor(text => text.includes('cancelled'));
		await screen.keys('?');
		await shoot('help', 'kasm-tui: every key, generated from the keymap', text => text.includes('every key') || text.includes(' Keys '));
		await screen.keys('Escape');
		await screen.waitFor(text => text.includes('Plugins ('));
		await screen.keys('q');
		await screen.exitCode();
	} finally {
		await screen.close();
	}

	await shootFleet(sandbox, ledgerDir);
} finally {
	await sandbox.stop();
}

/**
 * The fleet screen over four hosts: the demo host, two more daemons (one reached over ssh:// through
 * an ssh config, one over tcp with TLS) whose sidecars run other builds, and one that never answers.
 */
async function shootFleet(demo: Sandbox, ledgerDir: string): Promise<void> {
	const say = (line: string) => process.stderr.write(`screenshots: ${line}\n`);
	say('the fleet: two more daemons, an sshd on loopback and a host that never answers…');
	const bed = startSshBed();
	const extras: ExtraDaemon[] = [];
	const down = await startSilentHost();
	try {
		extras.push(await startExtraDaemon(demo), await startExtraDaemon(demo, {tls: true}));
		const [agent2, agent3] = extras as [ExtraDaemon, ExtraDaemon];
		const kasm = `${demo.registry}/kasmweb/sidecar`;
		// agent-2 followed the rolling tag to 1.2.10; agent-3 still runs 1.2.9, and has no network plugin.
		await installPlugin(agent2.sandbox, `${kasm}:${rollingTag}`, {alias: 'kasmweb/sidecar:amd64-1.2-rolling'});
		await installPlugin(agent2.sandbox, `${kasm}:amd64-1.2.9`, {alias: 'kasmweb/kasm-network-plugin:amd64-1.2.9'});
		await installPlugin(agent3.sandbox, `${kasm}:amd64-1.2.9`, {alias: 'kasmweb/sidecar:amd64-1.2-rolling'});
		await bed.addHost('kasm-agent-2', agent2.host);
		const wide = 132;
		const tall = 32;
		const screen = await TmuxScreen.open(
			[
				process.execPath,
				path.join(root, 'dist', 'cli.js'),
				'--ledger-dir',
				ledgerDir,
				'fleet',
				'--host',
				`kasm-1=${demo.host}`,
				'--host',
				'kasm-2=ssh://kasm-agent-2',
				'--host',
				`kasm-3=${agent3.tcpHost!}`,
				'--host',
				`kasm-4=${down.address}`,
			],
			{columns: wide, rows: tall, env: {...bed.env, COLORTERM: 'truecolor', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: agent3.tls!.clientFolder, KASM_TUI_API_TIMEOUT: '3'} as Record<string, string>},
		);
		try {
			await screen.waitFor(text => text.includes('Hosts (4: 3 live, 1 unreachable)') && !text.includes('reading…'), 60_000);
			// The rolling sidecar's row, on kasm-2's cell: the drift, and kasm-2's own history of it.
			const onSidecar = (text: string) => text.split('\n').some(row => row.startsWith('▸~ kasmweb/sidecar:'));
			for (let step = 0; step < 3 && !onSidecar(await screen.capture()); step++) {
				const before = await screen.capture();
				await screen.keys('j');
				await screen.waitFor(text => text !== before);
			}

			await screen.keys('l');
			await screen.waitFor(text => text.includes('address ssh://kasm-agent-2') && text.includes('drift') && !text.includes('reading…'), 30_000);
			const capture = (await screen.captureWithEscapes())
				.replaceAll(demo.host, 'unix:///var/run/docker.sock'.padEnd(demo.host.length))
				.replaceAll(agent3.tcpHost!, standIn(agent3.tcpHost!, ['tcp://10.0.0.13:2376', 'tcp://10.0.10.13:2376', 'tcp://10.0.100.13:2376']))
				.replaceAll(down.address, standIn(down.address, ['tcp://10.0.0.14:2376', 'tcp://10.0.10.14:2376', 'tcp://10.0.100.14:2376']))
				.replaceAll(demo.registry, standIn(demo.registry, privateRegistries));
			fs.writeFileSync(path.join(media, 'fleet.svg'), ansiToSvg(capture, {columns: wide, rows: tall, title: 'kasm-tui fleet: four hosts, the builds side by side, drift marked, one host unreachable'}));
			say('media/fleet.svg');
			await screen.keys('q');
			await screen.exitCode();
		} finally {
			await screen.close();
		}
	} finally {
		await bed.stop();
		await down.close();
		await Promise.all(extras.map(async extra => extra.stop()));
	}
}
