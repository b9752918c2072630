import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {kasmTuiCommand, runCli, type CliResult} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {copyTag, startPasswordRegistry} from '../sandbox/auth-registry.js';
import {importImage, kasmRepositoryPath, runningVersion} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * A secret planted as a registry password (docker config `auths.auth`) and inside a Google
 * `_json_key` password, then everything that touches them run with --debug: tags, latest, pull,
 * images, plugins, history, upgrade and reinstall of a plugin hosted behind that password, the
 * screen, and runs with the wrong password. Every byte kasm-tui printed or wrote (output, the
 * debug logs, the ledger folder, the settings folder, the screen) is searched for the secrets in
 * every form they travel in: plain, base64, Basic. None may be found.
 */

const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

const password = `kt-secret-${randomBytes(16).toString('hex')}`;
const wrongPassword = `kt-wrong-${randomBytes(16).toString('hex')}`;
const keyLine = randomBytes(48).toString('base64');
// A service account key, cut to what htpasswd takes (256 characters).
const jsonKey = JSON.stringify({
	type: 'service_account',
	private_key: `-----BEGIN PRIVATE KEY-----\n${keyLine}\n-----END PRIVATE KEY-----\n`,
	client_email: 'ci@kt.iam.gserviceaccount.com',
});

/** Every form a secret travels in: itself, base64 (docker's `auth`), and user:secret in base64 and as a Basic header. */
function forms(user: string, secret: string): string[] {
	const pair = Buffer.from(`${user}:${secret}`).toString('base64');
	return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), pair, `Basic ${pair}`];
}

const needles = [...forms('alice', password), ...forms('_json_key', jsonKey), keyLine, ...forms('alice', wrongPassword)];

/** Base64 anywhere in the text that decodes to something holding a secret (X-Registry-Auth, a token, an `auth`). */
function decodedLeaks(text: string): string[] {
	const leaks: string[] = [];
	for (const token of text.match(/[\w+/=-]{16,}/g) ?? []) {
		for (const decoded of [Buffer.from(token, 'base64').toString('latin1'), Buffer.from(token, 'base64url').toString('latin1')]) {
			if ([password, wrongPassword, keyLine].some(secret => decoded.includes(secret))) {
				leaks.push(token.slice(0, 40));
			}
		}
	}

	return leaks;
}

/** A docker config folder whose `auths` holds user:secret for the registry, as `docker login` writes it. */
function dockerConfig(registry: string, user: string, secret: string): string {
	const folder = leftovers.folder('kasm-tui-secrets-docker-');
	fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({auths: {[registry]: {auth: Buffer.from(`${user}:${secret}`).toString('base64')}}}));
	return folder;
}

/** The docker CLI with a config of its own, for what the test sets up (not part of what is searched). */
function dockerWith(configDir: string, args: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn('/usr/bin/docker', args, {env: {...process.env, DOCKER_HOST: sandbox.host, DOCKER_CONFIG: configDir}, stdio: ['ignore', 'pipe', 'pipe']});
		let output = '';
		child.stdout.on('data', chunk => (output += chunk));
		child.stderr.on('data', chunk => (output += chunk));
		child.on('error', reject);
		child.on('close', code => (code === 0 ? resolve(output) : reject(new Error(`docker ${args.join(' ')}: ${output}`))));
	});
}

function filesBelow(folder: string): string[] {
	if (!fs.existsSync(folder)) {
		return [];
	}

	return fs.readdirSync(folder, {withFileTypes: true, recursive: true}).filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath ?? entry.path, entry.name));
}

test('a planted password and _json_key are in 0 bytes of anything kasm-tui printed or wrote: output, debug logs, ledger, settings, the screen', async () => {
	const registry = await startPasswordRegistry(sandbox, [
		{name: 'alice', password},
		{name: '_json_key', password: jsonKey},
	]);
	assert.ok(jsonKey.length <= 256);
	const ledgerDir = leftovers.folder('kasm-tui-secrets-ledger-');
	const settingsDir = leftovers.folder('kasm-tui-secrets-settings-');
	const debugDir = leftovers.folder('kasm-tui-secrets-debug-');
	const passwordConfig = dockerConfig(registry.address, 'alice', password);
	const jsonKeyConfig = dockerConfig(registry.address, '_json_key', jsonKey);
	const wrongConfig = dockerConfig(registry.address, 'alice', wrongPassword);
	const printed: Array<{what: string; text: string}> = [];
	const outcomes: string[] = [];
	try {
		for (const tag of ['amd64-1.2.9', 'amd64-1.2.10', 'amd64-1.2-rolling']) {
			await copyTag(sandbox, registry, kasmRepositoryPath, tag);
		}

		const imagePath = uniqueName('secrets/image');
		const local = `${sandbox.registry}/${imagePath}:1`;
		await importImage(sandbox, local, 'secret image');
		await sandbox.docker(['push', local]);
		await copyTag(sandbox, registry, imagePath, '1');
		await sandbox.docker(['rmi', local]);
		const image = `${registry.address}/${imagePath}:1`;

		const repository = `${registry.address}/${kasmRepositoryPath}`;
		const withPassword = leftovers.plugin(`${uniqueName('secrets')}/password:amd64-1.2-rolling`);
		const withJsonKey = leftovers.plugin(`${uniqueName('secrets')}/json-key:amd64-1.2-rolling`);
		await dockerWith(passwordConfig, ['plugin', 'install', '--grant-all-permissions', '--alias', withPassword, `${repository}:amd64-1.2-rolling`]);
		await dockerWith(jsonKeyConfig, ['plugin', 'install', '--grant-all-permissions', '--alias', withJsonKey, `${repository}:amd64-1.2-rolling`]);
		// The rolling tag moves on, so the upgrades really pull through the password.
		await copyTag(sandbox, registry, kasmRepositoryPath, 'amd64-1.2.10', 'amd64-1.2-rolling');

		let runs = 0;
		const kasmTui = async (configDir: string, args: string[], expected: number[]): Promise<CliResult> => {
			const debugFile = path.join(debugDir, `run-${runs++}.log`);
			// latest asks the registry only: it takes no --host, nor the ledger that goes with one.
			const daemon = args[0] === 'latest' ? [] : ['--host', sandbox.host, '--ledger-dir', ledgerDir];
			const result = await runCli([...daemon, '--debug', debugFile, ...args], {
				env: {DOCKER_CONFIG: configDir, KASM_TUI_CONFIG_DIR: settingsDir},
				timeoutMs: 120_000,
			});
			const what = `${path.basename(configDir)} ${args.join(' ')}`;
			printed.push({what: `${what} (stdout)`, text: result.stdout}, {what: `${what} (stderr)`, text: result.stderr});
			outcomes.push(`${args[0]}: ${result.code}`);
			assert.ok(expected.includes(result.code ?? -1), `${what}: exit ${result.code}: ${result.stderr}`);
			return result;
		};

		for (const config of [passwordConfig, jsonKeyConfig]) {
			await kasmTui(config, ['tags', repository], [0]);
			await kasmTui(config, ['tags', repository, '--json'], [0]);
			await kasmTui(config, ['latest', `${repository}:amd64-1.2`, '--json'], [0]);
			await kasmTui(config, ['pull', image], [0]);
			await kasmTui(config, ['images', '--json'], [0]);
			await kasmTui(config, ['plugins', '--json'], [0]);
		}

		await kasmTui(passwordConfig, ['tags', withPassword], [0]);
		await kasmTui(passwordConfig, ['upgrade', withPassword, '--yes'], [0]);
		assert.equal(await runningVersion(sandbox, withPassword), '1.2.10');
		await kasmTui(passwordConfig, ['history', withPassword, '--json'], [0]);
		const pinned = leftovers.plugin(withPassword.replace('-rolling', '-pinned'));
		await kasmTui(passwordConfig, ['reinstall', withPassword, '--version', 'amd64-1.2.9', '--alias', pinned, '--yes'], [0]);
		assert.equal(await runningVersion(sandbox, pinned), '1.2.9');
		await kasmTui(jsonKeyConfig, ['upgrade-plugins', '--name', withJsonKey], [0]);
		assert.equal(await runningVersion(sandbox, withJsonKey), '1.2.10');
		await kasmTui(jsonKeyConfig, ['rollback', withJsonKey, '--yes'], [0]);

		// The wrong password, everywhere it is used: refused, and nothing half-done.
		await kasmTui(wrongConfig, ['tags', repository], [1]);
		await kasmTui(wrongConfig, ['latest', `${repository}:amd64-1.2`], [1]);
		await kasmTui(wrongConfig, ['pull', image], [1]);
		await kasmTui(wrongConfig, ['images', '--json'], [0]);
		await kasmTui(wrongConfig, ['reinstall', pinned, '--version', 'amd64-1.2.10', '--yes'], [1]);
		assert.equal(await runningVersion(sandbox, pinned), '1.2.9');

		// The screen reads tags and builds with the password too.
		const screen = await TmuxScreen.open([...kasmTuiCommand, '--host', sandbox.host, '--ledger-dir', ledgerDir, '--debug', path.join(debugDir, 'screen.log')], {
			columns: 160,
			rows: 40,
			env: {DOCKER_CONFIG: passwordConfig, KASM_TUI_CONFIG_DIR: settingsDir, KASM_TUI_LEDGER_DIR: ledgerDir},
		});
		try {
			await screen.waitFor(text => /Plugins \(\d+\)/.test(text));
			await screen.keys('/');
			await screen.typeText(pinned);
			await screen.keys('Enter');
			printed.push({what: 'the screen', text: await screen.waitFor(text => text.includes('(installed'), 30_000)});
			await screen.keys('Tab');
			printed.push({what: 'the screen, images', text: await screen.waitFor(text => text.includes(imagePath), 30_000)});
			printed.push({what: 'the screen with escapes', text: await screen.captureWithEscapes()});
			await screen.keys('q');
			await screen.exitCode();
		} finally {
			await screen.close();
		}

		const written = [...filesBelow(debugDir), ...filesBelow(ledgerDir), ...filesBelow(settingsDir)];
		assert.ok(filesBelow(debugDir).length >= runs, 'every run wrote its debug log');
		assert.ok(filesBelow(ledgerDir).some(file => file.endsWith('.jsonl')), 'the ledger was written');
		for (const file of written) {
			printed.push({what: file, text: fs.readFileSync(file, 'latin1')});
		}

		let bytes = 0;
		const found: string[] = [];
		for (const {what, text} of printed) {
			for (const needle of needles) {
				const count = text.split(needle).length - 1;
				if (count > 0) {
					bytes += count * Buffer.byteLength(needle);
					found.push(`${what}: ${needle.slice(0, 12)}… ×${count}`);
				}
			}

			for (const token of decodedLeaks(text)) {
				bytes += token.length;
				found.push(`${what}: base64 holding a secret (${token}…)`);
			}
		}

		// The search finds what it looks for: the docker configs themselves hold each secret in these forms.
		for (const config of [passwordConfig, jsonKeyConfig, wrongConfig]) {
			const text = fs.readFileSync(path.join(config, 'config.json'), 'utf8');
			assert.ok(needles.some(needle => text.includes(needle)) && decodedLeaks(text).length > 0, `the search would find the secret of ${config}`);
		}

		const searched = printed.reduce((sum, {text}) => sum + Buffer.byteLength(text), 0);
		process.stderr.write(`# secrets: ${runs} runs and the screen (${outcomes.join(', ')}); searched ${searched} bytes in ${printed.length} outputs and files for ${needles.length} forms of 3 secrets: ${bytes} bytes found\n`);
		assert.deepEqual(found, []);
		assert.equal(bytes, 0);
		// It did use them: the debug logs show the registry asked for and answered.
		assert.ok(filesBelow(debugDir).some(file => new RegExp(`GET http://${registry.address.replaceAll('.', '\\.')}/v2/.* 200|"status":200`).test(fs.readFileSync(file, 'utf8'))));
	} finally {
		await registry.stop();
	}
});
