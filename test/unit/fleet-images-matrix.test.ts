import assert from 'node:assert/strict';
import {test} from 'node:test';
import {hostsToPull} from '../../source/app/content/fleet-pull-lines.js';
import {fleetFooterKeys} from '../../source/app/keys/fleet-keymap.js';
import {fleetNavigation, fleetStartAt} from '../../source/app/state/fleet-navigation.js';
import {buildImagesMatrix, imagesCellText} from '../../source/app/state/images-matrix.js';
import {usesContainerdStore} from '../../source/docker/generation.js';
import {fleetHosts, imagesReading} from '../screen/fleet-fixture.js';

test('each host of the images matrix reads without colour: current, behind with its Kasm sessions, missing, unreachable', () => {
	const matrix = buildImagesMatrix(fleetHosts, imagesReading(), '');
	const chrome = matrix.cells[0]!.map(cell => imagesCellText(cell));
	assert.deepEqual(chrome, ['!✓aaaaaa', '!↓999999 ●2', '!-', ' ✗']);
	assert.deepEqual(matrix.cells[1]!.map(cell => imagesCellText(cell)), [' ✓444444 ●', ' ✓444444', ' ✓444444', ' ✗']);
	assert.deepEqual(buildImagesMatrix(fleetHosts, undefined, '').rows, [], 'nothing before the first read');
	assert.deepEqual(buildImagesMatrix(fleetHosts, imagesReading(), 'nginx').rows.map(row => row.repository), ['kasmweb/nginx']);
});

test('p pulls to the hosts without the current build, and leaves the current ones alone', () => {
	const [chrome, nginx, app] = imagesReading().images;
	assert.deepEqual(hostsToPull(chrome!), ['bravo', 'charlie']);
	assert.deepEqual(hostsToPull(nginx!), []);
	assert.deepEqual(hostsToPull(app!), ['alpha', 'bravo', 'charlie'], 'a build the registry could not judge is pulled again too');
});

test('v switches the matrix from its top and back to where the detail was opened from; each view\'s footer keeps to its own keys', () => {
	const opened = {...fleetStartAt, row: 2, focus: 'detail' as const, detailOf: 'matrix' as const};
	const images = fleetNavigation(opened, {type: 'view'});
	assert.deepEqual([images.view, images.row, images.focus], ['images', 0, 'matrix']);
	assert.equal(fleetNavigation(images, {type: 'view'}).view, 'plugins');
	const footer = (view: 'plugins' | 'images') => fleetFooterKeys(view).bindings.filter(binding => binding.footer).map(binding => `${binding.label} ${binding.footer}`);
	assert.ok(footer('plugins').includes('v images') && !footer('plugins').includes('p pull'));
	assert.ok(footer('images').includes('v plugins') && footer('images').includes('p pull') && !footer('images').includes('u upgrade'));
});

test('the containerd image store is told from the daemon info, not guessed from the images', () => {
	assert.equal(usesContainerdStore({DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']]}), true);
	assert.equal(usesContainerdStore({DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']]}), false);
	assert.equal(usesContainerdStore({}), false);
});
