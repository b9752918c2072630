import assert from 'node:assert/strict';
import {test} from 'node:test';
import {latestCommand} from '../../source/commands/latest.js';
import {tagsCommand, type TagJson} from '../../source/commands/tags.js';
import type {CommandContext} from '../../source/commands/context.js';
import {resolveTarget} from '../../source/hosts/resolve.js';
import {KasmTuiError} from '../../source/errors.js';
import {hostArch} from '../../source/registry/versions.js';
import {installPlugin, kasmTagsNewestFirst, moveTag, pushPluginBuild, rollingTag} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
// The commands read credentials as the docker CLI does: this sandbox's config, never the operator's.
process.env.DOCKER_CONFIG = sandbox.state.dockerConfig;

interface Run {
	out: string[];
	warnings: string[];
}

async function run(command: typeof tagsCommand, args: string[], options: {json?: boolean; host?: string} = {}): Promise<Run> {
	const result: Run = {out: [], warnings: []};
	const context: CommandContext = {
		target: resolveTarget({host: options.host ?? sandbox.host}),
		json: Boolean(options.json),
		yes: false,
		readOnly: false,
		print: text => result.out.push(text),
		warn: text => result.warnings.push(text),
	};
	await command(context, args);
	return result;
}

async function fails(command: typeof tagsCommand, args: string[], exitCode: number, message: RegExp, options: {host?: string} = {}): Promise<void> {
	await assert.rejects(run(command, args, options), (error: unknown) => {
		assert.ok(error instanceof KasmTuiError, String(error));
		assert.equal(error.exitCode, exitCode, error.message);
		assert.match(error.message, message);
		assert.doesNotMatch(error.message, /\n/);
		return true;
	});
}

/** Other test files sharing the sandbox may add tags of their own to the Kasm-like repository. */
const seeded = (lines: string[]) => lines.filter(line => kasm.tags.includes(line.split(' ')[0]!));

const newestFirst = kasmTagsNewestFirst;

test('tags of a reference prints one tag a line, newest version first', async () => {
	const {out} = await run(tagsCommand, [kasm.repository]);
	assert.deepEqual(seeded(out.join('\n').split('\n')), newestFirst);
});

test('tags --json gives version, architecture, pre-release and rolling for each tag', async () => {
	const rows = JSON.parse((await run(tagsCommand, [kasm.ref('amd64-1.2')], {json: true})).out.join('')) as TagJson[];
	assert.deepEqual(
		seeded(rows.map(row => row.tag)),
		newestFirst,
	);
	assert.deepEqual(rows.find(row => row.tag === 'amd64-1.2.10'), {tag: 'amd64-1.2.10', version: '1.2.10', arch: 'amd64', prerelease: false, rolling: false});
	assert.deepEqual(rows.find(row => row.tag === 'amd64-1.3.0-rc.1'), {tag: 'amd64-1.3.0-rc.1', version: '1.3.0-rc.1', arch: 'amd64', prerelease: true, rolling: false});
	assert.deepEqual(rows.find(row => row.tag === rollingTag), {tag: rollingTag, version: '1.2', arch: 'amd64', prerelease: false, rolling: true});
});

test('tags of an installed rolling plugin marks the tag it came from and the release it equals', async () => {
	const alias = `${uniqueName('kasmweb/tags')}:amd64-1.2-rolling`;
	await installPlugin(sandbox, kasm.ref(rollingTag), {alias, disabled: true});
	try {
		const {out, warnings} = await run(tagsCommand, [alias]);
		assert.deepEqual(warnings, []);
		const lines = out.join('\n').split('\n');
		assert.deepEqual(
			seeded(lines).map(line => line.split(' ')[0]),
			newestFirst,
		);
		assert.match(lines.find(line => line.startsWith(`${rollingTag} `)) ?? '', /^amd64-1\.2-rolling\s+installed, the same build as amd64-1\.2\.9$/);
		assert.match(lines.find(line => line.startsWith('amd64-1.2.9 ')) ?? '', /^amd64-1\.2\.9\s+the installed build$/);
		assert.ok(lines.includes('amd64-1.2.10'), 'other tags carry no mark');

		const rows = JSON.parse((await run(tagsCommand, [alias], {json: true})).out.join('')) as TagJson[];
		assert.deepEqual(
			rows.filter(row => row.installed).map(row => row.tag),
			[rollingTag],
		);
		assert.deepEqual(
			rows.filter(row => row.installedBuild).map(row => row.tag),
			[rollingTag, 'amd64-1.2.9'],
		);
		assert.equal(rows.find(row => row.tag === 'amd64-1.2.10')?.installedBuild, false);
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', alias]);
	}
});

test('after its rolling tag moves on, tags still finds the build a plugin runs', async () => {
	const repository = uniqueName('moved/sidecar');
	for (const tag of ['amd64-1.2.9', 'amd64-1.2.10']) {
		await pushPluginBuild(sandbox, `${sandbox.registry}/${repository}:${tag}`, {version: `${repository}-${tag}`});
	}

	await moveTag(sandbox, repository, rollingTag, 'amd64-1.2.9');
	const alias = `${uniqueName('moved/installed')}:amd64-1.2-rolling`;
	await installPlugin(sandbox, `${sandbox.registry}/${repository}:${rollingTag}`, {alias, disabled: true});
	try {
		await moveTag(sandbox, repository, rollingTag, 'amd64-1.2.10');
		const lines = (await run(tagsCommand, [alias])).out.join('\n').split('\n');
		assert.deepEqual(lines, [
			'amd64-1.2-rolling   installed, the tag has moved on since: the installed build is amd64-1.2.9',
			'amd64-1.2.10',
			'amd64-1.2.9         the installed build',
		]);
	} finally {
		await sandbox.docker(['plugin', 'rm', '--force', alias]);
	}
});

test('tags of a name that is neither a plugin nor a reference is bad input', async () => {
	await fails(tagsCommand, ['Not A Plugin'], 2, /no plugin named Not A Plugin/);
	await fails(tagsCommand, [''], 2, /usage: kasm-tui tags <plugin-or-ref>/);
});

test('tags of a reference works without a daemon, saying once why plugins were not looked at', async () => {
	const {out, warnings} = await run(tagsCommand, [kasm.repository], {host: 'unix:///nonexistent/docker.sock'});
	assert.deepEqual(seeded(out.join('\n').split('\n')), newestFirst);
	assert.equal(warnings.length, 1);
	assert.match(warnings[0]!, /no daemon at unix:\/\/\/nonexistent\/docker\.sock/);
});

test('latest answers the full reference of the newest release under the prefix', async () => {
	for (const [prefix, expected] of [
		['amd64-1.2', 'amd64-1.2.10'],
		['amd64-1', 'amd64-1.2.10'],
		['amd64', 'amd64-2.0.0'],
		['arm64-1', 'arm64-1.3.0'],
		['amd64-1.2-rolling', 'amd64-1.2.10'],
	] as const) {
		assert.deepEqual((await run(latestCommand, [kasm.ref(prefix)])).out, [kasm.ref(expected)], prefix);
	}
});

test('latest --json gives the reference, the tag and the repository', async () => {
	const {out} = await run(latestCommand, [kasm.ref('amd64-1.2')], {json: true});
	assert.deepEqual(JSON.parse(out.join('')), {reference: kasm.ref('amd64-1.2.10'), tag: 'amd64-1.2.10', repository: kasm.repository});
});

test("latest without a tag looks under this host's architecture", async () => {
	const expected = {amd64: 'amd64-2.0.0', arm64: 'arm64-1.3.0'}[hostArch()];
	if (expected) {
		assert.deepEqual((await run(latestCommand, [kasm.repository])).out, [kasm.ref(expected)]);
	}
});

test('latest with only a pre-release under the prefix fails with one line, exit 1', async () => {
	await fails(latestCommand, [kasm.ref('amd64-1.3')], 1, new RegExp(`^no release tag under amd64-1\\.3 in ${kasm.repository.replaceAll('.', '\\.')}: run "kasm-tui tags`));
	await fails(latestCommand, [kasm.ref('x86_64-1')], 1, /no release tag under x86_64-1/);
	// An architecture is any lowercase token, so `latest` is one that has no releases.
	await fails(latestCommand, [kasm.ref('latest')], 1, /no release tag under latest/);
});

test('latest of a malformed reference, a tag that is no prefix, a digest or a missing repository is bad input, exit 2', async () => {
	await fails(latestCommand, ['Kasmweb/Sidecar:amd64'], 2, /is not an image or plugin reference/);
	await fails(latestCommand, [kasm.ref('amd64-1.x')], 2, /"amd64-1\.x" is not a version prefix/);
	await fails(latestCommand, [`${kasm.repository}@sha256:${'a'.repeat(64)}`], 2, /not a digest/);
	await fails(latestCommand, [`${sandbox.registry}/nobody/here:amd64`], 2, /has no repository nobody\/here/);
	await fails(latestCommand, [], 2, /usage: kasm-tui latest/);
});
