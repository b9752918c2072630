import {Dialog, helpLines, Picker, type Choice} from './dialogs.js';
import {line} from './lines.js';
import {LogDialog} from './log-dialog.js';
import {resultTitle, type Mode} from './mode.js';

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
			const hint = `${mode.next ? `${mode.next.key} ${mode.next.label}   ` : ''}enter or esc back`;
			return <Dialog title={resultTitle(mode)} lines={mode.lines} hint={hint} width={width} height={height} />;
		}

		case 'view': {
			return <Dialog title={mode.title} lines={mode.lines} hint="enter or esc back" width={width} height={height} />;
		}

		case 'pick': {
			return <Picker title={mode.title} choices={mode.choices} width={width} height={height} onSelect={onPick} />;
		}

		case 'ask': {
			const typed = mode.secret ? '•'.repeat([...mode.text].length) : mode.text;
			return (
				<Dialog
					title={mode.title}
					lines={[line({text: mode.label, dim: true}, {text: typed}, {text: '█'}), [], ...mode.notes]}
					hint={`enter continue${mode.complete ? '   tab fill in' : ''}   esc cancel`}
					width={width}
					height={height}
				/>
			);
		}

		case 'logs': {
			return <LogDialog mode={mode} width={width} height={height} />;
		}

		default: {
			return null;
		}
	}
}
