import {Dialog, helpLines, VersionPicker, type Choice} from './dialogs.js';
import {line} from './lines.js';
import type {Mode} from './mode.js';

/** The dialog a mode shows in place of the panes; none while browsing or filtering. */
export function ModeDialog({mode, width, height, onPick}: {mode: Mode; width: number; height: number; onPick: (choice: Choice) => void}) {
	switch (mode.kind) {
		case 'help': {
			return <Dialog title="Keys: every key, from the keymap" lines={helpLines(width, height - 3)} hint="esc or ? back" width={width} height={height} />;
		}

		case 'busy': {
			return <Dialog title={mode.title} lines={[line({text: 'asking the daemon and the registry…', dim: true})]} hint="" width={width} height={height} />;
		}

		case 'confirm': {
			return <Dialog title={mode.title} lines={mode.lines} hint="y go ahead   n or esc cancel (nothing changes)" width={width} height={height} />;
		}

		case 'running': {
			return <Dialog title={`${mode.title}…`} lines={mode.lines} hint="working: the plugin is locked against other kasm-tui processes" width={width} height={height} />;
		}

		case 'result': {
			return <Dialog title={`${mode.title}: ${mode.outcome}`} lines={mode.lines} hint="enter or esc back" width={width} height={height} />;
		}

		case 'pick-version': {
			return <VersionPicker title={`Reinstall ${mode.plugin.name}: which version?`} choices={mode.choices} width={width} height={height} onSelect={onPick} />;
		}

		case 'alias': {
			return (
				<Dialog
					title={`Reinstall ${mode.plugin.name} at ${mode.version.startsWith('sha256:') ? mode.version.slice(0, 19) : mode.version}: under which name?`}
					lines={[
						line({text: 'alias: ', dim: true}, {text: mode.text}, {text: '█'}),
						line({
							text: mode.version.startsWith('sha256:') ? 'empty: a pinned name, unless a release tag still holds the build' : `empty: the registry reference, as Kasm's script does`,
							dim: true,
						}),
						line({text: 'a name ending in -rolling… turns automated updates on', dim: true}),
					]}
					hint="enter continue   esc cancel"
					width={width}
					height={height}
				/>
			);
		}

		default: {
			return null;
		}
	}
}
