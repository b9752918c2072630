import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {Text} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import type {DiskSummary} from '../../source/docker/disk.js';
import {useHost} from '../../source/app/hooks/use-host.js';
import type {HostServices, HostSnapshot} from '../../source/app/services/host-services.js';
import {parseHost} from '../../source/hosts/resolve.js';

afterEach(() => cleanup());

/** A promise and the hand that settles it. */
function later<T>() {
	let settle!: (value: T) => void;
	const promise = new Promise<T>(resolve => (settle = resolve));
	return {promise, settle};
}

/** What the header draws of the host's disk, through the hook the screens read the host with. */
function DiskLine({services}: {services: HostServices}) {
	const {snapshot} = useHost(services);
	return <Text>{snapshot ? `images ${snapshot.images.length}, ${snapshot.disk ? `disk ${snapshot.disk.imagesSize}` : 'disk not counted'}` : 'connecting'}</Text>;
}

const figures = (imagesSize: number): DiskSummary => ({imagesSize, reclaimable: 0, builds: 1});

test("the screen draws the host before the daemon has counted its disk, adds the figures when they come, and a reload keeps the last ones until the new come", async () => {
	const counts = [later<DiskSummary | undefined>(), later<DiskSummary | undefined>(), later<DiskSummary | undefined>()];
	let loads = 0;
	let reload = () => {};
	const services = {
		target: parseHost('unix:///var/run/docker.sock', 'default'),
		readOnly: false,
		async load(): Promise<HostSnapshot> {
			const diskLater = counts[loads++]!.promise;
			// As many images as loads so far: which load is on the screen shows.
			return {engine: {version: '20.10.24', apiVersion: '1.41', arch: 'amd64'}, plugins: [], images: Array.from({length: loads}) as HostSnapshot['images'], diskLater};
		},
		watch(onChange: () => void) {
			reload = onChange;
			return () => {};
		},
	} as unknown as HostServices;

	const {lastFrame} = render(<DiskLine services={services} />);
	/** Waits (3 s at most) until the screen shows `wanted`. */
	const shows = async (wanted: string, why?: string) => {
		for (let waited = 0; lastFrame() !== wanted && waited < 3000; waited += 5) {
			await sleep(5);
		}

		assert.equal(lastFrame(), wanted, why);
	};

	await shows('images 1, disk not counted', 'drawn without waiting for the disk');
	counts[0]!.settle(figures(100));
	await shows('images 1, disk 100');

	reload();
	await shows('images 2, disk 100', 'the last figures stay while the daemon counts again');
	counts[1]!.settle(figures(200));
	await shows('images 2, disk 200');

	reload();
	await shows('images 3, disk 200');
	counts[2]!.settle(undefined);
	await shows('images 3, disk not counted', 'a daemon that could not count says so, not old figures');
});
