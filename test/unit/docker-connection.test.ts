import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {resolveTarget} from '../../source/hosts/resolve.js';
import {BadInput} from '../../source/errors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-contexts-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));

/** A docker config folder laid out as `docker context create` leaves it. */
function configFolder(options: {current?: string; contexts?: Record<string, {host: string; skipTlsVerify?: boolean; tls?: Record<string, string>}>; config?: string}): string {
	const folder = fs.mkdtempSync(path.join(root, 'config-'));
	if (options.config !== undefined) {
		fs.writeFileSync(path.join(folder, 'config.json'), options.config);
	} else if (options.current !== undefined) {
		fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({auths: {}, currentContext: options.current}));
	}

	for (const [name, context] of Object.entries(options.contexts ?? {})) {
		const id = createHash('sha256').update(name).digest('hex');
		const meta = path.join(folder, 'contexts', 'meta', id);
		fs.mkdirSync(meta, {recursive: true});
		fs.writeFileSync(
			path.join(meta, 'meta.json'),
			JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: context.host, SkipTLSVerify: context.skipTlsVerify ?? false}}}),
		);
		if (context.tls) {
			const tls = path.join(folder, 'contexts', 'tls', id, 'docker');
			fs.mkdirSync(tls, {recursive: true});
			for (const [file, content] of Object.entries(context.tls)) {
				fs.writeFileSync(path.join(tls, file), content);
			}
		}
	}

	return folder;
}

const contexts = {
	remote: {host: 'tcp://10.0.0.7:2376', tls: {'ca.pem': 'CA', 'cert.pem': 'CERT', 'key.pem': 'KEY'}},
	lab: {host: 'unix:///run/lab.sock'},
	insecure: {host: 'tcp://10.0.0.8:2376', skipTlsVerify: true},
	plain: {host: 'tcp://10.0.0.9:2375'},
	jump: {host: 'ssh://ops@kasm-2'},
};

test('the current context in config.json names the daemon when no flag or environment does', () => {
	const folder = configFolder({current: 'lab', contexts});
	const target = resolveTarget({env: {}, configDir: folder});
	assert.equal(target.address, 'unix:///run/lab.sock');
	assert.equal(target.source, 'context');
	assert.equal(target.context, 'lab');
});

test('DOCKER_CONTEXT wins over currentContext, DOCKER_HOST over both, --host over everything', () => {
	const folder = configFolder({current: 'lab', contexts});
	assert.equal(resolveTarget({env: {DOCKER_CONTEXT: 'jump'}, configDir: folder}).address, 'ssh://ops@kasm-2');
	assert.equal(resolveTarget({env: {DOCKER_CONTEXT: 'jump', DOCKER_HOST: 'unix:///env.sock'}, configDir: folder}).address, 'unix:///env.sock');
	assert.equal(resolveTarget({host: 'unix:///flag.sock', env: {DOCKER_CONTEXT: 'jump', DOCKER_HOST: 'unix:///env.sock'}, configDir: folder}).source, 'flag');
});

test('the config folder comes from DOCKER_CONFIG when none is passed', () => {
	const folder = configFolder({current: 'lab', contexts});
	assert.equal(resolveTarget({env: {DOCKER_CONFIG: folder}}).address, 'unix:///run/lab.sock');
});

test('an empty DOCKER_CONTEXT is unset, and the context "default" is the default socket', () => {
	const folder = configFolder({current: 'lab', contexts});
	assert.equal(resolveTarget({env: {DOCKER_CONTEXT: ''}, configDir: folder}).address, 'unix:///run/lab.sock');
	const byDefault = resolveTarget({env: {DOCKER_CONTEXT: 'default'}, configDir: folder});
	assert.equal(byDefault.address, 'unix:///var/run/docker.sock');
	assert.equal(byDefault.source, 'default');
});

test('no config.json, or one without currentContext, means the default socket', () => {
	assert.equal(resolveTarget({env: {}, configDir: path.join(root, 'missing')}).source, 'default');
	assert.equal(resolveTarget({env: {}, configDir: configFolder({config: '{"auths":{}}'})}).source, 'default');
});

test('a tcp context uses the TLS files stored under the sha256 of its name, verified', () => {
	const target = resolveTarget({env: {DOCKER_CONTEXT: 'remote'}, configDir: configFolder({contexts})});
	assert.equal(target.address, 'tcp://10.0.0.7:2376');
	assert.equal(target.transport.kind, 'tcp');
	const tls = target.transport.kind === 'tcp' ? target.transport.tls : undefined;
	assert.equal(tls?.verify, true);
	assert.equal(tls?.ca?.toString(), 'CA');
	assert.equal(tls?.cert?.toString(), 'CERT');
	assert.equal(tls?.key?.toString(), 'KEY');
});

test('SkipTLSVerify gives TLS without verification; a context without TLS data speaks plain tcp', () => {
	const folder = configFolder({contexts});
	const insecure = resolveTarget({env: {DOCKER_CONTEXT: 'insecure'}, configDir: folder}).transport;
	assert.equal(insecure.kind === 'tcp' && insecure.tls?.verify, false);
	const plain = resolveTarget({env: {DOCKER_CONTEXT: 'plain'}, configDir: folder}).transport;
	assert.equal(plain.kind === 'tcp' && plain.tls, undefined);
});

test('the environment TLS settings do not leak into a context', () => {
	const folder = configFolder({contexts});
	const target = resolveTarget({env: {DOCKER_CONTEXT: 'plain', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent'}, configDir: folder});
	assert.equal(target.transport.kind === 'tcp' && target.transport.tls, undefined);
});

test('an unknown context is bad input naming it and pointing at docker context ls', () => {
	const folder = configFolder({current: 'gone', contexts});
	for (const env of [{}, {DOCKER_CONTEXT: 'nope\u001B[31m'}]) {
		assert.throws(
			() => resolveTarget({env, configDir: folder}),
			(error: unknown) =>
				error instanceof BadInput &&
				error.exitCode === 2 &&
				/docker context ls/.test(error.message) &&
				/"(gone|nope)"/.test(error.message) &&
				!error.message.includes('\u001B') &&
				!error.message.includes('\n'),
		);
	}
});

test('a config.json or context that is not JSON is bad input with one line', () => {
	const broken = configFolder({config: '{not json'});
	assert.throws(() => resolveTarget({env: {}, configDir: broken}), (error: unknown) => error instanceof BadInput && /not valid JSON/.test(error.message));
	const folder = configFolder({contexts});
	const id = createHash('sha256').update('lab').digest('hex');
	fs.writeFileSync(path.join(folder, 'contexts', 'meta', id, 'meta.json'), '<html>');
	assert.throws(
		() => resolveTarget({env: {DOCKER_CONTEXT: 'lab'}, configDir: folder}),
		(error: unknown) => error instanceof BadInput && /context lab/.test(error.message) && !error.message.includes('\n'),
	);
});

test('a context whose host is not a Docker address is bad input', () => {
	const folder = configFolder({contexts: {odd: {host: 'ftp://x'}}});
	assert.throws(() => resolveTarget({env: {DOCKER_CONTEXT: 'odd'}, configDir: folder}), BadInput);
});
