import {Box, Text, useApp, useInput} from 'ink';
import {useState} from 'react';
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
	const [focus, setFocus] = useState<Pane>('plugins');
	const [selected, setSelected] = useState<Record<Pane, number>>({plugins: 0, images: 0});
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

	useInput((input, key) => {
		const binding = bindingFor(focus, input, key);
		switch (binding?.action) {
			case 'quit': {
				exit();
				break;
			}

			case 'next-pane': {
				setFocus(panes[(panes.indexOf(focus) + 1) % panes.length]!);
				break;
			}

			case 'up':
			case 'down': {
				const count = rowsOf[focus].length;
				const step = binding.action === 'up' ? -1 : 1;
				setSelected(current => ({...current, [focus]: Math.min(Math.max(0, current[focus] + step), Math.max(0, count - 1))}));
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

function Header({target, readOnly, snapshot, width}: {target: EngineTarget; readOnly: boolean; snapshot?: Snapshot; width: number}) {
	const parts = [
		'kasm-tui',
		target.address,
		snapshot ? `docker ${snapshot.engine.version} (API ${snapshot.engine.apiVersion})` : undefined,
		snapshot ? `${snapshot.plugins.length} plugins` : undefined,
		snapshot ? `${snapshot.images.length} images` : undefined,
		readOnly ? 'READ-ONLY' : undefined,
	].filter(Boolean);
	return (
		<Text bold inverse>
			{truncate(` ${parts.join(' ─ ')}`, width).padEnd(width)}
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
