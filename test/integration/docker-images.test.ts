import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {imagesCommand} from '../../source/commands/images.js';
import type {CommandContext} from '../../source/commands/context.js';
import type {EngineTarget} from '../../source/docker/target.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {listImagesWithUsage} from '../../source/docker/images.js';
import {DaemonUnreachable} from '../../source/errors.js';
import {importImage} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox} = await useSandbox();
const target = parseHost(sandbox.host, 'flag');
const engine = await Engine.open(target);

// Named in the sandbox's registry, which never had it: the containerd store names an imported
// image by its digest too, so only the registry can say the build was never there.
const repository = `${sandbox.registry}/kt-images/${uniqueName('app')}`;
const used = `${repository}:used`;
const idle = `${repository}:idle`;
const alias = `${repository}:alias`;
const container = uniqueName('kt-images-web');
let usedId = '';

before(async () => {
	usedId = await importImage(sandbox, used, 'used build');
	await importImage(sandbox, idle, 'idle build');
	await sandbox.docker(['tag', used, alias]);
	await sandbox.docker(['create', '--name', container, '--network', 'none', used]);
});

after(async () => {
	await sandbox.docker(['rm', '--force', container]).catch(() => {});
	await sandbox.docker(['image', 'rm', '--force', used, idle, alias]).catch(() => {});
});

/** Runs the command as the CLI would, keeping what it prints. */
async function run(positionals: string[], options: {json?: boolean; target?: EngineTarget} = {}) {
	const printed: string[] = [];
	const context: CommandContext = {
		target: options.target ?? target,
		json: options.json ?? false,
		yes: false,
		readOnly: false,
		print: text => printed.push(text),
		warn: () => {},
	};
	await imagesCommand(context, positionals);
	return printed.join('\n');
}

test('each tag of an image lists the containers made from it; an image no container uses lists none', async () => {
	const images = await listImagesWithUsage(engine);
	const row = (tag: string) => images.find(image => image.repository === repository && image.tag === tag);
	assert.deepEqual(row('used')?.usedBy.containers, [container]);
	assert.deepEqual(row('alias')?.usedBy.containers, [container], 'another tag of the same image is in use too');
	assert.equal(row('used')?.id, usedId);
	assert.deepEqual(row('idle')?.usedBy.containers, []);
	assert.ok((row('used')?.size ?? 0) > 0);
});

test('images --json gives product.md\'s fields; an image imported here has no registry to check, and says so', async () => {
	const images = JSON.parse(await run([repository], {json: true})) as Array<Record<string, unknown>>;
	assert.deepEqual(images.map(image => image.tag).sort(), ['alias', 'idle', 'used']);
	const usedRow = images.find(image => image.tag === 'used')!;
	assert.equal(usedRow.repository, repository);
	assert.equal(usedRow.id, usedId);
	assert.equal(typeof usedRow.size, 'number');
	assert.match(String(usedRow.created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	assert.deepEqual(usedRow.usedBy, {containers: [container]});
	assert.equal(usedRow.updateAvailable, null);
	assert.match(String(usedRow.updateError), /^not from a registry: /);
	assert.equal(usedRow.dangling, false);
});

test('images prints a table people can read: short id, human size, age, who uses it', async () => {
	const lines = (await run([])).split('\n');
	assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+ID\s+SIZE\s+CREATED\s+IN USE BY\s+UPDATE$/);
	const row = lines.find(line => line.startsWith(`${repository} `) && / used /.test(line));
	assert.ok(row, 'the used image has a row');
	assert.ok(row.includes(usedId.replace(/^sha256:/, '').slice(0, 12)));
	assert.match(row, /\d(\.\d+)?[kMG]?B\s/);
	assert.match(row, /(less than a minute|\d+ \w+) ago/);
	assert.match(row, new RegExp(`\\s${container}\\s+unknown: not from a registry$`));
});

test('a repository filter narrows the list, and a tag narrows it further', async () => {
	const tags = (text: string) => text.split('\n').slice(1).map(line => line.split(/\s+/)[1]).sort();
	assert.deepEqual(tags(await run([repository])), ['alias', 'idle', 'used']);
	assert.deepEqual(tags(await run([`${repository}:idle`])), ['idle']);
	assert.match(await run([`${repository}:nothing`]), /^no images match/);
});

test('images against a daemon that is not there fails with one line naming its address', async () => {
	await assert.rejects(
		run([], {target: parseHost('unix:///nonexistent/kasm-tui/docker.sock', 'flag')}),
		(error: unknown) => error instanceof DaemonUnreachable && error.exitCode === 1 && error.message.includes('/nonexistent/kasm-tui/docker.sock'),
	);
});
