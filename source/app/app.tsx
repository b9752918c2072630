import {Box, Text, useApp, useInput} from 'ink';
import {useReducer, useRef} from 'react';
import type {EngineTarget} from '../docker/connection.js';
import {truncate} from '../text.js';
import {bindingFor, keymap, type Pane} from './keymap.js';
import {ListPane, type ListRow} from './list-pane.js';
import {PluginDetail} from './plugin-detail.js';
import type {LoadSnapshot, Snapshot} from './snapshot.js';
import {useSnapshot} from './use-snapshot.js';
import {useTerminalSize, type TerminalSize} from './use-terminal-size.js';

interface Props {
	target: EngineTarget;
	readOnly: boolean;
	load: LoadSnapshot;
	/** Tests give a size; a terminal reports its own. */
	size?: TerminalSize;
}

const panes: Pane[] = ['plugins', 'images'];

export function App({target, readOnly, load, size}: Props) {
	const terminal = useTerminalSize();
	const {columns, rows} = size ?? terminal;
	const state = useSnapshot(target, load);
	const {exit} = useApp();
	const [{focus, selected}, navigate] = useReducer(navigation, {focus: 'plugins', selected: {plugins: 0, images: 0}});
	const snapshot = state.status === 'ready' ? state.snapshot : undefined;
	const rowsOf: Record<Pane, ListRow[]> = {
		plugins: (snapshot?.plugins ?? []).map(plugin => ({
			key: plugin.id || plugin.name,
			text: plugin.name,
			mark: plugin.enabled ? undefined : 'disabled',
		})),
		images: (snapshot?.images ?? []).map(image => ({
			key: `${image.id}/${image.repository}:${image.tag}`,
			text: image.dangling ? `<none> ${image.id.replace('sha256:', '').slice(0, 12)}` : `${image.repository}:${image.tag}`,
		})),
	};

	// A key can arrive before Ink re-subscribes this render's handler: read what is current from refs.
	const latest = useRef({focus, counts: {plugins: 0, images: 0}});
	latest.current = {focus, counts: {plugins: rowsOf.plugins.length, images: rowsOf.images.length}};
	useInput((input, key) => {
		const {focus: pane, counts} = latest.current;
		const binding = bindingFor(pane, input, key);
		switch (binding?.action) {
			case 'quit': {
				exit();
				break;
			}

			case 'next-pane': {
				navigate({type: 'next-pane'});
				break;
			}

			case 'up':
			case 'down': {
				navigate({type: 'move', by: binding.action === 'up' ? -1 : 1, counts});
				break;
			}

			default:
		}
	});

	// Header and footer take a row each; FrameWriter draws by absolute row, so all rows are ours.
	const bodyHeight = Math.max(4, rows - 2);
	const leftWidth = Math.max(24, Math.min(48, Math.floor(columns * 0.4)));
	const rightWidth = Math.max(20, columns - leftWidth - 1);
	const pluginHeight = Math.max(2, Math.floor(bodyHeight / 2));
	const imageHeight = Math.max(2, bodyHeight - pluginHeight);

	return (
		<Box flexDirection="column" width={columns}>
			<Header target={target} readOnly={readOnly} snapshot={snapshot} width={columns} />
			{state.status === 'loading' ? (
				<Box height={bodyHeight}>
					<Text>reading {target.address}…</Text>
				</Box>
			) : state.status === 'failed' ? (
				<Box height={bodyHeight}>
					<Text color="red">{truncate(state.message, columns * 3)}</Text>
				</Box>
			) : (
				<Box height={bodyHeight}>
					<Box flexDirection="column" width={leftWidth}>
						<ListPane title="Plugins" rows={rowsOf.plugins} selected={selected.plugins} focused={focus === 'plugins'} width={leftWidth} height={pluginHeight - 1} />
						<ListPane title="Images" rows={rowsOf.images} selected={selected.images} focused={focus === 'images'} width={leftWidth} height={imageHeight - 1} />
					</Box>
					<Box width={1} />
					<PluginDetail plugin={snapshot?.plugins[selected.plugins]} width={rightWidth} height={bodyHeight} />
				</Box>
			)}
			<Footer pane={focus} width={columns} />
		</Box>
	);
}

interface Navigation {
	focus: Pane;
	selected: Record<Pane, number>;
}

type NavigationAction = {type: 'next-pane'} | {type: 'move'; by: number; counts: Record<Pane, number>};

function navigation(state: Navigation, action: NavigationAction): Navigation {
	switch (action.type) {
		case 'next-pane': {
			return {...state, focus: panes[(panes.indexOf(state.focus) + 1) % panes.length]!};
		}

		case 'move': {
			const last = Math.max(0, action.counts[state.focus] - 1);
			const index = Math.min(Math.max(0, state.selected[state.focus] + action.by), last);
			return {...state, selected: {...state.selected, [state.focus]: index}};
		}
	}
}

/** Host and engine on the left, counts and READ-ONLY on the right; the address gives way first. */
function Header({target, readOnly, snapshot, width}: {target: EngineTarget; readOnly: boolean; snapshot?: Snapshot; width: number}) {
	const right = [
		snapshot ? `${snapshot.plugins.length} plugins` : undefined,
		snapshot ? `${snapshot.images.length} images` : undefined,
		readOnly ? 'READ-ONLY' : undefined,
	]
		.filter(Boolean)
		.join(' · ');
	const engine = snapshot ? [` ─ docker ${snapshot.engine.version} (API ${snapshot.engine.apiVersion})`, ` ─ docker ${snapshot.engine.version}`] : [''];
	const room = Math.max(0, width - [...right].length - 2);
	let left = '';
	for (const engineText of engine) {
		left = ` kasm-tui ─ ${target.address}${engineText}`;
		if ([...left].length <= room) {
			break;
		}
	}

	if ([...left].length > room) {
		const fixed = ` kasm-tui ─ ${engine.at(-1)!}`;
		left = ` kasm-tui ─ ${truncate(target.address, Math.max(8, room - [...fixed].length))}${engine.at(-1)!}`;
	}

	left = truncate(left, room);
	const gap = Math.max(1, width - [...left].length - [...right].length - 1);
	return (
		<Text bold inverse>
			{truncate(left + ' '.repeat(gap) + right + ' ', width)}
		</Text>
	);
}

function Footer({pane, width}: {pane: Pane; width: number}) {
	const text = keymap
		.filter(binding => binding.footer && binding.panes.includes(pane))
		.map(binding => `${binding.label} ${binding.description}`)
		.join('  ');
	return <Text dimColor>{truncate(` ↑↓ move  ${text}`, width)}</Text>;
}
