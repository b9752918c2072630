import {isSecretSetting, settingText, type PluginSetting} from '../../docker/plugin-settings.js';
import type {PluginWithUsage} from '../../docker/usage.js';
import type {ChangeRequest} from '../../flows/open-change.js';
import {familiarReference, parseReference} from '../../docker/reference.js';
import {line, type Line} from '../content/line.js';
import type {Mode, ModeStore} from '../state/mode.js';
import type {DetailState} from '../content/plugin-detail.js';
import type {HostServices} from '../services/host-services.js';
import type {Selection} from '../hooks/use-screen-flows.js';
import {versionChoices} from '../content/version-choices.js';

export interface PromptContext {
	services: HostServices;
	mode: ModeStore;
	say: (message: Line | undefined) => void;
	/** Plans the change asked for and shows its confirmation, as every change's. */
	startPlan: (request: ChangeRequest, selection?: Selection) => void;
}

/** Asks for the name to install under; empty keeps `empty` (the reference, as Kasm's script and docker do). */
function askName(mode: ModeStore, title: string, empty: string, then: (alias: string | undefined) => void): void {
	mode.set({
		kind: 'ask',
		title,
		label: 'alias: ',
		text: '',
		notes: [line({text: `empty: ${empty}`, dim: true}), line({text: 'a name ending in -rolling… turns automated updates on', dim: true})],
		then: text => then(text.trim() === '' ? undefined : text.trim()),
	});
}

export interface ReinstallPick {
	plugin: PluginWithUsage;
	details?: DetailState;
	/** The daemon's architecture, to mark the tags of another. */
	arch?: string;
	/** Offer the history's builds by digest (see versionChoices). */
	builds?: boolean;
}

/** Reinstall's two questions, on every screen: which version (the picker), then under which name. */
export function pickReinstall({mode, say}: Pick<PromptContext, 'mode' | 'say'>, {plugin, details, arch, builds}: ReinstallPick, then: (version: string, alias: string | undefined) => void): void {
	const known = details?.status === 'ready' ? details.details : undefined;
	const choices = versionChoices({tags: known?.tags ?? [], arch, plugin, details: known, builds});
	if (choices.length === 0) {
		say(line({text: known ? 'no versions known for this plugin: its registry listed no tags' : 'still reading its tags: try again in a moment', color: 'yellow'}));
		mode.set({kind: 'browse'});
		return;
	}

	mode.set({
		kind: 'pick',
		title: `Reinstall ${plugin.name}: which version?`,
		choices,
		then(choice) {
			const byDigest = choice.value.startsWith('sha256:');
			askName(
				mode,
				`Reinstall ${plugin.name} at ${byDigest ? choice.value.slice(0, 19) : choice.value}: under which name?`,
				byDigest ? 'a pinned name, unless a release tag still holds the build' : "the registry reference, as Kasm's script does",
				alias => then(choice.value, alias),
			);
		},
	});
}

/**
 * What the screen asks before a change can be planned: which version (reinstall), which plugin
 * and under which name (install), which setting and what value (set). Each ends in a change
 * request for the one door every change goes through.
 */
export function changePrompts({services, mode, say, startPlan}: PromptContext) {
	const reinstallChoices = (plugin: PluginWithUsage, selection: Selection | undefined) => {
		pickReinstall({mode, say}, {plugin, details: selection?.details, arch: selection?.snapshot?.engine.arch}, (version, alias) =>
			startPlan({kind: 'reinstall', plugin, version, alias}, selection),
		);
	};

	const askInstallName = (reference: string) => {
		askName(mode, `Install ${reference}: under which name?`, `${reference}, as docker plugin install names it`, alias => startPlan({kind: 'install', reference, alias}));
	};

	/** A repository alone (no tag written) is a question: which of its tags. */
	const pickInstallTag = (repository: string, arch: string | undefined) => {
		const reading: Mode = {
			kind: 'busy',
			title: `Reading the tags of ${repository}…`,
			cancel() {
				mode.set({kind: 'browse'});
				say(line({text: 'cancelled: nothing was changed', dim: true}));
			},
		};
		mode.set(reading);
		// Let go of (esc) while the registry answered: its answer is for nobody.
		const stillAsked = () => mode.get() === reading;
		services.tags!(repository).then(
			tags => {
				if (!stillAsked()) {
					return;
				}

				if (tags.length === 0) {
					askInstallReference(repository);
					say(line({text: `${repository} has no tags in its registry`, color: 'yellow'}));
					return;
				}

				mode.set({kind: 'pick', title: `Install from ${repository}: which tag?`, choices: versionChoices({tags, arch}), then: choice => askInstallName(`${repository}:${choice.value}`)});
			},
			(error: unknown) => {
				if (stillAsked()) {
					askInstallReference(repository);
					say(line({text: (error as Error).message, color: 'red'}));
				}
			},
		);
	};

	const askInstallReference = (text: string, selection?: Selection) => {
		const suggested = selection?.plugin?.reference ? repositoryOf(selection.plugin.reference) : undefined;
		const arch = selection?.snapshot?.engine.arch;
		mode.set({
			kind: 'ask',
			title: 'Install a plugin: which one?',
			label: 'reference: ',
			text,
			complete: suggested,
			notes: [
				line({text: '[registry/]repository:tag, e.g. kasmweb/kasm-network-plugin:amd64-1.2.10', dim: true}),
				line({text: 'a repository alone (no :tag) lists its tags to pick from', dim: true}),
				suggested ? line({text: 'tab  ', bold: true}, {text: `${suggested}, the repository of ${selection!.plugin!.name}`, dim: true}) : [],
			],
			then(typed) {
				const reference = typed.trim();
				try {
					const {digest} = parseReference(reference);
					if (!digest && !hasWrittenTag(reference)) {
						pickInstallTag(reference, arch);
						return;
					}
				} catch (error) {
					say(line({text: (error as Error).message, color: 'red'}));
					return;
				}

				askInstallName(reference);
			},
		});
	};

	const changeSetting = (plugin: PluginWithUsage, selection: Selection) => {
		const settable = (plugin.settings ?? []).filter(setting => setting.settable);
		if (settable.length === 0) {
			say(line({text: `${plugin.name} has no settable settings: its config lets none be changed`, color: 'yellow'}));
			return;
		}

		const askValue = (setting: PluginSetting) => {
			const secret = isSecretSetting(setting.key);
			mode.set({
				kind: 'ask',
				title: `Set ${setting.key} of ${plugin.name}: to what?`,
				label: `${setting.key}=`,
				// A secret's value is never drawn, so it is typed anew.
				text: secret ? '' : setting.value,
				secret,
				notes: [
					line({text: 'now  ', dim: true}, settingText(setting)),
					setting.description ? line({text: setting.description, dim: true}) : [],
					line({text: 'the change: disable, set, enable; put back as it was if the plugin does not start', dim: true}),
				],
				then: value => startPlan({kind: 'set', plugin, assignments: [`${setting.key}=${value}`]}, selection),
			});
		};

		if (settable.length === 1) {
			askValue(settable[0]!);
			return;
		}

		mode.set({
			kind: 'pick',
			title: `Set on ${plugin.name}: which setting?`,
			choices: settable.map(setting => ({label: `${settingText(setting)}${setting.description ? `  ${setting.description}` : ''}`, value: setting.key})),
			then: choice => askValue(settable.find(setting => setting.key === choice.value)!),
		});
	};

	return {askInstallName, askInstallReference, changeSetting, reinstallChoices};
}

/** `127.0.0.1:5000/kasmweb/sidecar:amd64-1.2.9` → `127.0.0.1:5000/kasmweb/sidecar`. */
function repositoryOf(reference: string): string | undefined {
	try {
		return familiarReference({...parseReference(reference), tag: undefined, digest: undefined});
	} catch {
		return undefined;
	}
}

/** Whether a reference as typed names a tag (`repo:tag`), not only a registry's port (`host:5000/repo`). */
function hasWrittenTag(reference: string): boolean {
	return reference.lastIndexOf(':') > reference.lastIndexOf('/');
}
