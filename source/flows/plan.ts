import {shownValue} from '../docker/plugin-settings.js';
import type {KasmControl} from '../machine/kasm-control.js';
import type {Privilege} from '../docker/plugins.js';
import type {PluginWithUsage} from '../docker/usage.js';
import type {Refused} from '../errors.js';
import type {ContentIdentity, LedgerAction} from '../ledger/entry.js';
import {isRolling} from '../rolling.js';
import {shellWord} from '../text.js';
import type {PlanSessions} from './sessions.js';

/**
 * One change to the daemon. Steps are data, so a confirmation can show them and the docker
 * command each equals; the runner gives each its undo.
 */
export type Step =
	| {kind: 'disable'; name: string}
	| {kind: 'enable'; name: string}
	/** Replace a disabled plugin's rootfs with `remote`'s; undone by upgrading back to `restoreRemote`. */
	| {kind: 'upgrade'; name: string; remote: string; privileges: Privilege[]; restoreRemote?: string}
	/** Install `remote` disabled under a new name; undone by removing it. */
	| {kind: 'install'; name: string; remote: string; privileges: Privilege[]}
	/** Change a disabled plugin's settings (`KEY=VALUE`); undone by setting `previous` back. */
	| {kind: 'set'; name: string; settings: string[]; previous: string[]}
	/** Remove a disabled plugin; undone (recover's plans only) by installing `restore` again under its name, disabled. */
	| {kind: 'remove'; name: string; restore?: {remote: string; privileges: Privilege[]}}
	/** Kasm's stop script (its services go, and free the plugin); undone by its start. */
	| {kind: 'kasm-stop'; kasm: KasmControl; services: string[]}
	/** Kasm's start script, then its services (those that ran before) running again; undone by its stop. */
	| {kind: 'kasm-start'; kasm: KasmControl; services: string[]};

/** What the plugin is before the flow: what a failure must bring back. */
export interface Origin {
	name: string;
	reference: string;
	tag: string;
	enabled: boolean;
	identity: ContentIdentity;
	/** An immutable reference holding the current build, to reinstall it if a later step fails. */
	restoreRemote?: string;
	/** Nothing is installed under `name` yet (an install): a failure must leave nothing behind. */
	absent?: boolean;
}

/** What the flow installs. */
export interface Destination {
	/** The plugin's name afterwards (a rollback pins it: the rolling identifier goes). */
	name: string;
	remote: string;
	tag: string;
	/** The build expected, when known (a rollback knows it; an upgrade finds out). */
	identity?: ContentIdentity;
	/** `remote` names the build by digest: no release tag names it any more. */
	byDigest?: boolean;
}

export interface Plan {
	action: Exclude<LedgerAction, 'observed'>;
	plugin: PluginWithUsage;
	origin: Origin;
	destination: Destination;
	steps: Step[];
	/** What the daemon will ask to grant for the destination; shown in every confirmation. */
	privileges: Privilege[];
	/** Privileges the destination asks for that the current build did not, and the reverse. */
	privilegeChanges: {added: Privilege[]; removed: Privilege[]};
	warnings: string[];
	/** Set when the flow must not run: nothing is changed, and the reason says what to do. */
	refusal?: Refused;
	/** The live Kasm sessions on the host when it was made, and what the policy does about them (sessions.ts). */
	sessions?: PlanSessions;
	/** Kasm stopped before the change and started after it (--with-kasm-restart): its folder, where it runs, its services. */
	kasm?: {dir: string; where: string; services: string[]};
	/** When it was made (ISO 8601): the history since then says who changed the plugin, when it did not stay as planned. */
	madeAt?: string;
}

/** The docker command a step equals, shown to operators in every confirmation. */
export function dockerCommand(step: Step): string {
	switch (step.kind) {
		case 'disable': {
			return `docker plugin disable ${step.name}`;
		}

		case 'enable': {
			return `docker plugin enable ${step.name}`;
		}

		case 'upgrade': {
			return `docker plugin upgrade --grant-all-permissions ${step.name} ${step.remote}`;
		}

		case 'install': {
			return `docker plugin install --disable --grant-all-permissions --alias ${step.name} ${step.remote}`;
		}

		case 'set': {
			return `docker plugin set ${step.name} ${step.settings.map(setting => shellWord(shownSetting(setting))).join(' ')}`;
		}

		case 'remove': {
			return `docker plugin rm ${step.name}`;
		}

		case 'kasm-stop': {
			return step.kasm.stop.text;
		}

		case 'kasm-start': {
			return step.kasm.start.text;
		}
	}
}

/** `KEY=VALUE` as it may be shown and recorded: the value of a key that names a secret is not. */
export function shownSetting(setting: string): string {
	const equals = setting.indexOf('=');
	return equals === -1 ? setting : `${setting.slice(0, equals)}=${shownValue(setting.slice(0, equals), setting.slice(equals + 1))}`;
}

/** A step as an operator says it while waiting on it: `pull` for the step that fetches a build. */
export function stepWord(step: Step): string {
	return step.kind === 'upgrade' || step.kind === 'install' ? 'pull' : step.kind === 'kasm-stop' ? 'Kasm stop' : step.kind === 'kasm-start' ? 'Kasm start' : step.kind;
}

export function describeStep(step: Step): string {
	switch (step.kind) {
		case 'disable': {
			return `disable ${step.name}`;
		}

		case 'enable': {
			return `enable ${step.name}`;
		}

		case 'upgrade': {
			return `replace the build of ${step.name} with ${step.remote}`;
		}

		case 'install': {
			return `install ${step.remote} as ${step.name} (disabled)`;
		}

		case 'set': {
			return `set ${step.settings.map(setting => shownSetting(setting)).join(' ')} on ${step.name}`;
		}

		case 'remove': {
			return `remove ${step.name}`;
		}

		case 'kasm-stop': {
			return `stop Kasm on ${step.kasm.where} (${servicesText(step.services)})`;
		}

		case 'kasm-start': {
			return `start Kasm on ${step.kasm.where}, and wait for ${servicesText(step.services)} to run again`;
		}
	}
}

/** `kasm_agent, kasm_api and 3 more`: Kasm's services in a step's words. */
function servicesText(services: string[]): string {
	if (services.length === 0) {
		return 'none of its services runs now';
	}

	const shown = services.slice(0, 4).join(', ');
	return services.length > 4 ? `${shown} and ${services.length - 4} more` : shown;
}

function privilegeKey(privilege: Privilege): string {
	return `${privilege.name}=${[...privilege.value].sort().join(',')}`;
}

/** Added and removed privileges, compared by name and values. */
export function comparePrivileges(current: Privilege[], next: Privilege[]): Plan['privilegeChanges'] {
	const before = new Set(current.map(privilege => privilegeKey(privilege)));
	const after = new Set(next.map(privilege => privilegeKey(privilege)));
	return {
		added: next.filter(privilege => !before.has(privilegeKey(privilege))),
		removed: current.filter(privilege => !after.has(privilegeKey(privilege))),
	};
}

/**
 * The name a rolled-back plugin gets: its tag replaced by the release it now runs, so the
 * rolling identifier goes and automated updates skip it (`…:amd64-1.2-rolling` → `…:amd64-1.2.1`).
 * Kasm's rule reads the whole name, so a `-rolling` in the repository part goes too.
 */
export function pinnedName(name: string, tag: string): string {
	const colon = name.lastIndexOf(':');
	let repository = colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
	if (isRolling(`${repository}:${tag}`)) {
		repository = repository.replaceAll(/-rolling[^/]*/g, '');
	}

	return `${repository}:${tag}`;
}
