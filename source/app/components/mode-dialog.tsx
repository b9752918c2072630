import {helpLines} from '../content/help-lines.js';
import {Dialog, dialogScrollLimit} from './dialog.js';
import {Picker} from './picker.js';
import type {KeyTable} from '../keys/keymap.js';
import {line} from '../content/line.js';
import {LogDialog} from './log-dialog.js';
import {resultTitle, type Mode} from '../state/mode.js';

/** The dialog a mode shows in place of the panes; none while browsing or filtering. */
/** `keys`: the screen's key table, for its help. */
export function ModeDialog({mode, width, height, keys}: {mode: Mode; width: number; height: number; keys?: KeyTable}) {
	switch (mode.kind) {
		case 'help': {
			return <Dialog title="Keys: every key, from the keymap" lines={helpLines(width, height - 3, keys, mode.notNow)} hint="esc or ? back" width={width} height={height} scroll={mode.scroll} />;
		}

		case 'busy': {
			return <Dialog title={mode.title} lines={[line({text: 'asking the daemon and the registry…', dim: true})]} hint={mode.cancel ? 'esc cancel (nothing has changed)' : ''} width={width} height={height} />;
		}

		case 'confirm': {
			return <Dialog title={mode.title} lines={mode.lines} hint="y go ahead   n or esc cancel (nothing changes)" width={width} height={height} scroll={mode.scroll} />;
		}

		case 'running': {
			return <Dialog title={`${mode.title}…`} lines={mode.lines} hint={mode.hint ?? 'working: the plugin is locked against other kasm-tui processes'} width={width} height={height} />;
		}

		case 'result': {
			const hint = `${mode.next ? `${mode.next.key} ${mode.next.label}   ` : ''}enter or esc back`;
			return <Dialog title={resultTitle(mode)} lines={mode.lines} hint={hint} width={width} height={height} scroll={mode.scroll} />;
		}

		case 'view': {
			return <Dialog title={mode.title} lines={mode.lines} hint="enter or esc back" width={width} height={height} />;
		}

		case 'pick': {
			// The picker's enter reaches the screen's keys too, in either order: what it leads to starts
			// after this key, or the prompt it opens would take the same enter as its answer.
			return <Picker title={mode.title} choices={mode.choices} width={width} height={height} onSelect={choice => queueMicrotask(() => mode.then(choice))} />;
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

/** How far the prompt or result a mode shows may scroll in a body of this size, and a page of it. */
export function dialogRoom(mode: Mode, width: number, height: number, keys?: KeyTable): {limit: number; page: number} {
	const page = Math.max(1, height - 4);
	if (mode.kind === 'help') {
		return {limit: dialogScrollLimit(helpLines(width, height - 3, keys, mode.notNow), width, height), page};
	}

	return mode.kind === 'confirm' || mode.kind === 'result' ? {limit: dialogScrollLimit(mode.lines, width, height), page} : {limit: 0, page};
}
