import {registerSecret} from '../secrets.js';
import {safeText} from '../text.js';

/**
 * What `docker plugin set` can change on a plugin, read from its inspect object: its env
 * variables, mounts and devices from the host, and its args, each with the value it runs with
 * and whether the plugin's config lets it be set. Every string is safe to print.
 */
export interface PluginSetting {
	/** What `docker plugin set` takes before `=`: `DEBUG`, `data.source`, `dev.path`, `args`; '' when it has no name. */
	key: string;
	kind: 'env' | 'mount' | 'device' | 'args';
	/** The value it runs with (args joined by spaces). */
	value: string;
	description: string;
	settable: boolean;
	/** A mount's path inside the plugin. */
	destination?: string;
}

interface RawSettable {
	Name?: string;
	Description?: string;
	Settable?: string[] | null;
}

/** The part of the Engine API's plugin object that settings come from. */
export interface RawSettingsSource {
	Settings?: {
		Env?: string[] | null;
		Args?: string[] | null;
		Mounts?: Array<RawSettable & {Source?: string | null}> | null;
		Devices?: Array<RawSettable & {Path?: string | null}> | null;
	};
	Config?: {
		Env?: Array<RawSettable & {Value?: string | null}> | null;
		Args?: (RawSettable & {Value?: string[] | null}) | null;
		Mounts?: Array<RawSettable & {Source?: string | null; Destination?: string}> | null;
		Linux?: {Devices?: Array<RawSettable & {Path?: string | null}> | null} | null;
	};
}

/** The daemon's rule: a field may be set when the config's `Settable` lists it (moby plugin/v2/settable.go). */
function allows(item: RawSettable | null | undefined, field: string): boolean {
	return Array.isArray(item?.Settable) && item.Settable.includes(field);
}

/**
 * Mounts and devices alike: a path on the host, set as `NAME.source` / `NAME.path` (only a named
 * one can be), running with the path in Settings where the daemon keeps it, else the config's.
 */
function hostPaths<T extends RawSettable>(
	kind: 'mount' | 'device',
	field: 'source' | 'path',
	configured: T[] | null | undefined,
	running: T[] | null | undefined,
	pathOf: (item: T) => string | null | undefined,
): PluginSetting[] {
	const byName = new Map((running ?? []).map(item => [item.Name ?? '', item]));
	return (configured ?? []).map(item => {
		const name = item.Name ?? '';
		const now = name ? byName.get(name) : undefined;
		return {
			key: name ? safeText(`${name}.${field}`) : '',
			kind,
			value: safeText((now ? pathOf(now) : undefined) ?? pathOf(item) ?? ''),
			description: safeText(item.Description ?? ''),
			settable: name !== '' && allows(item, field),
		};
	});
}

export function settingsOf(raw: RawSettingsSource): PluginSetting[] {
	const config = raw.Config ?? {};
	const current = raw.Settings ?? {};
	const settings: PluginSetting[] = [];
	// The env the plugin runs with is Settings.Env (KEY=VALUE); the config holds the defaults.
	const running = new Map(
		(current.Env ?? []).map(pair => {
			const equals = pair.indexOf('=');
			return equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
		}),
	);
	for (const env of config.Env ?? []) {
		const name = env.Name ?? '';
		settings.push({
			key: safeText(name),
			kind: 'env',
			value: safeText(running.get(name) ?? env.Value ?? ''),
			description: safeText(env.Description ?? ''),
			settable: allows(env, 'value'),
		});
	}

	const mounts = hostPaths('mount', 'source', config.Mounts, current.Mounts, mount => mount.Source);
	settings.push(...mounts.map((setting, index) => ({...setting, destination: safeText(config.Mounts?.[index]?.Destination ?? '')})));
	settings.push(...hostPaths('device', 'path', config.Linux?.Devices, current.Devices, device => device.Path));

	const args = config.Args;
	if (args?.Name) {
		settings.push({
			key: safeText(args.Name),
			kind: 'args',
			value: safeText((current.Args && current.Args.length > 0 ? current.Args : (args.Value ?? [])).join(' ')),
			description: safeText(args.Description ?? ''),
			settable: allows(args, 'value'),
		});
	}

	return settings;
}

/** A key that names a secret (a password, a token): its value is never shown or recorded. */
export function isSecretSetting(key: string): boolean {
	return /pass|secret|token|credential|private|(^|[^a-z])key/i.test(key);
}

/** A plugin may print its own settings: the values of those that name a secret are never shown again. */
export function hideSecretSettings(plugin: {settings?: PluginSetting[]}): void {
	for (const setting of plugin.settings ?? []) {
		if (isSecretSetting(setting.key)) {
			registerSecret(setting.value);
		}
	}
}

/** The value as it may be shown: `***` for a secret's. */
export function shownValue(key: string, value: string): string {
	return isSecretSetting(key) && value !== '' ? '***' : value;
}

/** `KEY=VALUE` as the settings list shows it: `DEBUG=1`, `data.source=/srv (→ /data)`. */
export function settingText(setting: PluginSetting): string {
	const where = setting.destination ? ` (→ ${setting.destination})` : '';
	return `${setting.key || `(unnamed ${setting.kind})`}=${shownValue(setting.key, setting.value)}${where}`;
}
