import assert from 'node:assert/strict';
import {test} from 'node:test';
import {codeCacheFolder, commandKey} from '../../source/code-cache.js';

const commands = ['plugins', 'fleet', 'images', 'upgrade'];

test("a run's cache is its command's, found past options and their values; the screen's when it names none; help's own wherever --help or --version is asked", () => {
	assert.equal(commandKey(['--host', 'unix:///run/docker.sock', 'plugins', '--json'], commands), 'plugins');
	assert.equal(commandKey(['fleet', 'images', '--json'], commands), 'fleet');
	assert.equal(commandKey(['--context', 'prod', '--read-only'], commands), 'screen');
	assert.equal(commandKey([], commands), 'screen');
	assert.equal(commandKey(['--version'], commands), 'help');
	assert.equal(commandKey(['-h'], commands), 'help');
	assert.equal(commandKey(['upgrade', '--help'], commands), 'help');
});

test('caches go under XDG_CACHE_HOME, else ~/.cache, a folder per build; none without an absolute home, or when turned off', () => {
	assert.equal(codeCacheFolder({HOME: '/home/ops'}, 'b1'), '/home/ops/.cache/kasm-tui/code/b1');
	assert.equal(codeCacheFolder({HOME: '/home/ops', XDG_CACHE_HOME: '/var/cache/ops'}, 'b1'), '/var/cache/ops/kasm-tui/code/b1');
	assert.equal(codeCacheFolder({}, 'b1'), undefined);
	assert.equal(codeCacheFolder({HOME: 'relative'}, 'b1'), undefined);
	assert.equal(codeCacheFolder({HOME: '/home/ops', KASM_TUI_CODE_CACHE: '0'}, 'b1'), undefined);
	assert.equal(codeCacheFolder({HOME: '/home/ops', NODE_DISABLE_COMPILE_CACHE: '1'}, 'b1'), undefined);
});
