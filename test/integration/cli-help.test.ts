import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runCli} from '../helpers/cli.js';

const commands = ['plugins', 'history', 'tags', 'latest', 'upgrade', 'rollback', 'reinstall', 'auto-update', 'recover', 'images', 'pull', 'upgrade-plugins', 'install', 'logs', 'set'];

test('kasm-tui <command> --help shows that command\'s usage and its own options, exit 0, without a daemon', async () => {
	for (const command of commands) {
		const result = await runCli([command, '--help'], {env: {DOCKER_HOST: 'unix:///nonexistent/kasm-tui-help.sock'}});
		assert.equal(result.code, 0, `${command}: ${result.stderr}`);
		assert.match(result.stdout, new RegExp(`^Usage: kasm-tui ${command}\\b`), command);
		assert.doesNotMatch(result.stdout, /^Commands:/m, `${command}: its own help, not the list of commands`);
	}

	const install = await runCli(['install', '--help']);
	assert.match(install.stdout, /--alias NAME +the name to install it under/);
	assert.match(install.stdout, /--disable +leave it installed but disabled/);
	assert.match(install.stdout, /-y, --yes/);
	const logs = await runCli(['logs', '-h']);
	assert.match(logs.stdout, /Usage: kasm-tui logs <plugin> \[--follow\] \[--since DURATION\] \[--daemon-log FILE\]/);
	assert.match(logs.stdout, /--since DURATION/);
	const reinstall = await runCli(['reinstall', 'some/plugin', '--help']);
	assert.match(reinstall.stdout, /--version TAG/);
});

test('kasm-tui --help lists every command and says how to get one command\'s help', async () => {
	const result = await runCli(['--help']);
	assert.equal(result.code, 0);
	for (const command of commands) {
		assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
	}

	assert.match(result.stdout, /kasm-tui <command> --help shows that command's usage and options/);
});
