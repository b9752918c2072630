import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {setTimeout as delay} from 'node:timers/promises';
import {createModeStore, type Mode} from '../../source/app/state/mode.js';
import {showPluginLog} from '../../source/app/actions/plugin-log.js';
import {createHostServices} from '../../source/app/services/host-services.js';
import {parseHost} from '../../source/hosts/resolve.js';
import type {Plugin} from '../../source/docker/plugins.js';

/**
 * `l` on the screen: the plugin's lines of a big daemon log, read from the file's end. Bytes read
 * are counted by the kernel (/proc/self/io), so what is measured is what the process really read.
 */
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-plugin-log-'));
after(() => fs.rmSync(folder, {recursive: true, force: true}));

const busyId = 'b'.repeat(64);
const quietId = 'c'.repeat(64);
const mebibyte = 1024 * 1024;
const bytesRead = () => Number(/rchar:\s*(\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1]);
const at = (second: number) => new Date(Date.UTC(2026, 11, 1) + second * 1000).toISOString();
const pluginLine = (second: number, id: string, text: string) => `time="${at(second)}" level=info msg="${text}" plugin=${id}\n`;

/**
 * A daemon's log as a long-lived host has it: the plugins' first words, then 80 MiB of other
 * lines, then 6000 lines of the busy plugin among others; the quiet one said only two more.
 */
const logFile = path.join(folder, 'dockerd.log');
{
	const out = fs.openSync(logFile, 'w');
	fs.writeSync(out, pluginLine(0, busyId, 'busy: ancient') + pluginLine(0, quietId, 'quiet: ancient'));
	const other = (second: number) => `time="${at(second)}" level=info msg="ignoring event" container=${'e'.repeat(64)} module=libcontainerd namespace=moby\n`;
	const block = Array.from({length: 4096}, () => other(1)).join('');
	for (let written = 0; written < 80 * mebibyte; written += Buffer.byteLength(block)) {
		fs.writeSync(out, block);
	}

	const recent: string[] = [];
	for (let index = 0; index < 6000; index++) {
		recent.push(other(2), pluginLine(2, busyId, `busy: recent ${index}`));
	}

	recent.push(pluginLine(3, quietId, 'quiet: recent 0'), other(3), pluginLine(3, quietId, 'quiet: recent 1'));
	fs.writeSync(out, recent.join(''));
	fs.closeSync(out);
}

const plugin = (name: string, id: string) => ({name, id, settings: []}) as unknown as Plugin;
const textOf = (mode: Mode) => (mode.kind === 'logs' ? mode.lines.map(segments => segments.map(segment => segment.text).join('')) : []);

/** The screen's own services, reading the file `--daemon-log` names; the log dialog as `l` opens it. */
async function openLog(target: Plugin, ready: (lines: string[]) => boolean) {
	const services = createHostServices(parseHost('unix:///nonexistent/docker.sock', 'flag'), {readOnly: true, daemonLog: logFile});
	const mode = createModeStore();
	const before = bytesRead();
	showPluginLog(services, mode, target);
	const deadline = Date.now() + 30_000;
	while (!ready(textOf(mode.get()))) {
		assert.ok(Date.now() < deadline, `the log never showed what was expected:\n${textOf(mode.get()).slice(-5).join('\n')}`);
		await delay(20);
	}

	const opened = mode.get();
	const read = bytesRead() - before;
	if (opened.kind === 'logs') {
		opened.stop();
	}

	return {lines: textOf(opened), source: opened.kind === 'logs' ? opened.source.map(segment => segment.text).join('') : '', read};
}

test("opening a busy plugin's log reads its newest lines from the end of an 80 MiB daemon log, not the whole file", async () => {
	const {lines, read} = await openLog(plugin('kasmweb/busy:1.0', busyId), shown => shown.at(-1)?.endsWith('busy: recent 5999') ?? false);
	assert.equal(lines.length, 5000, 'the 5000 newest lines the dialog keeps');
	assert.match(lines[0]!, /busy: recent 1000$/);
	assert.ok(read < 8 * mebibyte, `read ${(read / mebibyte).toFixed(1)} MiB of an 80 MiB log to show its last 1.5 MiB`);
});

test("a quiet plugin's log is looked for in the newest 64 MiB, and the dialog says so", async () => {
	const {lines, source, read} = await openLog(plugin('kasmweb/quiet:1.0', quietId), shown => shown.at(-1)?.endsWith('quiet: recent 1') ?? false);
	await delay(200);
	assert.deepEqual(lines.map(shown => shown.replace(/^.* info {2}/, '')), ['quiet: recent 0', 'quiet: recent 1']);
	assert.match(source, /dockerd\.log \(its newest 64 MiB\)/);
	assert.ok(read < 72 * mebibyte, `read ${(read / mebibyte).toFixed(1)} MiB`);
});
