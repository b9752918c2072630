import type {PluginLogLine} from '../../machine/daemon-log.js';
import type {Plugin} from '../../docker/plugins.js';
import {line, type Line} from '../content/line.js';
import {logLine} from '../components/log-dialog.js';
import type {ModeStore} from '../state/mode.js';
import type {HostServices} from '../services/host-services.js';

/** Lines kept of a log: the newest, so a long-lived daemon's syslog cannot fill the memory. */
const keptLines = 5000;

/**
 * Opens the plugin's lines of the daemon's log and follows new ones (inotify or `journalctl
 * --follow`, never polling) until the dialog closes. Lines that arrive together are drawn as
 * one frame; while the operator reads older lines, what arrives does not move them.
 */
export function showPluginLog(services: HostServices, mode: ModeStore, plugin: Plugin): void {
	if (!services.logs) {
		return;
	}

	const controller = new AbortController();
	const stop = () => controller.abort();
	const title = `Log of ${plugin.name}`;
	const lines: Line[] = [];
	let added = 0;
	let dropped = 0;
	let drawing: NodeJS.Timeout | undefined;
	// This dialog while it is open: not one opened after it, nor anything else.
	const open = () => {
		const current = mode.get();
		return current.kind === 'logs' && current.stop === stop ? current : undefined;
	};

	const source = (...segments: Parameters<typeof line>) => {
		const current = open();
		if (current) {
			mode.set({...current, source: line(...segments)});
		}
	};

	const draw = () => {
		drawing = undefined;
		const current = open();
		if (current) {
			// Scrolled back, the lines on screen stay where they are as new ones arrive below.
			const back = current.back === 0 ? 0 : Math.max(0, Math.min(lines.length - 1, current.back + added - dropped));
			mode.set({...current, lines: [...lines], back});
		}

		added = 0;
		dropped = 0;
	};

	const onLine = (logged: PluginLogLine) => {
		lines.push(logLine(logged));
		added++;
		if (lines.length > keptLines) {
			dropped += lines.length - keptLines;
			lines.splice(0, lines.length - keptLines);
		}

		drawing ??= setTimeout(draw, 50);
	};

	mode.set({kind: 'logs', title, source: line({text: 'finding the daemon log…', dim: true}), lines: [], back: 0, stop});
	services.logs(plugin, onLine, controller.signal, {last: keptLines}).then(
		reading => {
			if ('remote' in reading) {
				source({text: reading.remote, color: 'yellow'});
				return;
			}

			source({text: 'from ', dim: true}, reading.source, {text: `, the lines with plugin=${plugin.id.slice(0, 12)}…`, dim: true});
			reading.done.catch((error: unknown) => source({text: (error as Error).message, color: 'red'}));
		},
		(error: unknown) => source({text: (error as Error).message, color: 'red'}),
	);
}
