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

const sandbox = await startSandbox({log: line => process.stderr.write(`screenshots: ${line}\n`)});
try {
	const {ledgerDir} = await seedDemoHost(sandbox, line => process.stderr.write(`screenshots: ${line}\n`));
	const screen = await TmuxScreen.open([process.execPath, path.join(root, 'dist', 'cli.js'), '--host', sandbox.host, '--ledger-dir', ledgerDir], {
		columns,
		rows,
		env: {COLORTERM: 'truecolor'},
	});
	try {
		const shoot = async (name: string, title: string, ready: (text: string) => boolean) => {
			await screen.waitFor(ready, 30_000);
			// The address of a sandbox is random: show a stable one, as an operator's would be.
			// Padded to the same width, so every column after it stays where the screen drew it.
			const capture = (await screen.captureWithEscapes())
				.replaceAll(sandbox.host, 'unix:///var/run/docker.sock'.padEnd(sandbox.host.length))
				.replaceAll(sandbox.registry, 'registry.local'.padEnd(sandbox.registry.length));
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
