import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import packageJson from '../../package.json' with {type: 'json'};
import {ensureDebianTools} from '../../source/build/apt.js';
import {exitCodes} from '../../source/cli/help.js';
import {manPage, roffText, textLine} from '../../source/cli/man-page.js';
import {commandTable, synopsis} from '../../source/cli/table.js';

// man-db renders the page as operators read it; groff-base is the formatter both use.
ensureDebianTools([
	{command: 'groff', package: 'groff-base'},
	{command: 'man', package: 'man-db'},
]);

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-man-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

/** Writes roff to a file and renders it with `man -l`, as wide as it takes for a usage line to stay on one; warnings on. */
function rendered(roff: string): {text: string; warnings: string} {
	const file = path.join(folder, `page-${Math.random().toString(36).slice(2)}.1`);
	fs.writeFileSync(file, roff);
	const run = spawnSync('man', ['--warnings', '-l', file], {encoding: 'utf8', env: {...process.env, MANWIDTH: '250', MANPAGER: 'cat', PAGER: 'cat', LANG: 'C.UTF-8'}});
	assert.equal(run.status, 0, run.stderr);
	return {text: run.stdout, warnings: run.stderr};
}

const page = manPage({date: '2026-12-07'});

test('groff formats kasm-tui(1) without a single warning, and man -l renders it without one either', () => {
	const groff = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], {input: page, encoding: 'utf8'});
	assert.equal(groff.status, 0);
	assert.equal(groff.stderr, '', 'groff -ww warns of nothing');
	assert.equal(rendered(page).warnings, '', 'man --warnings says nothing');
});

test('the man page names every command of the command table with its usage, and every exit code', () => {
	const {text} = rendered(page);
	for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'SEE ALSO']) {
		assert.match(text, new RegExp(`^${section}$`, 'm'), `a ${section} section`);
	}

	for (const command of commandTable) {
		// Usage lines as typed: ASCII hyphens, so an option can be copied from the page (… is written ...).
		const usage = ['kasm-tui', synopsis(command)].join(' ').trim().replaceAll('…', '...');
		assert.ok(text.includes(usage), `the page shows "${usage}"`);
	}

	const exitStatus = text.slice(text.indexOf('EXIT STATUS'), text.indexOf('ENVIRONMENT'));
	for (const {code} of exitCodes) {
		assert.match(exitStatus, new RegExp(`^ +${code} `, 'm'), `exit ${code} is explained`);
	}

	for (const variable of ['DOCKER_HOST', 'KASM_TUI_LEDGER_DIR', 'KASM_TUI_API_TIMEOUT', 'KASM_TUI_CONFIG_DIR', 'NO_COLOR']) {
		assert.match(text.slice(text.indexOf('ENVIRONMENT')), new RegExp(`^ +${variable}`, 'm'), `${variable} is explained`);
	}

	assert.match(text, new RegExp(`kasm-tui ${packageJson.version.replaceAll('.', '\\.')} +2026-12-07 +KASM-TUI\\(1\\)`), 'the footer names the release');
	assert.doesNotMatch(text, /plugin-names/, 'what only the completions call stays hidden');
});

test('text that roff would read as a request, an escape or a hyphen is printed as written', () => {
	const roff = [
		'.TH T 1',
		'.SH NAME',
		textLine(roffText('.hidden line that starts with a dot')),
		'.br',
		textLine(roffText("'quoted line that starts with an apostrophe")),
		'.br',
		textLine(roffText('a backslash C:\\fBnot-bold\\fR and --host -H')),
		'.br',
		textLine(roffText('kasmweb/kasm-network-plugin:amd64-1.2 → …:amd64-1.2.10 × 2')),
		'',
	].join('\n');
	const {text, warnings} = rendered(roff);
	assert.equal(warnings, '');
	assert.match(text, /^ +\.hidden line that starts with a dot$/m);
	assert.match(text, /^ +'quoted line that starts with an apostrophe$/m);
	assert.match(text, /a backslash C:\\fBnot-bold\\fR and --host -H/);
	assert.match(text, /kasmweb\/kasm-network-plugin:amd64-1\.2 → \.\.\.:amd64-1\.2\.10 × 2/);
});
