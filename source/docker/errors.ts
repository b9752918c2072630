import {BadInput, DaemonError, Refused} from '../errors.js';
import {safeText} from '../text.js';
import {digestCapableReleases} from './digest-support.js';
import {describeUsage, type PluginUsage} from './usage.js';

/** Docker will not disable or upgrade a plugin that a network, volume or container uses. */
export class PluginInUse extends Refused {
	override name = 'PluginInUse';
	constructor(
		readonly plugin: string,
		readonly usedBy?: PluginUsage,
	) {
		const users = usedBy ? describeUsage(usedBy) : '';
		super(
			`the plugin ${safeText(plugin)} is in use${users ? ` by ${users}` : ''}: Docker will not disable it while a network, volume or container uses it`,
		);
	}
}

/** Upgrade and remove need a disabled plugin. */
export class PluginEnabled extends Refused {
	override name = 'PluginEnabled';
	constructor(
		readonly plugin: string,
		readonly action: string,
	) {
		super(`cannot ${action} the plugin ${safeText(plugin)} while it is enabled: disable it first (docker plugin disable ${safeText(plugin)})`);
	}
}

export class PluginAlreadyEnabled extends Refused {
	override name = 'PluginAlreadyEnabled';
	constructor(readonly plugin: string) {
		super(`the plugin ${safeText(plugin)} is already enabled`);
	}
}

export class PluginAlreadyDisabled extends Refused {
	override name = 'PluginAlreadyDisabled';
	constructor(readonly plugin: string) {
		super(`the plugin ${safeText(plugin)} is already disabled`);
	}
}

/** An install under a name the daemon already has. */
export class PluginExists extends Refused {
	override name = 'PluginExists';
	/** The refusal without its next step, for the screen to offer its own. */
	readonly reason: string;
	constructor(
		readonly plugin: string,
		{state, nextStep = 'remove it first or install under another alias'}: {state?: string; nextStep?: string} = {},
	) {
		const reason = `a plugin named ${safeText(plugin)} is already installed${state ? ` (${state})` : ''}`;
		super(`${reason}: ${nextStep}`);
		this.reason = reason;
	}
}

/** The daemon would crash: moby/moby#47299 (see digest-support.ts). */
export class DigestReferenceUnsupported extends Refused {
	override name = 'DigestReferenceUnsupported';
	constructor(
		readonly remote: string,
		readonly engineVersion: string,
	) {
		super(
			`not sending ${safeText(remote).slice(0, 200)} to Docker ${safeText(engineVersion)}: a daemon of that version crashes on a plugin reference by digest (moby/moby#47299; Docker ${digestCapableReleases} can); use a tag instead`,
		);
	}
}

/** The daemon turned the request down as malformed (HTTP 400, or a reference it cannot parse). */
export class DaemonRejectedInput extends BadInput {
	override name = 'DaemonRejectedInput';
}

/** A pull or upgrade whose progress stream ended with an error line. */
export class PluginPullFailed extends DaemonError {
	override name = 'PluginPullFailed';
	constructor(
		readonly remote: string,
		readonly reason: string,
	) {
		super(`pulling the plugin ${safeText(remote).slice(0, 200)} failed: ${safeText(reason).slice(0, 300)}`);
	}
}
