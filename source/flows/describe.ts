import {describeUsage, isInUse} from '../docker/usage.js';
import type {Privilege} from '../docker/plugins.js';
import {describeStep, dockerCommand, type Plan} from './plan.js';

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
	privileges: Array<{text: string; sensitive: boolean; added: boolean}>;
	usedBy?: string;
	steps: Array<{text: string; command: string}>;
	warnings: string[];
}

export function summarisePlan(plan: Plan): PlanSummary {
	const added = new Set(plan.privilegeChanges.added.map(privilege => privilegeText(privilege)));
	return {
		title: `${plan.action} ${plan.origin.name}`,
		from: `${plan.origin.reference || '(no remote)'} (${plan.origin.enabled ? 'enabled' : 'disabled'})`,
		to: `${plan.destination.remote}${plan.destination.name === plan.origin.name ? '' : ` as ${plan.destination.name}`}${plan.destination.byDigest ? ' (by digest)' : ''}`,
		byDigest: Boolean(plan.destination.byDigest),
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
