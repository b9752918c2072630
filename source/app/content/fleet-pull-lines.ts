import type {LayerProgress} from '../../docker/image-pull.js';
import type {FleetImageRow} from '../../flows/fleet-images.js';
import type {FleetPullOutcome} from '../../flows/fleet-pull.js';
import {line, type Line} from './line.js';

/** The hosts a pull goes to: every one that answered without the registry's current build of the tag. */
export function hostsToPull(image: FleetImageRow): string[] {
	return Object.entries(image.hosts)
		.filter(([, cell]) => cell === 'missing' || cell.state !== 'current')
		.map(([host]) => host);
}

const state = (cell: FleetImageRow['hosts'][string] | undefined) => (cell === undefined ? 'not read' : cell === 'missing' ? '- missing' : cell.state === 'behind' ? '↓ behind' : cell.state === 'current' ? '✓ current' : '? unknown');

/** The confirmation: each host, what it has now, and the docker command its pull equals. */
export function pullPlanLines(image: FleetImageRow, hosts: readonly string[], reference: string): Line[] {
	const width = Math.max(8, ...hosts.map(host => [...host].length)) + 2;
	return [
		line({text: 'each host pulls at most maxPulls at a time (a setting, default 2, as Kasm\'s agents); one failure stops no other', dim: true}),
		[],
		...hosts.map(host => line({text: `  ${host.padEnd(width)}`}, {text: state(image.hosts[host]).padEnd(12), dim: true}, {text: `docker pull ${reference}`})),
		...Object.keys(image.hosts)
			.filter(host => !hosts.includes(host))
			.map(host => line({text: `  ${host.padEnd(width)}`, dim: true}, {text: `${state(image.hosts[host])}: left alone`, dim: true})),
	];
}

/** Each host's last word while the pulls run: `Downloading`, `pulled`, `failed: …`. */
export type PullProgress = Map<string, string>;

export function pullProgressLines(hosts: readonly string[], progress: PullProgress): Line[] {
	const width = Math.max(8, ...hosts.map(host => [...host].length)) + 2;
	return hosts.map(host => line({text: `  ${host.padEnd(width)}`}, {text: progress.get(host) ?? 'waiting…', dim: !progress.has(host)}));
}

export function progressWord(progress: LayerProgress): string {
	return `${progress.id ? `${progress.id}: ` : ''}${progress.status}`;
}

/** The result: each host's outcome, the failures with why. */
export function pullResultLines(outcomes: readonly FleetPullOutcome[]): Line[] {
	const width = Math.max(8, ...outcomes.map(outcome => [...outcome.host].length)) + 2;
	return outcomes.map(outcome =>
		outcome.result === 'failed'
			? line({text: `  ${outcome.host.padEnd(width)}`}, {text: `✗ failed: ${outcome.error}`, color: 'red'})
			: line({text: `  ${outcome.host.padEnd(width)}`}, {text: outcome.result === 'pulled' ? `✓ pulled ${outcome.digest ?? ''}`.trimEnd() : '✓ up to date', color: 'green'}),
	);
}
