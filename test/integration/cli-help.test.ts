import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runCli} from '../helpers/cli.js';

const commands = ['plugins', 'history', 'tags', 'latest', 'upgrade', 'rollback', 'reinstall', 'auto-update', 'recover', 'images', 'pull', 'upgrade-plugins', 'install', 'logs', 'set', 'fleet'];
const fleetCommands = ['fleet plugins', 'fleet upgrade', 'fleet rollback', 'fleet reinstall', 'fleet auto-update'];

test('kasm-tui <command> --help shows that command\'s usage and its own options, exit 0, without a daemon', async () => {
	for (const command of [...commands, ...fleetCommands]) {
		const result = await runCli([...command.split(' '), '--help'], {env: {DOCKER_HOST: 'unix:///nonexistent/kasm-tui-help.sock'}});
		assert.equal(result.code, 0, `${command}: ${result.stderr}`);
		assert.match(result.stdout, new RegExp(`^Usage: kasm-tui ${command}\\b`), command);
		if (command !== 'fleet') {
			assert.doesNotMatch(result.stdout, /^Commands:/m, `${command}: its own help, not the list of commands`);
		}

		assert.match(result.stdout, /^ +130 +cancelled at a prompt/m, `${command}: the exit codes, 130 among them`);
	}

	const install = await runCli(['install', '--help']);
	assert.match(install.stdout, /--alias NAME +the name to install it under/);
	assert.match(install.stdout, /--disable +leave it installed but disabled/);
	assert.match(install.stdout, /-y, --yes/);
	const logs = await runCli(['logs', '-h']);
	assert.match(logs.stdout, /Usage: kasm-tui logs <plugin> \[--follow\] \[--since DURATION\] \[--daemon-log FILE\]/);
	assert.match(logs.stdout, /--since DURATION/);
	const reinstall = await runCli(['reinstall', 'some/plugin', '--help']);
	assert.match(reinstall.stdout, /^Usage: kasm-tui reinstall <plugin> --version TAG \[--alias NAME\] \[--with-kasm-restart\] \[--kasm-dir DIR\]$/m);
	const fleet = await runCli(['fleet', '--help']);
	assert.match(fleet.stdout, /^Usage: kasm-tui fleet \[plugins\|/m);
	assert.match(fleet.stdout, /\(no command\) +open the fleet screen/);
	for (const option of ['--host [NAME=]ADDRESS', '--context NAME', '--all-contexts', '--group NAME', '--canary HOST']) {
		assert.ok(fleet.stdout.includes(option), `fleet --help names ${option}`);
	}

	// A command lists only the options it takes: plugins changes nothing, so it takes no --yes.
	const plugins = await runCli(['plugins', '--help']);
	assert.doesNotMatch(plugins.stdout, /--yes|--version|--alias/);
	const rollout = await runCli(['fleet', 'upgrade', '--help']);
	assert.match(rollout.stdout, /^Usage: kasm-tui fleet upgrade <plugin> \[HOST…\] \[--canary HOST\]… \[--batch N\] \[--max-failed N\] \[--step-timeout SECONDS\] \[--parallel N\] \[--with-kasm-restart\] \[--kasm-dir DIR\]$/m);
	assert.doesNotMatch((await runCli(['fleet', 'plugins', '--help'])).stdout, /--canary|--yes/, 'fleet plugins is no rollout');
});

test('kasm-tui fleet without a terminal says to use fleet plugins, exit 2, and asks no host', async () => {
	// A host that would hang if it were asked: the refusal comes first.
	const listening = (await import('node:net')).createServer(() => {});
	await new Promise<void>(resolve => listening.listen(0, '127.0.0.1', resolve));
	const {port} = listening.address() as {port: number};
	let asked = false;
	listening.on('connection', () => (asked = true));
	try {
		const result = await runCli(['fleet', '--host', `a=tcp://127.0.0.1:${port}`, '--host', 'b=ssh://kasm-agent-nowhere']);
		assert.equal(result.code, 2, result.stderr);
		assert.match(result.stderr, /^kasm-tui: the screen needs a terminal: .*"kasm-tui fleet plugins"/);
		assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
		assert.equal(result.stdout, '');
		assert.equal(asked, false);
		const json = await runCli(['fleet', '--json', '--host', `a=tcp://127.0.0.1:${port}`]);
		assert.equal(json.code, 2);
		assert.match(json.stderr, /^kasm-tui: the fleet screen takes no --json: .*"kasm-tui fleet plugins --json"\n$/);
	} finally {
		listening.close();
	}
});

test('kasm-tui --help lists every command and says how to get one command\'s help', async () => {
	const result = await runCli(['--help']);
	assert.equal(result.code, 0);
	for (const command of commands) {
		assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
	}

	for (const command of fleetCommands) {
		assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
	}

	assert.match(result.stdout, /kasm-tui <command> --help shows that command's usage and options/);
	assert.match(result.stdout, /^ {2}kasm-tui fleet \[options\] +open the fleet screen/m);
	for (const code of [0, 1, 2, 3, 4, 130]) {
		assert.match(result.stdout, new RegExp(`^ +${code}  \\w`, 'm'), `exit code ${code}`);
	}
});
