import type {FleetHost} from '../../hosts/selection.js';
import type {ExitCode} from '../../errors.js';
import {inAlternateScreen, requireTerminal} from './open-screen.js';
import {createFleetServices, type RolloutOptions} from '../services/fleet-services.js';
import type {HostPoolOptions} from '../../hosts/pool.js';

export interface FleetScreenOptions {
	/** The fleet's hosts, found once a terminal is known to be there. */
	hosts: () => Promise<FleetHost[]>;
	readOnly: boolean;
	ledgerDir?: string;
	/** `--canary`, `--batch`, `--max-failed`: how the screen's rollouts go. */
	rollout?: Partial<RolloutOptions>;
	/** `--parallel`, `--step-timeout`: the host pool's bound and a change step's deadline. */
	pool?: HostPoolOptions;
}

/** `kasm-tui fleet`: the fleet screen on a real terminal; the exit code once the operator quits. */
export async function openFleetScreen(options: FleetScreenOptions): Promise<ExitCode> {
	requireTerminal('"kasm-tui fleet plugins" for the matrix, or "kasm-tui fleet upgrade <plugin>" for a rollout');
	const hosts = await options.hosts();
	// Every host is asked before the screen's code (Ink, React, yoga) loads: they answer meanwhile.
	const interrupted = new AbortController();
	let quit = () => {};
	const services = createFleetServices(hosts, {
		readOnly: options.readOnly,
		ledgerDir: options.ledgerDir,
		rollout: options.rollout,
		pool: options.pool,
		signal: interrupted.signal,
		onIdle: () => interrupted.signal.aborted && quit(),
	});
	services.prefetch();
	try {
		const {showFleetScreen} = await import('./drawn.js');
		return await inAlternateScreen(async () => showFleetScreen({services, interrupted, onQuit: stop => (quit = stop)}));
	} finally {
		// Every host's connections end with the screen, each detail's ssh included.
		services.close();
	}
}
