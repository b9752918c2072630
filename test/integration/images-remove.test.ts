import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {imagesCommand} from '../../source/commands/images.js';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {ImageInUse, ImageNotFound, ImageRemoveRefused} from '../../source/docker/image-errors.js';
import {removeImage} from '../../source/docker/image-remove.js';
import {listImages} from '../../source/docker/images.js';
import {Refused} from '../../source/errors.js';
import {importImage} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';
import {captureContext, isolateEnvironment, removeImages} from './images-fixtures.js';

const {sandbox} = await useSandbox();
isolateEnvironment(sandbox);
const target = parseHost(sandbox.host, 'flag');
const engine = await Engine.open(target);

const repository = `kt-remove/${uniqueName('app')}`;
const used = `${repository}:used`;
const unused = `${repository}:unused`;
const container = uniqueName('kt-remove-web');
after(async () => {
	await sandbox.docker(['rm', '--force', container]).catch(() => {});
	await removeImages(sandbox, [used, unused]);
});

const onDaemon = async (reference: string) => (await listImages(engine)).some(image => `${image.repository}:${image.tag}` === reference);

test('an image a container was created from is listed with it, and is not removed: the refusal names the container', async () => {
	await importImage(sandbox, used, 'used build');
	// Created, never started: Docker would still want --force, which kasm-tui never sends.
	await sandbox.docker(['create', '--name', container, '--network', 'none', used]);

	const captured = captureContext(target, {json: true});
	await imagesCommand(captured.context, [used]);
	assert.deepEqual((JSON.parse(captured.stdout.join('\n')) as Array<{usedBy: unknown}>)[0]?.usedBy, {containers: [container]});

	await assert.rejects(removeImage(engine, used), (error: unknown) => {
		assert.ok(error instanceof ImageInUse);
		assert.ok(error instanceof Refused);
		assert.equal(error.exitCode, 3);
		assert.deepEqual(error.containers, [container]);
		assert.match(error.message, new RegExp(`^the image ${used} is in use by the container ${container}: remove it first`));
		return true;
	});
	const {Id: id} = JSON.parse(await sandbox.docker(['image', 'inspect', '--format', '{{json .}}', used])) as {Id: string};
	await assert.rejects(removeImage(engine, id), ImageInUse, 'by id as well as by tag');
	assert.ok(await onDaemon(used), 'the image is still there');
});

test('an image nothing uses is removed, by tag; a name the daemon does not know is bad input', async () => {
	await importImage(sandbox, unused, 'unused build');
	const removal = await removeImage(engine, unused);
	assert.deepEqual(removal.untagged, [unused]);
	assert.ok(removal.deleted.length > 0, 'its only tag gone, the image is deleted');
	assert.equal(await onDaemon(unused), false);

	await assert.rejects(removeImage(engine, unused), (error: unknown) => error instanceof ImageNotFound && error.exitCode === 2);
});

test('an id with several tags is not removed: the daemon would want force, and the refusal says so', async () => {
	const first = `${repository}:twice-a`;
	const second = `${repository}:twice-b`;
	after(async () => removeImages(sandbox, [first, second]));
	const id = await importImage(sandbox, first, 'tagged twice');
	await sandbox.docker(['tag', first, second]);
	await assert.rejects(removeImage(engine, id), (error: unknown) => {
		assert.ok(error instanceof ImageRemoveRefused);
		assert.equal(error.exitCode, 3);
		assert.match(error.message, /without force: .*referenced in multiple repositories/);
		return true;
	});
	assert.ok((await onDaemon(first)) && (await onDaemon(second)));
});

test('with --read-only nothing is removed', async () => {
	const reference = `${repository}:kept`;
	await importImage(sandbox, reference, 'kept build');
	after(async () => removeImages(sandbox, [reference]));
	await assert.rejects(removeImage(engine, reference, {readOnly: true}), (error: unknown) => error instanceof Refused && /read-only/.test(error.message));
	assert.ok(await onDaemon(reference));
});
