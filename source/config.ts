import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Schema} from 'conf';
import {BadInput, KasmTuiError} from './errors.js';
import {safeText} from './text.js';

/** The settings that persist between runs, in the operator's words. */
export interface Settings {
	/** Image pulls at once (`--max-pulls` wins); Kasm's agents pull at most 2 at a time. */
	maxPulls: number;
	/** How long a registry's answer to "is there a newer build of this tag" is reused. */
	updateCheckTtlSeconds: number;
	/** How often the screen checks its images against their registries again; Kasm's agents re-pull hourly. */
	recheckIntervalSeconds: number;
	/** The daemon's log file, for `kasm-tui logs` (`--daemon-log` wins); '' to look for it (journald, /var/log). */
	daemonLog: string;
	/** The fleet (`kasm-tui fleet`): each daemon by name and address, in groups that `--group` picks. */
	hosts: readonly HostSetting[];
	/** How long a rollout watches a host after its change before its health gate passes it. */
	rolloutSettleSeconds: number;
}

export interface HostSetting {
	name: string;
	/** As `--host` takes it: unix://, tcp://, ssh://. */
	address: string;
	group?: string;
}

export const defaultSettings: Readonly<Settings> = Object.freeze({
	maxPulls: 2,
	updateCheckTtlSeconds: 300,
	recheckIntervalSeconds: 3600,
	daemonLog: '',
	hosts: Object.freeze([]),
	rolloutSettleSeconds: 5,
});

const day = 24 * 3600;

/**
 * Settings of earlier releases that nothing reads any more, and why: a file that has them is used
 * for the rest, and the operator is told to remove them.
 */
const retiredSettings = {
	refreshSeconds: "the screen follows the daemon's events and reconnects when they stop, so it needs no timer",
	theme: "colours follow the terminal's own (NO_COLOR turns them off)",
};
/** A host's or group's name: what `--host NAME=ADDRESS` and `--group` take. */
export const hostNamePattern = '^[A-Za-z\\d][\\w.-]{0,62}$';

/**
 * What conf checks the file against. No `default`s here: conf would write them into the file on
 * every read, and reading the settings must never change the disk. Defaults are applied below.
 */
const schema: Schema<Settings> = {
	maxPulls: {type: 'integer', minimum: 1, maximum: 64},
	updateCheckTtlSeconds: {type: 'integer', minimum: 0, maximum: 7 * day},
	recheckIntervalSeconds: {type: 'integer', minimum: 60, maximum: 7 * day},
	daemonLog: {type: 'string', maxLength: 4096},
	hosts: {
		type: 'array',
		maxItems: 1000,
		items: {
			type: 'object',
			required: ['name', 'address'],
			additionalProperties: false,
			properties: {
				name: {type: 'string', pattern: hostNamePattern},
				address: {type: 'string', minLength: 1, maxLength: 300},
				group: {type: 'string', pattern: hostNamePattern},
			},
		},
	},
	rolloutSettleSeconds: {type: 'integer', minimum: 0, maximum: 600},
};

export interface LoadedSettings {
	settings: Settings;
	/** `<folder>/config.json`. */
	file: string;
	/** One line for standard error: the file could not be used and the defaults stand in, or it holds settings no longer read. */
	warning?: string;
}

/** `KASM_TUI_CONFIG_DIR` (tests, unusual hosts) > `$XDG_CONFIG_HOME/kasm-tui` > `~/.config/kasm-tui`. */
export function settingsFolder(env: NodeJS.ProcessEnv = process.env): string {
	if (env.KASM_TUI_CONFIG_DIR) {
		return path.resolve(env.KASM_TUI_CONFIG_DIR);
	}

	return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'kasm-tui');
}

const loaded = new Map<string, Promise<LoadedSettings>>();

/**
 * The settings, read once per folder per process. A missing file is the defaults (and nothing is
 * created); a file that is not valid JSON, breaks the schema or cannot be read gives the defaults
 * and a warning, never an error: a typo in a settings file must not stop a start-up script.
 */
export async function readSettings(options: {folder?: string} = {}): Promise<LoadedSettings> {
	const folder = options.folder ?? settingsFolder();
	let pending = loaded.get(folder);
	if (!pending) {
		pending = load(folder);
		loaded.set(folder, pending);
	}

	return pending;
}

/** One setting, typed: `await setting('maxPulls')`. */
export async function setting<K extends keyof Settings>(key: K, options: {folder?: string} = {}): Promise<Settings[K]> {
	return (await readSettings(options)).settings[key];
}

/** Changes and stores settings; a value outside the schema is refused (BadInput) and nothing is written. */
export async function saveSettings(changes: Partial<Settings>, options: {folder?: string} = {}): Promise<Settings> {
	const folder = options.folder ?? settingsFolder();
	const file = path.join(folder, 'config.json');
	let store;
	try {
		store = await openStore(folder);
	} catch (error) {
		throw new KasmTuiError(`cannot change the settings in ${file}: ${describeFailure(error)}: fix or remove the file`);
	}

	try {
		// conf sets each key of the object it is given and keeps the others; its type asks for all of them.
		store.set(Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as unknown as Settings);
	} catch (error) {
		const why = describeFailure(error);
		throw /schema violation/i.test(String((error as Error).message)) ? new BadInput(`not saved: ${why}`) : new KasmTuiError(`cannot save the settings to ${file}: ${why}`);
	}

	const settings = withDefaults(store.store);
	loaded.set(folder, Promise.resolve({settings, file}));
	return settings;
}

/** Forgets what was read, so the next read goes to the file again (tests; the screen after an edit). */
export function forgetSettings(): void {
	loaded.clear();
}

async function load(folder: string): Promise<LoadedSettings> {
	const file = path.join(folder, 'config.json');
	// No file, no conf: nothing to validate, and loading ajv would only cost start-up time.
	if (!fs.existsSync(file)) {
		return {settings: {...defaultSettings}, file};
	}

	try {
		const store = await openStore(folder);
		return {settings: withDefaults(store.store), file, warning: retiredWarning(store.store, file)};
	} catch (error) {
		return {
			settings: {...defaultSettings},
			file,
			warning: `kasm-tui: ignoring the settings in ${file} (${describeFailure(error)}): using the defaults until it is fixed`,
		};
	}
}

function retiredWarning(stored: object, file: string): string | undefined {
	const retired = Object.keys(retiredSettings).filter(key => key in stored) as Array<keyof typeof retiredSettings>;
	if (retired.length === 0) {
		return undefined;
	}

	return `kasm-tui: ${retired.join(' and ')} in ${file} ${retired.length === 1 ? 'is' : 'are'} not used: ${retired.map(key => retiredSettings[key]).join('; ')}: remove ${retired.length === 1 ? 'it' : 'them'}`;
}

async function openStore(folder: string) {
	const {default: Conf} = await import('conf');
	return new Conf<Settings>({cwd: folder, configName: 'config', schema, clearInvalidConfig: false});
}

function withDefaults(stored: Partial<Settings>): Settings {
	const settings: Settings = {...defaultSettings};
	for (const key of Object.keys(defaultSettings) as Array<keyof Settings>) {
		if (stored[key] !== undefined) {
			(settings as unknown as Record<string, unknown>)[key] = stored[key];
		}
	}

	return settings;
}

/** conf's schema message names the keys; a JSON parser's message may quote the file, so it is not repeated. */
function describeFailure(error: unknown): string {
	const failure = error as {name?: string; code?: string; message?: string};
	if (failure.name === 'SyntaxError') {
		return 'it is not valid JSON';
	}

	if (typeof failure.message === 'string' && failure.message.startsWith('Config schema violation:')) {
		return safeText(failure.message.replace(/^Config schema violation:\s*/, '').replaceAll('`', '')).slice(0, 200);
	}

	if (failure.code) {
		return failure.code === 'EACCES' || failure.code === 'EPERM' ? 'permission denied' : safeText(failure.code);
	}

	return safeText(failure.message ?? String(error)).slice(0, 200);
}
