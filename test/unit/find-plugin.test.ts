import assert from 'node:assert/strict';
import {test} from 'node:test';
import {findPlugin} from '../../source/flows/find-plugin.js';
import type {Plugin} from '../../source/docker/plugins.js';
import {BadInput, PluginNotFound} from '../../source/errors.js';

const plugin = (name: string, id: string): Plugin => ({
	name,
	id,
	reference: name,
	tag: '',
	enabled: true,
	rolling: false,
	description: '',
	types: [],
	privileges: [],
	socket: '',
	diffIds: [],
});
const plugins = [plugin('vieux/sshfs:latest', 'abc123'), plugin('kasmweb/sidecar:amd64-1.2-rolling', 'abd456'), plugin('127.0.0.1:5000/a/b:1', 'fff000')];

test('a plugin is found by its name, by its name without :latest, or by another spelling of it', () => {
	assert.equal(findPlugin(plugins, 'kasmweb/sidecar:amd64-1.2-rolling').id, 'abd456');
	assert.equal(findPlugin(plugins, 'vieux/sshfs').id, 'abc123');
	assert.equal(findPlugin(plugins, 'docker.io/vieux/sshfs:latest').id, 'abc123');
});

test('a unique id prefix finds a plugin; an ambiguous one asks for more', () => {
	assert.equal(findPlugin(plugins, 'abc').name, 'vieux/sshfs:latest');
	assert.throws(() => findPlugin(plugins, 'ab1'), PluginNotFound);
	assert.throws(() => findPlugin([...plugins, plugin('x:1', 'abc999')], 'abc'), BadInput);
});

test('a name the daemon does not have is PluginNotFound, exit 2', () => {
	assert.throws(
		() => findPlugin(plugins, 'kasmweb/sidecar:amd64-1.3'),
		(error: unknown) => error instanceof PluginNotFound && error.exitCode === 2,
	);
});
