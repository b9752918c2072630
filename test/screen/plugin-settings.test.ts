import assert from 'node:assert/strict';
import {test} from 'node:test';
import {pluginDetailLines} from '../../source/app/content/plugin-detail.js';
import {settingsOf} from '../../source/docker/plugin-settings.js';
import {plugins} from './fixture-services.js';

const text = ({lines}: ReturnType<typeof pluginDetailLines>) => lines.map(segments => segments.map(segment => segment.text).join('')).join('\n');

// The Engine API's inspect object, as dockerd 20.10 sends it after `docker plugin set … DEBUG=1`.
const inspected = {
	Settings: {Env: ['DEBUG=1', 'MODE=fixed', 'API_TOKEN=tok-1234'], Args: [], Mounts: [{Name: 'data', Source: '/srv/kasm'}], Devices: []},
	Config: {
		Env: [
			{Name: 'DEBUG', Settable: ['value'], Value: '0'},
			{Name: 'MODE', Settable: [], Value: 'fixed'},
			{Name: 'API_TOKEN', Settable: ['value'], Value: ''},
		],
		Args: {Name: 'args', Settable: ['value'], Value: ['--quiet']},
		Mounts: [{Name: 'data', Settable: ['source'], Source: '/srv/kasm', Destination: '/data'}],
		Linux: {Devices: [{Name: '', Settable: null, Path: '/dev/fuse'}]},
	},
};

test('the detail shows what set may change, and apart from it what the config keeps fixed; a secret value is not shown', () => {
	const plugin = {...plugins[2]!, settings: settingsOf(inspected)};
	const shown = text(pluginDetailLines(plugin, undefined));
	assert.match(shown, /^set {4}DEBUG=1 · API_TOKEN=\*\*\* · data\.source=\/srv\/kasm \(→ \/data\) · args=--quiet$/m);
	assert.match(shown, /^fixed {2}MODE=fixed · \(unnamed device\)=\/dev\/fuse$/m);
	assert.doesNotMatch(shown, /tok-1234/);
});

test('a plugin without settings shows no settings lines', () => {
	const shown = text(pluginDetailLines({...plugins[2]!, settings: settingsOf({})}, undefined));
	assert.doesNotMatch(shown, /^(set|fixed) /m);
});
