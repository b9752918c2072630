import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {ensureDebianTools} from '../../source/build/apt.js';
import {completionScript} from '../../source/cli/completion-scripts.js';
import {commandName, commandTable, shells, subcommandsOf} from '../../source/cli/table.js';

/**
 * The completion scripts as each shell reads them, with no daemon: syntax, then what a Tab offers
 * (commands, subcommands, a command's own options, option values). Plugin names from a real
 * daemon are test/integration/completion.test.ts's.
 */
ensureDebianTools([
	{command: 'zsh', package: 'zsh'},
	{command: 'fish', package: 'fish'},
]);

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-completion-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));
const scripts = Object.fromEntries(
	shells.map(shell => {
		const file = path.join(folder, `kasm-tui.${shell}`);
		fs.writeFileSync(file, completionScript(shell));
		return [shell, file];
	}),
) as Record<(typeof shells)[number], string>;

/** No `kasm-tui` on PATH: a completion that needed one (plugin names) offers nothing here. */
const env = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: folder, LANG: 'C.UTF-8'};

/** What bash's completion function offers for the words typed, the last being the one completed. */
function bashOffers(...words: string[]): string[] {
	const run = spawnSync(
		'bash',
		['--norc', '-c', `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kasm_tui; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', scripts.bash, ...words],
		{encoding: 'utf8', env, cwd: folder},
	);
	assert.equal(run.stderr, '', `bash completing ${words.join(' ')}`);
	return run.stdout.split('\n').filter(Boolean).sort();
}

/** What fish offers for the line typed (`complete -C`), without descriptions. */
function fishOffers(line: string): string[] {
	const run = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish, line], {encoding: 'utf8', env, cwd: folder});
	assert.equal(run.stderr, '', `fish completing "${line}"`);
	return run.stdout.split('\n').filter(Boolean).map(entry => entry.split('\t')[0]!).sort();
}

/**
 * What zsh's completion function hands to compadd and _describe, run outside a completion with
 * both replaced by functions that print what they are given.
 */
function zshOffers(...words: string[]): string[] {
	const run = spawnSync(
		'zsh',
		[
			'-f',
			'-c',
			[
				'compdef() { :; }',
				'source $1; shift',
				'_describe() { local -a entries; entries=("${(@P)${@[-1]}}"); print -l -- ${entries%%:*}; }',
				'compadd() { [[ $1 == -a ]] && { print -l -- "${(@P)2}"; return; }; [[ $1 == -- ]] && shift; print -l -- "$@"; }',
				'_files() { print -- "(files $*)"; }',
				'compset() { :; }',
				'words=("$@"); CURRENT=$#; _kasm_tui',
			].join('\n'),
			'zsh',
			scripts.zsh,
			...words,
		],
		{encoding: 'utf8', env, cwd: folder},
	);
	assert.equal(run.stderr, '', `zsh completing ${words.join(' ')}`);
	const typed = words.at(-1)!;
	// The stand-ins do not filter by what is typed, as the real ones do.
	return run.stdout.split('\n').filter(entry => entry !== '' && (entry.startsWith('(') || entry.startsWith(typed))).sort();
}

test('each completion script is valid in its shell: bash -n, zsh -n, fish --no-execute', () => {
	for (const [shell, args] of [['bash', ['-n']], ['zsh', ['-n']], ['fish', ['--no-execute']]] as const) {
		const run = spawnSync(shell, [...args, scripts[shell]], {encoding: 'utf8'});
		assert.equal(run.status, 0, `${shell}: ${run.stderr}`);
		assert.equal(run.stderr, '', shell);
	}
});

test('a Tab after kasm-tui offers every command of the table, and after fleet its subcommands', () => {
	const topLevel = commandTable.filter(command => command.path.length === 1).map(command => commandName(command)).sort();
	const fleet = subcommandsOf(commandTable.find(command => commandName(command) === 'fleet')!).map(command => command.path[1]!).sort();
	assert.deepEqual(bashOffers('kasm-tui', ''), topLevel);
	assert.deepEqual(bashOffers('kasm-tui', 'up'), ['upgrade', 'upgrade-plugins']);
	assert.deepEqual(bashOffers('kasm-tui', 'fleet', ''), fleet);
	assert.deepEqual(fishOffers('kasm-tui '), topLevel);
	assert.deepEqual(fishOffers('kasm-tui fleet '), fleet);
	assert.deepEqual(zshOffers('kasm-tui', 'up'), ['upgrade', 'upgrade-plugins']);
	assert.deepEqual(zshOffers('kasm-tui', 'fleet', ''), fleet);
});

test("a Tab on a dash offers that command's own options, none it does not take, and never the hidden ones", () => {
	const upgrade = bashOffers('kasm-tui', 'upgrade', '--');
	assert.ok(upgrade.includes('--yes') && upgrade.includes('--host') && upgrade.includes('--json'), upgrade.join(' '));
	assert.ok(!upgrade.includes('--version') && !upgrade.includes('--alias'), 'upgrade takes no --version');
	assert.deepEqual(bashOffers('kasm-tui', 'reinstall', '--v'), ['--version']);
	assert.deepEqual(bashOffers('kasm-tui', 'latest', '--'), ['--debug', '--help', '--json'], 'latest asks no daemon: no --host');
	assert.deepEqual(bashOffers('kasm-tui', 'completion', '-'), ['--help', '-h'], '--plugin-names and --host are the scripts\' own');
	assert.deepEqual(fishOffers('kasm-tui reinstall --v'), ['--version']);
	assert.deepEqual(fishOffers('kasm-tui latest --'), ['--debug', '--help', '--json']);
	assert.deepEqual(zshOffers('kasm-tui', 'latest', '--'), ['--debug', '--help', '--json']);
});

test("an option's value completes as the table says: folders, files, words; other values are left to type", () => {
	fs.mkdirSync(path.join(folder, 'ledger-here'));
	fs.writeFileSync(path.join(folder, 'ledger-note.txt'), '');
	assert.deepEqual(bashOffers('kasm-tui', 'plugins', '--ledger-dir', 'ledger-'), ['ledger-here'], '--ledger-dir: folders only');
	assert.deepEqual(bashOffers('kasm-tui', 'plugins', '--debug', 'ledger-'), ['ledger-here', 'ledger-note.txt'], '--debug: files');
	assert.deepEqual(bashOffers('kasm-tui', 'plugins', '--ledger-dir=ledger-'), ['--ledger-dir=ledger-here'], 'also written --ledger-dir=');
	assert.deepEqual(bashOffers('kasm-tui', 'completion', ''), ['bash', 'fish', 'zsh']);
	assert.deepEqual(bashOffers('kasm-tui', 'reinstall', '--alias', ''), [], 'a name to type: nothing offered');
	assert.deepEqual(fishOffers('kasm-tui plugins --ledger-dir ledger-'), ['ledger-here/']);
	assert.deepEqual(fishOffers('kasm-tui completion '), ['bash', 'fish', 'zsh']);
	assert.deepEqual(zshOffers('kasm-tui', 'plugins', '--ledger-dir', ''), ['(files -/)']);
	assert.deepEqual(zshOffers('kasm-tui', 'completion', ''), ['bash', 'fish', 'zsh']);
});

test('option values are skipped as kasm-tui reads them: -H ADDRESS before the command, --version TAG of reinstall', () => {
	assert.deepEqual(bashOffers('kasm-tui', '-H', 'unix:///nowhere.sock', 'up'), ['upgrade', 'upgrade-plugins']);
	assert.deepEqual(bashOffers('kasm-tui', '--host=unix:///nowhere.sock', 'up'), ['upgrade', 'upgrade-plugins']);
	// `--version` alone is a switch: the next word is the command.
	assert.deepEqual(bashOffers('kasm-tui', '--version', 'up'), ['upgrade', 'upgrade-plugins']);
	// After reinstall's --version TAG, the next word is its <plugin>, not a tag's value.
	assert.deepEqual(bashOffers('kasm-tui', 'reinstall', '--version', 'amd64-1.2.10', '--j'), ['--json']);
	assert.deepEqual(fishOffers('kasm-tui -H unix:///nowhere.sock up'), ['upgrade', 'upgrade-plugins']);
	assert.deepEqual(zshOffers('kasm-tui', '-H', 'unix:///nowhere.sock', 'up'), ['upgrade', 'upgrade-plugins']);
});

test('a <plugin> argument with no daemon and no kasm-tui to ask offers nothing, quietly', () => {
	assert.deepEqual(bashOffers('kasm-tui', 'upgrade', ''), []);
	assert.deepEqual(fishOffers('kasm-tui upgrade '), []);
});
