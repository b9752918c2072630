/** What happened to a plugin, one line of its ledger. Field names are part of the JSON output. */
export type LedgerAction = 'install' | 'upgrade' | 'rollback' | 'reinstall' | 'auto-update' | 'set' | 'enable' | 'disable' | 'remove' | 'observed' | 'recover' | 'prune';
/**
 * `started` is written before a flow changes anything and paired (by `attempt`) with the outcome;
 * `refused` records an attempt that changed nothing because it must not (in use, no previous version).
 */
export type LedgerOutcome = 'ok' | 'failed' | 'restored' | 'started' | 'refused';

export interface ContentIdentity {
	/** The plugin's rootfs layer digests: the same build has the same ones, whatever its tag. */
	diffIds: string[];
	/** The manifest digest that was pulled, where known. */
	digest?: string;
}

export interface LedgerEntry {
	/** ISO 8601. */
	time: string;
	action: LedgerAction;
	/** The plugin's local name after the action. */
	name: string;
	/** The name it had before, when the action renamed it (a rollback pins by renaming). */
	previousName?: string;
	/** The remote reference installed. */
	reference: string;
	tag: string;
	identity: ContentIdentity;
	pluginId?: string;
	/** The time of the entry this one replaced. */
	replaced?: string;
	/** Pairs a flow's `started` entry with its outcome; a `started` left alone means a flow died. */
	attempt?: string;
	/**
	 * On a `started` entry: the plugin as it was, so a run that finds the flow dead can bring it back;
	 * `absent` when there was none (an install: bringing it back is removing what was installed).
	 */
	from?: {name: string; reference: string; tag: string; enabled: boolean; restoreRemote?: string; absent?: boolean};
	/** A `set`: the settings changed (`KEY=VALUE`, a secret's value left out). */
	settings?: string[];
	/** A change made with Kasm stopped before it and started after (--with-kasm-restart): Kasm's folder and where it ran. */
	kasm?: {dir: string; where: string; services?: string[]};
	/** On a `started` entry: the name the flow installs under, when it is not `from.name`. */
	into?: string;
	outcome: LedgerOutcome;
	/** A `prune` (recorded under pruneLedgerName): the image builds it set out to remove, or removed. */
	images?: Array<{id: string; tags: string[]; size: number}>;
	/** A `prune`: the bytes the daemon's image disk shrank by. */
	freed?: number;
	error?: string;
	user: string;
	/** kasm-tui's version that wrote it. */
	version: string;
}

/**
 * The history a prune of images is recorded in, beside the plugins' of the same daemon: a name
 * no plugin can have (a reference never holds parentheses), so it never mixes with one.
 */
export const pruneLedgerName = '(images)';
