import {Box, Text, useApp} from 'ink';
import {useMemo, useRef, useState} from 'react';
import {tlsUnverified} from '../../hosts/resolve.js';
import {driftingNames} from '../../flows/fleet.js';
import {truncate} from '../../text.js';
import {Footer} from './footer.js';
import {footerOf} from '../keys/keymap.js';
import {fleetKeyReason} from '../keys/fleet-reasons.js';
import {keyReason} from '../keys/screen-key.js';
import {Lines} from './lines.js';
import type {Line} from '../content/line.js';
import {dialogRoom, ModeDialog} from './mode-dialog.js';
import {createModeStore} from '../state/mode.js';
import {createStore, useStore} from '../state/store.js';
import {useDetails} from '../hooks/use-details.js';
import {useKeys} from '../hooks/use-keys.js';
import {useTerminalSize, type TerminalSize} from '../hooks/use-terminal-size.js';
import {cellDetailLines, hostDetailLines} from '../content/fleet-detail.js';
import {FleetHeader} from './fleet-header.js';
import {handleFleetKey, type FleetKeyTarget} from '../keys/fleet-controller.js';
import {fleetFooterKeys, fleetKeys} from '../keys/fleet-keymap.js';
import {fleetLayoutFor} from '../state/fleet-layout.js';
import {fleetStartAt, type FleetNavigation} from '../state/fleet-navigation.js';
import type {FleetServices} from '../services/fleet-services.js';
import {liveReadings, type FleetState} from '../state/fleet-state.js';
import {HostsPane} from './hosts-pane.js';
import {buildMatrix, type Matrix} from '../state/matrix.js';
import {MatrixPane} from './matrix-pane.js';
import {useFleetReading} from '../hooks/use-fleet-reading.js';
import {useRolloutFlows, type FleetSelection} from '../hooks/use-rollout-flows.js';
import {useFleetImages} from '../hooks/use-fleet-images.js';
import {buildImagesMatrix, type ImagesMatrix} from '../state/images-matrix.js';
import {imageCellDetailLines} from '../content/fleet-image-detail.js';
import {ImagesPane} from './images-pane.js';
import type {FleetHost} from '../../hosts/selection.js';
import type {FleetImagesReading} from '../../flows/fleet-images.js';

interface Props {
	services: FleetServices;
	/** Tests give a size; a terminal reports its own. */
	size?: TerminalSize;
}

/** What a navigation selects: the host (a row of the hosts pane, a column of the matrix) and the plugin row, or the image row in the images view. */
function selectionIn(nav: FleetNavigation, matrix: Matrix, images: ImagesMatrix) {
	const host = Math.min(nav.host, Math.max(0, matrix.columns.length - 1));
	const onImages = nav.view === 'images';
	const row = Math.min(nav.row, Math.max(0, (onImages ? images.rows.length : matrix.rows.length) - 1));
	const cell = onImages ? undefined : matrix.cells[row]?.[host];
	return {
		host,
		row,
		entry: matrix.columns[host],
		plugin: cell?.kind === 'plugin' ? cell.plugin : undefined,
		matrixRow: onImages ? undefined : matrix.rows[row],
		image: onImages ? images.rows[row] : undefined,
	};
}

const matrixFor = (state: FleetState, filter: string, known: {state: FleetState; filter: string; matrix: Matrix}) =>
	state === known.state && filter === known.filter ? known.matrix : buildMatrix(state, filter);

const imagesMatrixFor = (hosts: readonly FleetHost[], reading: FleetImagesReading | undefined, filter: string, known: {filter: string; images: ImagesMatrix}) =>
	filter === known.filter ? known.images : buildImagesMatrix(hosts, reading, filter);

/**
 * The fleet screen: the header, the hosts pane over the matrix, and the selected cell's (or
 * host's) detail beside them where there is room, else in the matrix's place; dialogs in place
 * of them all. State lives in the stores and hooks; rollouts run from useRolloutFlows.
 */
export function FleetApp({services, size}: Props) {
	const terminal = useTerminalSize();
	const {columns, rows} = size ?? terminal;
	const {exit} = useApp();
	const [modeStore] = useState(createModeStore);
	const [navStore] = useState(() => createStore(fleetStartAt));
	const mode = useStore(modeStore);
	const nav = useStore(navStore);
	const [message, setMessage] = useState<Line>();
	const fleet = useFleetReading(services);
	const images = useFleetImages(services, nav.view === 'images');
	const [detailsVersion, setDetailsVersion] = useState(0);
	const refresh = () => {
		setDetailsVersion(version => version + 1);
		fleet.reload();
		images.reload();
	};

	const matrix = useMemo(() => buildMatrix(fleet.state, nav.filter), [fleet.state, nav.filter]);
	const imagesMatrix = useMemo(() => buildImagesMatrix(services.hosts, images.reading, nav.filter), [services.hosts, images.reading, nav.filter]);
	const drifting = useMemo(() => driftingNames(liveReadings(fleet.state)), [fleet.state]);
	const selection = selectionIn(nav, matrix, imagesMatrix);
	const hostName = selection.entry?.host.name ?? '';
	const hostDetails = useMemo(() => ({details: services.details.bind(undefined, hostName)}), [services, hostName]);
	const details = useDetails(hostDetails, selection.plugin, detailsVersion, hostName);

	const layout = fleetLayoutFor(columns, rows, {hosts: fleet.state.hosts.length, message: Boolean(message)});
	const flows = useRolloutFlows({services, mode: modeStore, say: setMessage, refresh, room: {lines: layout.bodyHeight - 3}});
	const canary = flows.canaries.includes(hostName);

	const onHosts = nav.focus === 'hosts' || (nav.focus === 'detail' && nav.detailOf === 'hosts');
	const besideWidth = layout.detailWidth > 0 ? layout.detailWidth : columns;
	const detail = !selection.entry
		? []
		: onHosts
			? hostDetailLines(selection.entry, matrix, canary, besideWidth)
			: nav.view === 'images'
				? imageCellDetailLines({entry: selection.entry, matrix: imagesMatrix, row: selection.row, canary, width: besideWidth})
				: cellDetailLines({entry: selection.entry, matrix, row: selection.row, canary, details, width: besideWidth});
	// The detail beside the panes at full height, or in the matrix's place.
	const detailHeight = layout.detailWidth > 0 ? layout.bodyHeight : layout.matrixHeight;
	const scroll = nav.focus === 'detail' ? Math.min(nav.scroll, Math.max(0, detail.length - detailHeight)) : 0;
	const detailShown = <Lines lines={detail.slice(scroll, scroll + detailHeight)} width={besideWidth} height={detailHeight} />;

	const known = {state: fleet.state, filter: nav.filter, matrix, images: imagesMatrix};
	const target = useRef<FleetKeyTarget>(undefined as unknown as FleetKeyTarget);
	target.current = {
		mode: modeStore,
		nav: navStore,
		flows,
		readOnly: services.readOnly,
		// A key of this chunk may have changed the filter since this render.
		lists(next) {
			const nextMatrix = matrixFor(fleet.state, next.filter, known);
			const nextImages = imagesMatrixFor(services.hosts, images.reading, next.filter, known);
			const picked = selectionIn(next, nextMatrix, nextImages);
			const sameCell = picked.entry === selection.entry && picked.plugin === selection.plugin;
			const selected: FleetSelection = {host: picked.entry, row: picked.matrixRow, plugin: picked.plugin, details: sameCell ? details : undefined, view: next.view, image: picked.image};
			const rows = next.view === 'images' ? nextImages.rows.length : nextMatrix.rows.length;
			return {counts: {hosts: nextMatrix.columns.length, rows}, selection: selected};
		},
		detailLength: detail.length,
		page: Math.max(1, (nav.focus === 'hosts' ? layout.hostsHeight : nav.focus === 'detail' ? detailHeight : layout.matrixHeight) - 2),
		dialog: dialogRoom(mode, columns, layout.bodyHeight, fleetKeys),
		say: setMessage,
		reload: refresh,
		quit: exit,
	};
	useKeys((input, key) => handleFleetKey(input, key, target.current));

	const browsing = mode.kind === 'browse' || mode.kind === 'filter';
	const waiting = fleet.state.hosts.every(entry => entry.state === 'connecting');
	// Either matrix in the same place, with the same selection and filter.
	const matrixPlace = {
		row: selection.row,
		column: selection.host,
		focused: nav.focus === 'matrix',
		filter: nav.filter,
		filtering: mode.kind === 'filter',
		width: layout.leftWidth,
		height: layout.matrixHeight,
	};
	const left = (
		<Box flexDirection="column" width={layout.leftWidth}>
			<HostsPane
				hosts={fleet.state.hosts}
				drifting={drifting}
				canaries={flows.canaries}
				selected={selection.host}
				focused={nav.focus === 'hosts'}
				reading={fleet.state.reading}
				width={layout.leftWidth}
				height={layout.hostsHeight - 1}
			/>
			{layout.detailWidth === 0 && nav.focus === 'detail' ? (
				detailShown
			) : nav.view === 'images' ? (
				<ImagesPane matrix={imagesMatrix} reading={images.loading} error={images.error} {...matrixPlace} />
			) : (
				<MatrixPane matrix={matrix} waiting={waiting} {...matrixPlace} />
			)}
		</Box>
	);
	const body = browsing ? (
		<Box height={layout.bodyHeight}>
			{left}
			{layout.detailWidth > 0 ? (
				<>
					<Box width={1} />
					<Box flexDirection="column" width={layout.detailWidth}>
						{detailShown}
					</Box>
				</>
			) : null}
		</Box>
	) : (
		<ModeDialog mode={mode} width={columns} height={layout.bodyHeight} keys={fleetKeys} />
	);

	// A prompt says its own keys; the footer speaks only for the panes, a key that cannot act now dim.
	const keySelection: FleetSelection = {host: selection.entry, row: selection.matrixRow, plugin: selection.plugin, details, view: nav.view, image: selection.image};
	const footer =
		mode.kind === 'browse'
			? {items: footerOf(fleetFooterKeys(nav.view), nav.focus, columns, binding => keyReason(binding, {readOnly: services.readOnly, changes: 'the hosts', disabled: action => fleetKeyReason(action, keySelection)}))}
			: {hint: mode.kind === 'filter' ? ' type to filter  enter keep  esc clear' : ''};
	return (
		<Box flexDirection="column" width={columns}>
			<FleetHeader hosts={fleet.state.hosts.length} plugins={new Set(liveReadings(fleet.state).flatMap(reading => reading.plugins.map(plugin => plugin.name))).size} drifting={drifting.size} canaries={flows.canaries} readOnly={services.readOnly} tlsUnverified={fleet.state.hosts.filter(entry => tlsUnverified(entry.host.target)).length} width={columns} />
			{body}
			{message ? <Lines lines={[message]} width={columns} height={1} /> : null}
			<Footer {...footer} width={columns} />
		</Box>
	);
}
