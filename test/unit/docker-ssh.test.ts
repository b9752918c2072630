import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {sshCommand, sshFailureReason, type SshTransport} from '../../source/docker/ssh.js';
import {BadInput} from '../../source/errors.js';

const transportOf = (address: string) => parseHost(address, 'flag').transport as SshTransport;

const keepAlives = ['-o', 'ServerAliveInterval=3', '-o', 'ServerAliveCountMax=3'];

test('ssh:// runs the operator\'s ssh as the docker CLI does: no user or port unless the address names them', () => {
	assert.deepEqual(sshCommand(transportOf('ssh://kasm-agent-1')).args, ['-o', 'ConnectTimeout=30', ...keepAlives, '-T', '--', 'kasm-agent-1', 'docker', 'system', 'dial-stdio']);
	assert.deepEqual(sshCommand(transportOf('ssh://ops@kasm-agent-1:2222')).args, [
		'-o',
		'ConnectTimeout=30',
		...keepAlives,
		'-T',
		'-l',
		'ops',
		'-p',
		'2222',
		'--',
		'kasm-agent-1',
		'docker',
		'system',
		'dial-stdio',
	]);
	assert.equal(sshCommand(transportOf('ssh://kasm-agent-1')).file, 'ssh');
});

test('ssh asks a silent server for a sign of life every 3 s and gives up after 3 unanswered: a dead link is seen in seconds', () => {
	const {args} = sshCommand(transportOf('ssh://kasm-agent-1'));
	assert.ok(args.join(' ').includes('-o ServerAliveInterval=3 -o ServerAliveCountMax=3'), args.join(' '));
	assert.ok(args.indexOf('ServerAliveCountMax=3') < args.indexOf('--'), 'options come before the host');
	assert.equal(
		sshFailureReason('Timeout, server 127.0.0.1 not responding.\r\n', {code: 255}),
		'ssh: the host stopped answering (no reply to keep-alives)',
	);
});

test('a socket path in the address is the far side\'s --host, and the connect timeout follows the read timeout', () => {
	const {args} = sshCommand(transportOf('ssh://ops@kasm-agent-1/run/user/1000/docker.sock'), {connectTimeoutSeconds: 2.5});
	assert.deepEqual(args.slice(0, 2), ['-o', 'ConnectTimeout=3']);
	assert.deepEqual(args.slice(-4), ['docker', '--host=unix:///run/user/1000/docker.sock', 'system', 'dial-stdio']);
});

test('an ssh:// address with a password, a query, or a path a shell would read is refused in one line', () => {
	for (const address of ['ssh://ops:secret@kasm-1', 'ssh://kasm-1?x=1', 'ssh://kasm-1#frag', 'ssh://kasm-1/run/$(reboot).sock', "ssh://kasm-1/a'b"]) {
		assert.throws(
			() => parseHost(address, 'flag'),
			(error: unknown) => error instanceof BadInput && !error.message.includes('\n') && !error.message.includes('secret'),
			address,
		);
	}

	assert.throws(() => parseHost('ssh://ops:secret@kasm-1', 'flag'), /password, which is not supported/);
});

test('what ssh prints when it gives up becomes one line that says what to do', () => {
	const mismatch = [
		'@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
		'@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
		'@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
		'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
		'Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.',
		'Host key verification failed.',
	].join('\n');
	assert.match(sshFailureReason(mismatch, {code: 255}), /host key does not match .*ssh-keygen -R/);
	assert.match(sshFailureReason('No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n', {code: 255}), /not in known_hosts/);
	assert.equal(
		sshFailureReason('root@127.0.0.1: Permission denied (publickey).\n', {code: 255}),
		'ssh was refused (Permission denied (publickey)): check the user, key or ssh-agent for that host',
	);
	assert.match(sshFailureReason('ssh: Could not resolve hostname nowhere.invalid: Name or service not known\n', {code: 255}), /^unknown host name \(Could not resolve hostname nowhere\.invalid/);
	assert.match(sshFailureReason('ssh: connect to host 127.0.0.1 port 1: Connection refused\n', {code: 255}), /connection refused/);
	assert.match(sshFailureReason('bash: line 1: docker: command not found\n', {code: 127}), /no docker command on the far side/);
	assert.match(
		sshFailureReason('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n', {code: 1}),
		/the docker CLI on the far side cannot reach its daemon \(Cannot connect/,
	);
	assert.equal(sshFailureReason('', {code: null, signal: 'SIGKILL'}), 'ssh was ended by SIGKILL');
	assert.equal(sshFailureReason('Warning: Permanently added \'[127.0.0.1]:2\' (ED25519) to the list of known hosts.\n', {code: 2}), 'ssh exited with code 2');
});

test('a banner or message with escapes and many lines comes out as one clean, short line', () => {
	const hostile = `\u001B]0;owned\u0007\u001B[2J${'x'.repeat(500)}\nkex_exchange_identification: read: Connection reset by \u001B[31mpeer\u001B[0m\n`;
	const reason = sshFailureReason(hostile, {code: 255});
	assert.doesNotMatch(reason, /[\u0000-\u001F\u007F-\u009F]/);
	assert.ok(reason.length <= 200, reason);
	assert.match(reason, /^ssh exited with code 255: kex_exchange_identification: read: Connection reset by peer$/);
});
