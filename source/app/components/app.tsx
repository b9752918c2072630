import {Box, Text, useApp} from 'ink';
import {useEffect, useMemo, useRef, useState} from 'react';
import {printable, truncate} from '../../text.js';
import {Header} from './header.js';
import {historyEntryLines} from '../content/history-entry.js';
import {imageName} from '../content/image-detail.js';
import {handleKey, type KeyTarget} from '../keys/screen-controller.js';
import {Footer} from './footer.js';
import {footerOf, screenKeys} from '../keys/keymap.js';
import {screenKeyReason} from '../keys/screen-reasons.js';
import {keyReason} from '../keys/screen-key.js';
import {layoutFor} from '../state/layout.js';
import {logLayout} from './log-dialog.js';
import {Lines} from './lines.js';
import type {Line} from '../content/line.js';
import {dialogRoom, ModeDialog} from './mode-dialog.js';
import {createModeStore} from '../state/mode.js';
import type {Navigation} from '../state/navigation.js';
import {detailLines, filterRows, imageRows, pluginRows} from '../content/pane-content.js';
import {releaseOfEntry} from '../content/releases.js';
import {Panes} from './panes.js';
import type {ImageWithUsage} from '../../docker/images.js';
import type {PluginWithUsage} from '../../docker/usage.js';
import type {HostServices, HostSnapshot} from '../services/host-services.js';
import {createStore, useStore} from '../state/store.js';
import {useDetails} from '../hooks/use-details.js';
import {useHost} from '../hooks/use-host.js';
import {useImageUpdates} from '../hooks/use-image-updates.js';
import {useKeys} from '../hooks/use-keys.js';
import {usePluginUpdates} from '../hooks/use-plugin-updates.js';
import {useScreenFlows} from '../hooks/use-screen-flows.js';
import {shortTime} from '../content/time.js';
import {useTerminalSize, type TerminalSize} from '../hooks/use-terminal-size.js';

interface Props {
	services: HostServices;
	/** Tests give a size; a terminal reports its own. */
	size?: TerminalSize;
	/** The clock ages are told by; tests give a fixed one. */
	now?: () => number;
}

const startAt: Navigation = {focus: 'plugins', selected: {plugins: 0, images: 0}, filter: {plugins: '', images: ''}, cursor: 0};

/** What a navigation selects in the lists as filtered. */
function selectionIn(nav: Navigation, plugins: PluginWithUsage[], images: ImageWithUsage[]) {
	return {
		onPlugins: !(nav.focus === 'images' || (nav.focus === 'detail' && nav.detailOf === 'images')),
		plugin: plugins[Math.min(nav.selected.plugins, plugins.length - 1)],
		image: images[Math.min(nav.selected.images, images.length - 1)],
	};
}

const filterPlugins = (snapshot: HostSnapshot | undefined, filter: string) => filterRows(snapshot?.plugins ?? [], filter, plugin => plugin.name);
const filterImages = (snapshot: HostSnapshot | undefined, filter: string) => filterRows(snapshot?.images ?? [], filter, image => imageName(image));

/**
 * The screen: the layout of the header, the panes or the mode's dialog, the message and the
 * footer. State lives in the stores and hooks; flows run from useScreenFlows; keys go to handleKey.
 */
export function App({services, size, now = Date.now}: Props) {
	const terminal = useTerminalSize();
	const {columns, rows} = size ?? terminal;
	const host = useHost(services);
	const {exit} = useApp();
	const [modeStore] = useState(createModeStore);
	const [navStore] = useState(() => createStore(startAt));
	const mode = useStore(modeStore);
	// A log followed when the screen closes (q, ctrl-c, SIGHUP) is let go, or its watch keeps the process alive.
	useEffect(
		() => () => {
			const last = modeStore.get();
			if (last.kind === 'logs') {
				last.stop();
			}
		},
		[modeStore],
	);
	const nav = useStore(navStore);
	const [message, setMessage] = useState<Line>();
	const [detailsVersion, setDetailsVersion] = useState(0);
	const refresh = () => {
		// The history is read again with the listing that follows the change, never beside an older one.
		void host.reload().then(() => setDetailsVersion(version => version + 1));
	};

	const {snapshot} = host;
	const plugins = useMemo(() => filterPlugins(snapshot, nav.filter.plugins), [snapshot, nav.filter.plugins]);
	const images = useMemo(() => filterImages(snapshot, nav.filter.images), [snapshot, nav.filter.images]);
	const {plugin, image, onPlugins} = selectionIn(nav, plugins, images);
	const details = useDetails(services, onPlugins ? plugin : undefined, detailsVersion);
	const updates = usePluginUpdates(services, snapshot?.plugins);
	const imageUpdates = useImageUpdates(services, snapshot?.images);

	const bannerShown = host.connection === 'lost' || (host.error !== undefined && host.connection !== 'live');
	const layout = layoutFor(columns, rows, {banner: bannerShown, message: Boolean(message)});
	const flows = useScreenFlows({services, mode: modeStore, say: setMessage, refresh, room: {lines: layout.bodyHeight - 3, columns}});

	const detail = detailLines({onPlugins, plugin, image, details, health: flows.health, updates, imageUpdates, loaded: Boolean(snapshot), now: now(), width: layout.rightWidth, arch: snapshot?.engine.arch});
	// Built again only when what they show changes: a key press that moves the selection reuses them.
	const pluginList = useMemo(() => pluginRows(plugins, updates, flows.health), [plugins, updates, flows.health]);
	const imageList = useMemo(() => imageRows(images, imageUpdates), [images, imageUpdates]);

	// What a key needs of this render; the mode and the navigation it reads from their stores.
	const target = useRef<KeyTarget>(undefined as unknown as KeyTarget);
	target.current = {
		mode: modeStore,
		nav: navStore,
		flows,
		readOnly: services.readOnly,
		// A key of this chunk may have moved the selection or the filter since this render.
		lists(next) {
			const nextPlugins = next.filter.plugins === nav.filter.plugins ? plugins : filterPlugins(snapshot, next.filter.plugins);
			const nextImages = next.filter.images === nav.filter.images ? images : filterImages(snapshot, next.filter.images);
			const selection = selectionIn(next, nextPlugins, nextImages);
			return {
				counts: {plugins: nextPlugins.length, images: nextImages.length},
				selection: {...selection, snapshot, details: selection.plugin === plugin ? details : undefined},
			};
		},
		detailLength: detail.lines.length,
		page: Math.max(1, layout.bodyHeight - 2),
		dialog: dialogRoom(mode, columns, layout.bodyHeight),
		entryAt(index) {
			const entry = onPlugins && plugin ? detail.entries.get(index) : undefined;
			const known = details?.status === 'ready' ? details.details : undefined;
			return entry && {kind: 'view', title: `${plugin!.name}: ${entry.action} of ${shortTime(entry.time)}`, lines: historyEntryLines(entry, releaseOfEntry(entry, known))};
		},
		logRows: mode.kind === 'logs' ? logLayout(mode, columns, layout.bodyHeight).rows : 1,
		say: setMessage,
		reload: refresh,
		quit: exit,
	};
	useKeys((input, key) => handleKey(input, key, target.current));

	const body = !snapshot ? (
		<Box height={layout.bodyHeight} width={columns}>
			<Text color={host.error ? 'red' : undefined}>{truncate(printable(host.error ?? `reading ${services.target.address}…`), columns * 3)}</Text>
		</Box>
	) : mode.kind === 'browse' || mode.kind === 'filter' ? (
		<Panes layout={layout} nav={nav} filtering={mode.kind === 'filter'} rows={{plugins: pluginList, images: imageList}} detail={detail.lines} />
	) : (
		<ModeDialog mode={mode} width={columns} height={layout.bodyHeight} />
	);

	// A prompt says its own keys; the footer speaks only for the panes, a key that cannot act now dim.
	const keyState = {selection: {onPlugins, plugin, image, snapshot, details}, onEntry: nav.focus === 'detail' && onPlugins && Boolean(plugin && detail.entries.get(nav.cursor))};
	const footer =
		mode.kind === 'browse'
			? {items: footerOf(screenKeys, nav.focus, columns, binding => keyReason(binding, {readOnly: services.readOnly, changes: 'the daemon', disabled: action => screenKeyReason(action, keyState)}))}
			: {hint: mode.kind === 'filter' ? ' type to filter  enter keep  esc clear' : ''};
	return (
		<Box flexDirection="column" width={columns}>
			<Header target={services.target} readOnly={services.readOnly} snapshot={snapshot} width={columns} />
			{bannerShown ? (
				<Text color="red" bold>
					{truncate(printable(` daemon lost: ${host.error ?? 'the event stream ended'}; reconnecting… (the panes show the last state read)`), columns)}
				</Text>
			) : null}
			{body}
			{message ? <Lines lines={[message]} width={columns} height={1} /> : null}
			<Footer {...footer} width={columns} />
		</Box>
	);
}
