import type {EngineTarget} from '../docker/target.js';
import type {HostSelection} from '../hosts/selection.js';
import type {SessionPolicy} from '../flows/sessions.js';
import type {KasmRestartRequest} from '../flows/kasm-restart.js';

/** What every headless command gets from the command line. */
export interface CommandContext {
	target: EngineTarget;
	json: boolean;
	yes: boolean;
	readOnly: boolean;
	ledgerDir?: string;
	/** `--version TAG` of reinstall and upgrade-plugins (Kasm's script spells the tag that way). */
	tag?: string;
	alias?: string;
	/** upgrade-plugins' `--name`, `--rollback`, `--reinstall`. */
	pluginName?: string;
	rollback?: boolean;
	reinstall?: boolean;
	/** `--max-pulls N`: image pulls at once (default from settings, 2). */
	maxPulls?: number;
	/** The fleet's hosts: every `--host` as given, `--context`…, `--all-contexts`, `--group`. */
	hostSelection?: HostSelection;
	/** A rollout's `--canary NAME`…, `--batch N` (default 1) and `--max-failed N` (default 0). */
	canaries?: string[];
	batch?: number;
	maxFailed?: number;
	/** `--parallel N`: hosts connecting at once (default 16). */
	parallel?: number;
	/** `--step-timeout SECONDS`, in ms: how long a rollout's change step may go without a word from its host (default 120 s). */
	stepTimeoutMs?: number;
	/** `--sessions refuse|wait|ignore` and `--sessions-timeout S`: what a change does about live Kasm sessions. */
	sessions?: SessionPolicy;
	/** `--with-kasm-restart` and `--kasm-dir DIR`: a change that Kasm's services keep from happening stops Kasm first and starts it after. */
	kasmRestart?: KasmRestartRequest;
	/** prune's `--keep N`: older builds beyond each repository's newest N go too. */
	keep?: number;
	/** install's `--disable`: leave the new plugin disabled. */
	disable?: boolean;
	/** logs' `--follow`, `--since DURATION` and `--daemon-log FILE`. */
	follow?: boolean;
	since?: string;
	daemonLog?: string;
	/** `--tls-insecure`: TLS to a daemon whose certificate is not checked is allowed (said on standard error). */
	tlsInsecure?: boolean;
	/** `completion --plugin-names`: the plugin names for a shell's completion, instead of a script. */
	listPluginNames?: boolean;
	/** Where results go: standard output, or a test's buffer. */
	print: (text: string) => void;
	/** Where warnings and progress go: standard error. */
	warn: (text: string) => void;
}
