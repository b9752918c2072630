import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {resolveTarget} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {listPlugins} from '../../source/docker/plugins.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();

test('the current docker context reaches the daemon it names, as the docker CLI would', async () => {
	const folder = fs.mkdtempSync(path.join(sandbox.state.dir, 'contexts-'));
	try {
		const name = uniqueName('kasm-host');
		const meta = path.join(folder, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
		fs.mkdirSync(meta, {recursive: true});
		fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: sandbox.host, SkipTLSVerify: false}}}));
		fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({auths: {}, currentContext: name}));

		const target = resolveTarget({env: {HOME: '/nonexistent'}, configDir: folder});
		assert.equal(target.source, 'context');
		assert.equal(target.context, name);
		assert.equal(target.address, sandbox.host);
		const engine = await Engine.open(target);
		const version = await engine.version();
		assert.match(version.version, /^\d+\.\d+/);
		assert.match(version.apiVersion, /^1\.\d+$/);
		assert.ok(Array.isArray(await listPlugins(engine)));
	} finally {
		fs.rmSync(folder, {recursive: true, force: true});
	}
});
