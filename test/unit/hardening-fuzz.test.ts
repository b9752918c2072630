import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {closeDebugLog} from '../../source/debug.js';
import {main, reportError, type Output} from '../../source/cli/main.js';

/**
 * A property-based test of the command line: 10,000 generated argument lists (references in
 * and out of the grammar, random unicode, escape sequences, huge lengths, flags in odd places,
 * `--host` values) run in-process through main() and reportError(), as the bin runs them. The
 * daemon does not exist and every registry request is answered, hostilely, by a stand-in for
 * fetch, so nothing leaves the process. Whatever the input: an exit code of 0–3, no stack
 * trace, no escape or control character in anything printed, and one line for an error.
 */

const runs = Number(process.env.KASM_TUI_FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.KASM_TUI_FUZZ_SEED ?? 0x6b_61_73_6d);

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function generator(state: number) {
	let a = state >>> 0;
	const next = () => {
		a = (a + 0x6d_2b_79_f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};

	const int = (below: number) => Math.floor(next() * below);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
	const chance = (p: number) => next() < p;
	return {next, int, pick, chance};
}

type Random = ReturnType<typeof generator>;

/** Only ever inside an OSC, DCS or APC string: if it is printed, a payload got through. */
const payloadMarker = 'QZPAYLOADQZ';

const escapes = [
	`\u001B]0;${payloadMarker}\u0007`,
	`\u001B]2;${payloadMarker}\u001B\\`,
	`\u001B]8;;http://x/${payloadMarker}\u001B\\`,
	`\u009D0;${payloadMarker}\u009C`,
	`\u001BP${payloadMarker}\u001B\\`,
	`\u001B_${payloadMarker}`,
	'\u001B[2J',
	'\u001B[H',
	'\u001B[1;31m',
	'\u001B[0m',
	'\u001B[?1049h',
	'\u001B[38;5;196m',
	'\u009B2J',
	'\u001Bc',
	'\u001B(0',
	'\u001B',
	'\u0007',
	'\u0000',
	'\u0008',
	'\r\n',
	'\t',
	'\u007F',
	'\u0085',
	'\u202E',
	'\u200B',
	'\uFEFF',
];

const unicode = ['é', 'ß', 'ñ', '日本', '한', '🐳', '\u{1F3F4}\u200D\u2620\uFE0F', 'ا', 'Ω', '\u0301', '\uD800', '\uFFFD', '\u2028', 'İ', 'ǅ'];
const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
const tagCharacters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';

function word(random: Random, alphabet = lower, min = 1, max = 12): string {
	let text = '';
	for (let length = min + random.int(max - min + 1); length > 0; length--) {
		text += alphabet[random.int(alphabet.length)];
	}

	return text;
}

function noise(random: Random, max = 40): string {
	let text = '';
	for (let parts = 1 + random.int(max); parts > 0; parts--) {
		const kind = random.int(4);
		text += kind === 0 ? random.pick(escapes) : kind === 1 ? random.pick(unicode) : kind === 2 ? word(random, tagCharacters, 1, 6) : String.fromCodePoint(random.int(0x30_00));
	}

	return text;
}

function validReference(random: Random): string {
	const registry = random.pick(['', '', 'docker.io/', 'localhost:5000/', '127.0.0.1:5000/', `${word(random)}.${word(random, lower, 2, 3)}/`, 'registry.example.invalid:443/', '[::1]:5000/']);
	const path = Array.from({length: 1 + random.int(3)}, () => word(random) + (random.chance(0.3) ? random.pick(['-', '_', '__', '.', '---']) + word(random) : '')).join('/');
	const tag = random.chance(0.7) ? `:${random.pick(['amd64-1.2', 'amd64-1.2.10', 'arm64', 'amd64-1.2-rolling', 'latest', 'amd64', 'x86_64-2', word(random, tagCharacters, 1, 20).replace(/^[.-]/, 'v')])}` : '';
	const digest = random.chance(0.1) ? `@sha256:${word(random, '0123456789abcdef', 64, 64)}` : '';
	return `${registry}${path}${tag}${digest}`;
}

function brokenReference(random: Random): string {
	const reference = validReference(random);
	const at = random.int(reference.length + 1);
	return random.pick([
		reference.toUpperCase(),
		reference.replace('/', '//'),
		`${reference}:`,
		`${reference}@sha256:xyz`,
		`${reference.slice(0, at)}${random.pick(escapes)}${reference.slice(at)}`,
		`${reference.slice(0, at)}${random.pick(unicode)}${reference.slice(at)}`,
		`/${reference}`,
		`${reference}/`,
		`-${reference}`,
		` ${reference} `,
		`${reference}:${'9'.repeat(200)}`,
		`${reference}${'/a'.repeat(300)}`,
		`:${reference}`,
		`${reference}@`,
	]);
}

function huge(random: Random): string {
	const length = random.pick([513, 1000, 4000, 20_000, 100_000]);
	const unit = random.pick(['a', 'é', '/', '-', 'a/', random.pick(escapes), noise(random, 3), validReference(random)]);
	return unit.repeat(Math.ceil(length / Math.max(1, unit.length))).slice(0, length);
}

/** Docker hosts that never leave the machine: missing sockets, malformed addresses, a closed loopback port. */
function host(random: Random): string {
	return random.pick([
		'unix:///nonexistent/kasm-tui-fuzz.sock',
		`unix:///nonexistent/${word(random)}.sock`,
		`unix:///${'n'.repeat(200)}`,
		'unix://relative.sock',
		'/nonexistent/docker.sock',
		'',
		' ',
		'ftp://example.invalid',
		'npipe:////./pipe/docker_engine',
		'tcp://',
		'tcp://127.0.0.1:1',
		'http://127.0.0.1:1',
		'tcp://[::1',
		'tcp://127.0.0.1:99999',
		'ssh://',
		`x${noise(random, 6)}`,
		`unix:///nonexistent/${noise(random, 4)}`,
		`tcp://${'a'.repeat(300)}:2375`,
	]);
}

/** A value to follow a flag, or a positional. */
function argument(random: Random): string {
	switch (random.int(8)) {
		case 0:
		case 1: {
			return validReference(random);
		}

		case 2: {
			return brokenReference(random);
		}

		case 3: {
			return noise(random);
		}

		case 4: {
			return huge(random);
		}

		case 5: {
			return random.pick(['', ' ', '-', '--', '-1', '0', '65', '3.5', 'NaN', '1e3', 'true', '\u0000']);
		}

		case 6: {
			return word(random, tagCharacters, 1, 30);
		}

		default: {
			return random.pick(['kasmweb/sidecar:amd64-1.2-rolling', 'kasmweb/sidecar:amd64-1.2', 'alpine', 'plugin', 'amd64-1.2.10', 'vieux/sshfs:latest']);
		}
	}
}

const commands = ['plugins', 'history', 'tags', 'latest', 'upgrade', 'rollback', 'reinstall', 'auto-update', 'recover', 'images', 'pull', 'upgrade-plugins'];
const flags = ['--json', '--yes', '-y', '--read-only', '--help', '-h', '--version', '-v', '--rollback', '--reinstall', '--', '-', '---', '--frobnicate', '-x', '-yv', '--json=true', '--yes=no', '--no-json'];
const valued = ['--alias', '--name', '--max-pulls', '--version', '--ledger-dir', '--debug', '--host', '-H'];

/** A command as an operator would type it, its arguments from the generators: it gets past parsing. */
function wellFormed(random: Random): string[] {
	const reference = () => (random.chance(0.8) ? validReference(random) : argument(random));
	const extra = () => (random.chance(0.4) ? [random.pick(['--json', '--yes', '--read-only', '-y'])] : []);
	switch (random.int(7)) {
		case 0:
		case 1: {
			return [random.pick(['tags', 'latest']), reference(), ...extra()];
		}

		case 2: {
			return [random.pick(['upgrade', 'rollback', 'recover', 'history']), reference(), ...extra()];
		}

		case 3: {
			return ['reinstall', reference(), '--version', random.chance(0.7) ? word(random, tagCharacters, 1, 20) : argument(random), ...(random.chance(0.5) ? ['--alias', reference()] : []), ...extra()];
		}

		case 4: {
			return ['pull', ...Array.from({length: 1 + random.int(3)}, reference), ...(random.chance(0.3) ? ['--max-pulls', String(random.int(80))] : []), ...extra()];
		}

		case 5: {
			return ['upgrade-plugins', '--name', reference(), ...(random.chance(0.5) ? [random.pick(['--rollback', '--reinstall'])] : []), ...(random.chance(0.3) ? ['--version', word(random, tagCharacters)] : [])];
		}

		default: {
			return [random.pick(['images', 'plugins', 'auto-update']), ...(random.chance(0.5) ? [reference()] : []), ...extra()];
		}
	}
}

function argumentList(random: Random): string[] {
	if (random.chance(0.4)) {
		return wellFormed(random);
	}

	const argv: string[] = [];
	if (random.chance(0.85)) {
		argv.push(random.chance(0.9) ? random.pick(commands) : noise(random, 4));
	}

	for (let count = random.int(6); count > 0; count--) {
		const kind = random.int(10);
		if (kind < 4) {
			argv.push(argument(random));
		} else if (kind < 6) {
			argv.push(random.pick(flags));
		} else if (kind < 9) {
			const flag = random.pick(valued);
			if (random.chance(0.2)) {
				argv.push(`${flag}=${argument(random)}`);
			} else {
				argv.push(flag);
				if (random.chance(0.9)) {
					argv.push(argument(random));
				}
			}
		} else {
			argv.push(`--${noise(random, 3)}`);
		}
	}

	// Flags in odd places: shuffle a few of them to the front, before the command.
	if (random.chance(0.2) && argv.length > 1) {
		argv.unshift(argv.pop()!);
	}

	return argv;
}

/**
 * Whatever the generator made, values that name a place kasm-tui would reach or write (the
 * daemon, the debug log, the ledger folder) are replaced with harmless ones in the test's
 * folder; everything else is left as generated.
 */
function harmless(argv: string[], random: Random, folder: string): string[] {
	const safe = [...argv];
	const place = (option: string) =>
		option === '--debug' ? random.pick([path.join(folder, 'debug.log'), path.join(folder, 'missing', 'debug.log'), folder]) : option === '--ledger-dir' ? path.join(folder, 'ledger', word(random)) : host(random);
	for (let index = 0; index < safe.length; index++) {
		const arg = safe[index]!;
		const option = ['--host', '--debug', '--ledger-dir'].find(name => arg === name || arg.startsWith(`${name}=`));
		// A short group holding H (-H, -yH) takes the next argument as the host, or the rest of itself.
		const shortHost = /^-[^-]*H/.test(arg);
		if (shortHost) {
			safe[index] = '-H';
		}

		if (option && arg.startsWith(`${option}=`)) {
			safe[index] = `${option}=${place(option)}`;
		} else if (option || shortHost) {
			if (index + 1 < safe.length) {
				safe[index + 1] = place(option ?? '--host');
				index++;
			}
		}
	}

	return safe;
}

interface Verdict {
	code: number;
	stdout: string;
	stderr: string;
	errorReport: string;
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kasm-tui-fuzz-'));
const savedEnv = {...process.env};
const savedCwd = process.cwd();
const realFetch = globalThis.fetch;
const registryHosts = new Map<string, number>();
let registryRequests = 0;

before(() => {
	fs.mkdirSync(path.join(folder, 'docker'), {recursive: true});
	fs.writeFileSync(path.join(folder, 'docker', 'config.json'), '{"auths":{}}\n');
	Object.assign(process.env, {
		DOCKER_HOST: 'unix:///nonexistent/kasm-tui-fuzz.sock',
		DOCKER_CONTEXT: '',
		DOCKER_CONFIG: path.join(folder, 'docker'),
		DOCKER_CERT_PATH: path.join(folder, 'certs'),
		KASM_TUI_LEDGER_DIR: path.join(folder, 'ledger'),
		KASM_TUI_CONFIG_DIR: path.join(folder, 'config'),
	});
	// Relative paths an argument names land in the test's folder.
	process.chdir(folder);
	const answers = generator(seed ^ 0x5eed);
	const words = `bad \u001B]0;${payloadMarker}\u0007\u001B[2Jwords\u009B31m`;
	// A registry that answers everything from here, hostilely: nothing goes out.
	globalThis.fetch = (async (input: string | URL | Request) => {
		registryRequests++;
		const url = new URL(input instanceof Request ? input.url : String(input));
		registryHosts.set(url.host, (registryHosts.get(url.host) ?? 0) + 1);
		const json = {'Content-Type': 'application/json'};
		switch (answers.int(9)) {
			case 0: {
				throw Object.assign(new TypeError('fetch failed'), {cause: Object.assign(new Error(`connect ECONNREFUSED ${words}`), {code: 'ECONNREFUSED'})});
			}

			case 1: {
				return new Response(JSON.stringify({errors: [{code: `UNKNOWN${words}`, message: words}]}), {status: 500, headers: json});
			}

			case 2: {
				return new Response(`not json ${words}`, {status: 200, headers: json});
			}

			case 3: {
				return new Response(JSON.stringify({name: words, tags: ['amd64-1.2.9', 'amd64-1.2.10', words, 'amd64-1.2.11\u001B[2J', 'latest']}), {status: 200, headers: json});
			}

			case 4: {
				return new Response(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: words}]}), {
					status: 401,
					headers: {...json, 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:1/token",service="x",scope="${'y'.repeat(answers.int(3) * 200)}"`},
				});
			}

			case 5: {
				return new Response(JSON.stringify({errors: [{code: 'NAME_UNKNOWN', message: words}]}), {status: 404, headers: json});
			}

			case 6: {
				return new Response(null, {status: 307, headers: {Location: answers.pick(['http://169.254.169.254/latest', '/v2/again', 'https://[::1', `http://${url.host}/v2/loop`])}});
			}

			case 7: {
				return new Response(`<html>${words}</html>`, {status: 502, headers: {'Content-Type': 'text/html'}});
			}

			default: {
				return new Response(JSON.stringify({errors: [{code: 'TOOMANYREQUESTS', message: words}]}), {status: 429, headers: {...json, 'Retry-After': String(answers.int(100_000))}});
			}
		}
	}) as typeof fetch;
});

after(() => {
	globalThis.fetch = realFetch;
	process.chdir(savedCwd);
	for (const key of Object.keys(process.env)) {
		if (!(key in savedEnv)) {
			delete process.env[key];
		}
	}

	Object.assign(process.env, savedEnv);
	fs.rmSync(folder, {recursive: true, force: true});
});

async function runOnce(argv: string[]): Promise<Verdict> {
	let stdout = '';
	let stderr = '';
	let errorReport = '';
	const output: Output = {stdout: text => (stdout += text), stderr: text => (stderr += text)};
	let code: number;
	try {
		code = await Promise.race([
			main(argv, output),
			new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`FUZZ-HANG after 15 s`)), 15_000).unref()),
		]);
	} catch (error) {
		if ((error as Error).message === 'FUZZ-HANG after 15 s') {
			throw error;
		}

		code = reportError(error, {stdout: text => (stdout += text), stderr: text => (errorReport += text)});
	} finally {
		closeDebugLog();
	}

	return {code, stdout, stderr: stderr + errorReport, errorReport};
}

const controlCharacter = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;
const stackLine = /^\s+at .+|^\s*(?:\w*Error|Uncaught)\b[^\n]*:/m;

test(`${runs.toLocaleString('en')} generated argument lists and references: exit 0-3, no stack trace, no escape or control character, one line per error`, async () => {
	const random = generator(seed);
	const counts = {runs: 0, byCode: {0: 0, 1: 0, 2: 0, 3: 0} as Record<number, number>, stackTraces: 0, escapes: 0, payloads: 0, errorLines: 0, unexpected: 0, longLines: 0, stderrMultiLine: 0};
	const failures: string[] = [];
	const fail = (what: string, argv: string[], verdict: Verdict) => {
		if (failures.length < 10) {
			failures.push(`${what}: ${JSON.stringify(argv).slice(0, 300)} → exit ${verdict.code}\n  stdout ${JSON.stringify(verdict.stdout.slice(0, 300))}\n  stderr ${JSON.stringify(verdict.stderr.slice(0, 300))}`);
		}
	};

	const began = Date.now();
	for (let index = 0; index < runs; index++) {
		const argv = harmless(argumentList(random), random, folder);
		const verdict = await runOnce(argv);
		counts.runs++;
		counts.byCode[verdict.code] = (counts.byCode[verdict.code] ?? 0) + 1;
		const printed = verdict.stdout + verdict.stderr;
		if (![0, 1, 2, 3].includes(verdict.code)) {
			fail('exit code', argv, verdict);
		}

		if (stackLine.test(printed)) {
			counts.stackTraces++;
			fail('stack trace', argv, verdict);
		}

		if (controlCharacter.test(printed)) {
			counts.escapes++;
			fail('escape or control character', argv, verdict);
		}

		if (printed.includes(payloadMarker)) {
			counts.payloads++;
			fail('OSC payload', argv, verdict);
		}

		if (verdict.code !== 0) {
			const lines = verdict.errorReport.split('\n').filter(Boolean);
			if (lines.length !== 1 || !lines[0]!.startsWith('kasm-tui: ')) {
				counts.errorLines++;
				fail('not one error line', argv, verdict);
			}

			if (lines.some(line => line.length > 1000)) {
				counts.longLines++;
				fail('an error line over 1,000 characters', argv, verdict);
			}

			if (verdict.errorReport.includes('unexpected error')) {
				counts.unexpected++;
				fail('an untyped error', argv, verdict);
			}
		}

		if (verdict.stderr.trimEnd().split('\n').length > 1) {
			counts.stderrMultiLine++;
		}
	}

	const seconds = ((Date.now() - began) / 1000).toFixed(1);
	process.stderr.write(
		`# fuzz (seed ${seed}): ${counts.runs} runs in ${seconds} s; exit 0: ${counts.byCode[0]}, 1: ${counts.byCode[1]}, 2: ${counts.byCode[2]}, 3: ${counts.byCode[3]}; ` +
			`stack traces ${counts.stackTraces}, escape/control characters ${counts.escapes}, OSC payloads ${counts.payloads}, ` +
			`errors not on one line ${counts.errorLines}, error lines over 1,000 characters ${counts.longLines}, untyped errors ${counts.unexpected}; ` +
			`runs with a warning before the error ${counts.stderrMultiLine}; registry requests answered in-process ${registryRequests} (hosts ${registryHosts.size})\n`,
	);
	assert.deepEqual(failures, []);
	assert.equal(counts.runs, runs);
	assert.equal(counts.byCode[0]! + counts.byCode[1]! + counts.byCode[2]! + counts.byCode[3]!, runs);
	assert.ok(counts.byCode[2]! > runs / 4, 'much of the generated input is bad input, exit 2');
	assert.ok(counts.byCode[1]! > runs / 10, 'and much gets as far as the daemon or a registry, exit 1');
});
