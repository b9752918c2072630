import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {ensureDebianTools} from '../../source/build/apt.js';
import {kasmTuiCommand, runCli} from '../helpers/cli.js';
import {TmuxScreen} from '../helpers/tmux.js';
import {installPlugin, pushRepository, rollingTag} from '../sandbox/fixtures.js';
import {uniqueName, useLeftovers, useSandbox} from '../sandbox/shared.js';

/**
 * `kasm-tui completion` with a real daemon: the scripts ask kasm-tui itself for plugin names
 * (`completion --plugin-names`, with the --host typed on the line), so a Tab on a <plugin>
 * offers the daemon's plugins. The rest of what the scripts offer is test/unit/completion-scripts.test.ts's.
 */
ensureDebianTools([{command: 'fish', package: 'fish'}]);
const {sandbox} = await useSandbox();
const leftovers = useLeftovers(sandbox);

/** `kasm-tui` on PATH, as the .deb puts it: the build under test (or KASM_TUI_BIN). */
const bin = leftovers.folder('kasm-tui-completion-bin-');
fs.writeFileSync(path.join(bin, 'kasm-tui'), `#!/bin/sh\nexec ${kasmTuiCommand.map(part => `'${part}'`).join(' ')} "$@"\n`, {mode: 0o755});
const scripts = leftovers.folder('kasm-tui-completion-scripts-');
const env = {PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: scripts, LANG: 'C.UTF-8', KASM_TUI_LEDGER_DIR: leftovers.folder('kasm-tui-completion-ledger-')};
for (const shell of ['bash', 'fish']) {
	const made = await runCli(['completion', shell]);
	assert.equal(made.code, 0, made.stderr);
	fs.writeFileSync(path.join(scripts, `kasm-tui.${shell}`), made.stdout);
}

const repositoryPath = uniqueName('completion');
const repository = await pushRepository(sandbox, repositoryPath, ['1.2.9']);
const pluginName = leftovers.plugin(`${repositoryPath}/sidecar:${rollingTag}`);
await installPlugin(sandbox, repository.ref(rollingTag), {alias: pluginName});

function bashOffers(words: string[], extraEnv: Record<string, string> = {}): string[] {
	const run = spawnSync(
		'bash',
		['--norc', '-c', `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kasm_tui; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', path.join(scripts, 'kasm-tui.bash'), ...words],
		{encoding: 'utf8', env: {...env, ...extraEnv}},
	);
	assert.equal(run.stderr, '');
	return run.stdout.split('\n').filter(Boolean);
}

test("bash completes a <plugin> with the names of the daemon the line's --host names", () => {
	assert.deepEqual(bashOffers(['kasm-tui', '-H', sandbox.host, 'upgrade', repositoryPath]), [pluginName]);
	assert.deepEqual(bashOffers(['kasm-tui', `--host=${sandbox.host}`, 'rollback', repositoryPath.slice(0, -2)]), [pluginName]);
	assert.deepEqual(bashOffers(['kasm-tui', 'fleet', 'upgrade', '--host', `agent=${sandbox.host}`, repositoryPath]), [pluginName], "a fleet host's NAME= is only a label");
	// With nothing on the line, the daemon kasm-tui would use: DOCKER_HOST here.
	assert.deepEqual(bashOffers(['kasm-tui', 'history', repositoryPath], {DOCKER_HOST: sandbox.host}), [pluginName]);
	// The commands and an option of one, from the same script.
	assert.deepEqual(bashOffers(['kasm-tui', '-H', sandbox.host, 'rollb']), ['rollback']);
	assert.ok(bashOffers(['kasm-tui', 'rollback', pluginName, '--y']).includes('--yes'));
});

test('in a real bash at a terminal, Tab completes a plugin name across its colon', async () => {
	const screen = await TmuxScreen.open(['bash', '--norc', '--noprofile', '-i'], {columns: 200, rows: 10, env: {...env, PS1: '$ '}});
	try {
		await screen.typeText(`source ${path.join(scripts, 'kasm-tui.bash')}`);
		await screen.keys('Enter');
		await screen.waitFor(text => /^\$$/m.test(text));
		// Bash splits the word at the colon (COMP_WORDBREAKS); the script must still offer what follows it.
		const typed = `kasm-tui -H ${sandbox.host} rollback ${pluginName.slice(0, pluginName.indexOf(':') + 3)}`;
		await screen.typeText(typed);
		await screen.keys('Tab');
		// The line as bash left it (the terminal's trailing blanks are not captured): the whole name, once.
		await screen.waitFor(text => text.split('\n').some(line => line === `$ kasm-tui -H ${sandbox.host} rollback ${pluginName}`), 20_000);
	} finally {
		await screen.close();
	}
});

test('fish completes a <plugin> with the names of the daemon the line names', () => {
	const run = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', path.join(scripts, 'kasm-tui.fish'), `kasm-tui -H ${sandbox.host} upgrade ${repositoryPath}`], {
		encoding: 'utf8',
		env,
	});
	assert.equal(run.stderr, '');
	assert.deepEqual(run.stdout.split('\n').filter(Boolean), [pluginName]);
});

test('completion --plugin-names prints the names alone, and nothing, exit 0, within seconds, where no daemon answers', async () => {
	const listed = await runCli(['completion', '--plugin-names', '--host', sandbox.host]);
	assert.equal(listed.code, 0, listed.stderr);
	assert.ok(listed.stdout.split('\n').includes(pluginName), listed.stdout);
	assert.doesNotMatch(listed.stdout, /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/, 'no escape or control character reaches the line');

	const missing = await runCli(['completion', '--plugin-names', '--host', `unix://${path.join(scripts, 'no-daemon.sock')}`]);
	assert.deepEqual(missing, {code: 0, stdout: '', stderr: ''});

	// A daemon that accepts and never answers, like a host whose link hangs.
	const silentSocket = path.join(scripts, 'silent.sock');
	const silent = net.createServer(() => {}).listen(silentSocket);
	try {
		const began = Date.now();
		const hung = await runCli(['completion', '--plugin-names', '--host', `unix://${silentSocket}`]);
		assert.deepEqual(hung, {code: 0, stdout: '', stderr: ''});
		assert.ok(Date.now() - began < 4500, `gave up after ${Date.now() - began} ms`);
	} finally {
		silent.close();
	}
});

test('completion with a shell it has no script for, or none, is bad input: exit 2, one line', async () => {
	for (const [args, says] of [
		[['completion', 'powershell'], /^kasm-tui: completion writes scripts for bash, zsh, fish, not "powershell"\n$/],
		[['completion'], /^kasm-tui: completion needs a shell: kasm-tui completion bash\|zsh\|fish\n$/],
	] as const) {
		const result = await runCli([...args]);
		assert.equal(result.code, 2);
		assert.equal(result.stdout, '');
		assert.match(result.stderr, says);
	}
});
