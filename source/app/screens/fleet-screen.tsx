import {drawUntilQuit, type ScreenControl} from './screen.js';
import {FleetApp} from '../components/fleet-app.js';
import type {FleetServices} from '../services/fleet-services.js';

/** Draws the fleet screen until the operator quits. Everything React and Ink lives behind this import. */
export async function showFleetScreen({services, interrupted, onQuit}: Omit<ScreenControl, 'busy'> & {services: FleetServices & {busy: () => boolean}}): Promise<void> {
	await drawUntilQuit(<FleetApp services={services} />, {busy: services.busy, interrupted, onQuit});
}
