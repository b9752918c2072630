import {describeUsage, isInUse} from '../docker/usage.js';
import type {Privilege} from '../docker/plugins.js';
import {describeStep, dockerCommand, type Plan} from './plan.js';
import type {FlowResult} from './run.js';

/** A privilege an operator should look at twice: the host's network, its files, devices, capabilities. */
export function isSensitive(privilege: Privilege): boolean {
	return (
		(privilege.name === 'network' && privilege.value.includes('host')) ||
		['mount', 'device', 'allow-all-devices', 'capabilities', 'host pid namespace', 'host ipc namespace'].includes(privilege.name)
	);
}

export function privilegeText(privilege: Privilege): string {
	return `${privilege.name}: ${privilege.value.join(', ')}`;
}

/** A plan in the words every confirmation uses, the screen's and the command line's alike. */
export interface PlanSummary {
	title: string;
	from: string;
	to: string;
	/** The build is installed by its digest: no release tag names it any more. */
	byDigest: boolean;
	/** False for changes that start nothing new (disable, remove): no grants line. */
	grants: boolean;
	privileges: Array<{text: string; sensitive: boolean; added: boolean}>;
	usedBy?: string;
	steps: Array<{text: string; command: string}>;
	warnings: string[];
}

export function summarisePlan(plan: Plan): PlanSummary {
	const added = new Set(plan.privilegeChanges.added.map(privilege => privilegeText(privilege)));
	return {
		title: `${plan.action} ${plan.origin.name}`,
		from: plan.origin.absent ? `nothing: no plugin named ${plan.origin.name} is installed` : `${plan.origin.reference || '(no remote)'} (${plan.origin.enabled ? 'enabled' : 'disabled'})`,
		to: keepsBuild(plan) ? `${plan.destination.remote || '(no remote)'} (${afterwards[plan.action as 'enable' | 'disable' | 'remove']})` : `${plan.destination.remote}${plan.destination.name === plan.origin.name ? '' : ` as ${plan.destination.name}`}${plan.destination.byDigest ? ' (by digest)' : ''}`,
		byDigest: Boolean(plan.destination.byDigest),
		grants: plan.action !== 'disable' && plan.action !== 'remove',
		privileges: plan.privileges.map(privilege => ({
			text: privilegeText(privilege),
			sensitive: isSensitive(privilege),
			added: added.has(privilegeText(privilege)),
		})),
		usedBy: isInUse(plan.plugin.usedBy) ? describeUsage(plan.plugin.usedBy, 10) : undefined,
		steps: plan.steps.map(step => ({text: describeStep(step), command: dockerCommand(step)})),
		warnings: plan.warnings,
	};
}

const afterwards = {enable: 'enabled', disable: 'disabled', remove: 'removed'} as const;

/** Enable, disable, remove: the same build before and after. */
export function keepsBuild(plan: Plan): boolean {
	return plan.action in afterwards;
}

/**
 * What a change that went through did, in one line, for the screen and the command line alike;
 * `builds` is the change of build in words (`amd64-1.2.9 → amd64-1.2.10`) where the build changed.
 */
export function describeResult(plan: Plan, result: FlowResult, builds?: string): string {
	if (result.notReadBack) {
		return `every step was done; the daemon did not answer afterwards, so ${plan.destination.name} was not read back`;
	}

	if (!result.plugin) {
		return `${plan.origin.name} is removed; its history stays in the ledger`;
	}

	const state = `${result.plugin.name} is ${result.plugin.enabled ? 'enabled' : 'disabled'}`;
	if (builds !== undefined) {
		return `${state}, ${builds}`;
	}

	return `${state} at ${keepsBuild(plan) ? plan.origin.tag || plan.origin.reference : plan.destination.tag || plan.destination.remote}`;
}
