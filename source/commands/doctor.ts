import type {EngineTarget} from '../docker/target.js';
import type {ExitCode} from '../errors.js';
import {openFlowContext} from '../flows/context.js';
import {examineHost, type Examination} from '../flows/doctor.js';
import {HostPool, unreachableReason, withDeadline} from '../hosts/pool.js';
import {kasmDockerFacts} from '../flows/kasm-fit.js';
import type {CommandContext} from './context.js';
import {fleetHosts, warnUnverifiedTls} from './fleet.js';
import {jsonText} from './json.js';

/** One host's examination, or why it could not be examined. */
type HostReport = {name: string; address: string} & ({reachable: true; examination: Examination} | {reachable: false; error: string});

/**
 * `kasm-tui doctor`: what needs an operator on the daemon, each finding with the command that
 * deals with it. Exit 0 when nothing was found, 1 otherwise.
 */
export async function doctorCommand(context: CommandContext): Promise<ExitCode> {
	const {target} = context;
	const flow = await openFlowContext({target, ledgerDir: context.ledgerDir, readOnly: true});
	try {
		const examination = await examineHost(flow, {hostArgument: hostArgumentOf(target)});
		return report(context, [{name: flow.hostName, address: target.address, reachable: true, examination}]);
	} finally {
		flow.engine.close();
	}
}

/**
 * `kasm-tui fleet doctor [HOST…]`: the same on every host of the fleet, through the host pool (at
 * most --parallel connecting at once, each within its own deadline, every ssh closed at the end).
 */
export async function fleetDoctorCommand(context: CommandContext, names: string[]): Promise<ExitCode> {
	const hosts = await fleetHosts(context, names);
	warnUnverifiedTls(context, hosts);
	const pool = new HostPool({parallel: context.parallel});
	try {
		const reports = await Promise.all(
			hosts.map(async (host): Promise<HostReport> => {
				const base = {name: host.name, address: host.target.address};
				const began = performance.now();
				try {
					// Inside the try: a host that cannot even be opened (TLS files that are no good) is that host's finding.
					const engine = await pool.connect(host);
					const flow = await withDeadline(
						openFlowContext({target: host.target, engine, hostName: host.name, ledgerDir: context.ledgerDir, readOnly: true}),
						pool.readTimeLeft(host, began),
						host.target.address,
						() => pool.disconnect(host),
						pool.readTimeoutMs,
					);
					// The registries have their own limit inside; the daemon's answers this one.
					const examination = await withDeadline(examineHost(flow, {hostArgument: ` --host ${host.target.address}`}), pool.readTimeoutMs + 15_000, host.target.address, () => pool.disconnect(host));
					return {...base, reachable: true, examination};
				} catch (error) {
					return {...base, reachable: false, error: unreachableReason(error)};
				}
			}),
		);
		return report(context, reports);
	} finally {
		pool.close();
	}
}

function hostArgumentOf(target: EngineTarget): string {
	return target.source === 'default' ? '' : ` --host ${target.address}`;
}

function report(context: CommandContext, hosts: HostReport[]): ExitCode {
	const found = hosts.some(host => !host.reachable || host.examination.findings.length > 0);
	if (context.json) {
		context.print(
			jsonText({
				ok: !found,
				hosts: hosts.map(host =>
					host.reachable
						? {name: host.name, address: host.address, reachable: true, docker: host.examination.docker, apiVersion: host.examination.apiVersion, kasm: host.examination.kasm, liveSessions: host.examination.liveSessions, findings: host.examination.findings.map(finding => ({...finding, sources: finding.sources ?? []})), unchecked: host.examination.unchecked}
						: {name: host.name, address: host.address, reachable: false, error: host.error, findings: []},
				),
				facts: kasmDockerFacts,
			}),
		);
		return found ? 1 : 0;
	}

	const lines: string[] = [];
	for (const host of hosts) {
		if (!host.reachable) {
			lines.push(`${host.name}  ${host.address}`, `  ✗ unreachable: ${host.error}`, '');
			continue;
		}

		const {examination} = host;
		const kasm = examination.kasm.length > 0 ? `Kasm ${examination.kasm.join(', ')}` : 'no Kasm services';
		lines.push(`${host.name}  docker ${examination.docker} (API ${examination.apiVersion}) · ${kasm} · ${examination.liveSessions} live session${examination.liveSessions === 1 ? '' : 's'}`);
		if (examination.findings.length === 0) {
			lines.push('  fine: nothing needs you here');
		}

		for (const finding of examination.findings) {
			lines.push(`  ! ${finding.problem}`, `      do: ${finding.command}`);
			for (const source of finding.sources ?? []) {
				lines.push(`      source: ${source}`);
			}
		}

		for (const note of examination.unchecked) {
			lines.push(`  ? not checked: ${note}`);
		}

		lines.push('');
	}

	context.print(lines.join('\n').trimEnd());
	return found ? 1 : 0;
}
