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
import {startSandbox} from './sandbox.js';

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
} finally {
	await sandbox.stop();
}
