import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {parseHost} from '../../source/hosts/resolve.js';
import {Engine} from '../../source/docker/engine.js';
import {listPluginsWithUsage, usageIndex, type PluginWithUsage} from '../../source/docker/usage.js';
import {DaemonUnreachable} from '../../source/errors.js';
import {importImage, installPlugin} from '../sandbox/fixtures.js';
import {uniqueName, useSandbox} from '../sandbox/shared.js';

const {sandbox, kasm} = await useSandbox();
const engine = await Engine.open(parseHost(sandbox.host, 'flag'));

const subnet = () => `198.${18 + Math.floor(Math.random() * 2)}.${Math.floor(Math.random() * 256)}.0/24`;
const volumeDriver = `${uniqueName('kt-usage-vol')}:latest`;
const networkDriver = `${uniqueName('kt-usage-net')}:latest`;
const idle = `${uniqueName('kt-usage-idle')}:latest`;
// The daemon allows no second `null` or `host` network, and the sandbox's daemon makes no bridges
// (bridge, macvlan and ipvlan would add links to the host), so the IPAM test's network is carried
// by a second plugin install: what it proves is that the IPAM driver alone is attributed too.
const ipamDriver = `${uniqueName('kt-usage-ipam')}:latest`;
const carrier = `${uniqueName('kt-usage-carrier')}:latest`;
const volume = uniqueName('kt-usage-data');
const network = uniqueName('kt-usage-egress');
const ipamNetwork = uniqueName('kt-usage-ipam-net');
const image = `kt-usage/${uniqueName('app')}:1`;
const both = uniqueName('kt-usage-both');
const onlyNetwork = uniqueName('kt-usage-net-only');
const bystander = uniqueName('kt-usage-bystander');
const onIpamNetwork = uniqueName('kt-usage-on-ipam');
const plugins = [volumeDriver, networkDriver, idle, ipamDriver, carrier];
const extra: string[] = [];

before(async () => {
	await installPlugin(sandbox, kasm.ref('amd64-1.2.0'), {alias: volumeDriver});
	await installPlugin(sandbox, kasm.ref('amd64-1.2.1'), {alias: networkDriver});
	await installPlugin(sandbox, kasm.ref('amd64-1.2.9'), {alias: idle, disabled: true});
	await installPlugin(sandbox, kasm.ref('amd64-1.2.10'), {alias: ipamDriver});
	await installPlugin(sandbox, kasm.ref('amd64-1.1.0'), {alias: carrier});
	await importImage(sandbox, image);
	await sandbox.docker(['volume', 'create', '-d', volumeDriver, volume]);
	await sandbox.docker(['network', 'create', '-d', networkDriver, '--subnet', subnet(), network]);
	// Created, never started: a stopped container still holds its network and volume.
	await sandbox.docker(['create', '--name', both, '--network', network, '-v', `${volume}:/data`, image]);
	await sandbox.docker(['create', '--name', onlyNetwork, '--network', network, image]);
	await sandbox.docker(['create', '--name', bystander, '--network', 'none', image]);
	// No --subnet: the pool comes from the IPAM plugin. Plugin names need their tag here.
	await sandbox.docker(['network', 'create', '-d', carrier, '--ipam-driver', ipamDriver, ipamNetwork]);
	await sandbox.docker(['create', '--name', onIpamNetwork, '--network', ipamNetwork, image]);
});

after(async () => {
	for (const container of [both, onlyNetwork, bystander, onIpamNetwork]) {
		await sandbox.docker(['rm', '--force', container]).catch(() => {});
	}

	for (const name of [network, ipamNetwork]) {
		await sandbox.docker(['network', 'rm', name]).catch(() => {});
	}

	await sandbox.docker(['volume', 'rm', '--force', volume]).catch(() => {});
	for (const name of [...plugins, ...extra]) {
		await sandbox.docker(['plugin', 'rm', '--force', name]).catch(() => {});
	}

	await sandbox.docker(['image', 'rm', '--force', image]).catch(() => {});
});

function find(listed: PluginWithUsage[], name: string): PluginWithUsage {
	const plugin = listed.find(candidate => candidate.name === name);
	assert.ok(plugin, `${name} is listed`);
	return plugin;
}

test('a volume driver plugin is in use by its volume and by the containers that mount it', async () => {
	const plugin = find(await listPluginsWithUsage(engine), volumeDriver);
	assert.deepEqual(plugin.usedBy, {networks: [], volumes: [volume], containers: [both]});
});

test('a network driver plugin is in use by its network and by every container attached to it', async () => {
	const plugin = find(await listPluginsWithUsage(engine), networkDriver);
	assert.deepEqual(plugin.usedBy, {networks: [network], volumes: [], containers: [both, onlyNetwork].sort((a, b) => a.localeCompare(b))});
});

test('a plugin nothing uses is idle, and a container on no plugin network uses nothing', async () => {
	const listed = await listPluginsWithUsage(engine);
	assert.deepEqual(find(listed, idle).usedBy, {networks: [], volumes: [], containers: []});
	assert.ok(!listed.some(plugin => plugin.usedBy.containers.includes(bystander)));
});

test('the index answers for names as people write them, without :latest', async () => {
	const short = volumeDriver.replace(/:latest$/, '');
	const index = await usageIndex(engine, [{name: short}]);
	assert.deepEqual(index.get(short)?.volumes, [volume]);
});

test('a network using the plugin as its IPAM driver counts too', async () => {
	// The plugin really is the network's IPAM driver: the subnet and gateway are the ones it hands out.
	const [inspected] = JSON.parse(await sandbox.docker(['network', 'inspect', ipamNetwork])) as Array<{
		Driver: string;
		IPAM: {Driver: string; Config: Array<{Subnet?: string; Gateway?: string}>};
	}>;
	assert.ok(inspected, `${ipamNetwork} is there`);
	assert.equal(inspected.Driver, carrier);
	assert.equal(inspected.IPAM.Driver, ipamDriver);
	const subnet = inspected.IPAM.Config[0]?.Subnet ?? '';
	assert.match(subnet, /^198\.19\.\d{1,3}\.0\/24$/);
	assert.equal(inspected.IPAM.Config[0]?.Gateway, subnet.replace(/\.0\/24$/, '.1'));

	const listed = await listPluginsWithUsage(engine);
	assert.deepEqual(find(listed, ipamDriver).usedBy, {networks: [ipamNetwork], volumes: [], containers: [onIpamNetwork]});
	assert.deepEqual(find(listed, carrier).usedBy, {networks: [ipamNetwork], volumes: [], containers: [onIpamNetwork]});
	assert.deepEqual(find(listed, networkDriver).usedBy.networks, [network], 'the other network plugin is not credited');
	const index = await usageIndex(engine, [{name: ipamDriver.replace(/:latest$/, '')}]);
	assert.deepEqual(index.get(ipamDriver.replace(/:latest$/, ''))?.networks, [ipamNetwork]);
});

test('the plugin list with usage costs four API calls, and four more plugins do not add one', async () => {
	const callsFor = async (work: () => Promise<unknown>) => {
		const before = engine.calls;
		await work();
		return engine.calls - before;
	};

	// Other test files share the daemon, so count from what is there now, then add four.
	const withFew = await callsFor(async () => listPluginsWithUsage(engine));
	const indexFew = await callsFor(async () => usageIndex(engine, [{name: volumeDriver}]));
	for (const tag of ['amd64-1.1.0', 'amd64-1.2.10', 'amd64-1.3.0-rc.1', 'arm64-1.2.10']) {
		const name = `${uniqueName('kt-usage-extra')}:latest`;
		extra.push(name);
		await installPlugin(sandbox, kasm.ref(tag), {alias: name, disabled: true});
	}

	const listed = await listPluginsWithUsage(engine);
	assert.ok(extra.every(name => listed.some(plugin => plugin.name === name)), 'the new plugins are listed');
	const withMany = await callsFor(async () => listPluginsWithUsage(engine));
	const indexMany = await callsFor(async () => usageIndex(engine, listed));
	assert.equal(withFew, 4, 'one listing each of plugins, networks, volumes and containers');
	assert.equal(withMany, withFew);
	assert.equal(indexFew, 3);
	assert.equal(indexMany, indexFew);
});

test('a daemon that is not there is one line naming its address, exit 1', async () => {
	const absent = await Engine.open(parseHost('unix:///nonexistent/kasm-tui/docker.sock', 'flag'));
	await assert.rejects(
		listPluginsWithUsage(absent),
		(error: unknown) =>
			error instanceof DaemonUnreachable &&
			error.exitCode === 1 &&
			error.message.includes('unix:///nonexistent/kasm-tui/docker.sock') &&
			!error.message.includes('\n'),
	);
});
