import {Box, Text, useApp, useInput} from 'ink';
import {useMemo, useReducer, useRef, useState} from 'react';
import type {PluginWithUsage} from '../docker/usage.js';
import {isImmutableTag} from '../flows/builds.js';
import {summarisePlan} from '../flows/describe.js';
import {sameBuild} from '../registry/same-build.js';
import type {Plan} from '../flows/plan.js';
import type {FlowEvent} from '../flows/run.js';
import {safeText, truncate} from '../text.js';
import {Dialog, helpLines, planLines, progressLine, VersionPicker, type Choice} from './dialogs.js';
import {Header} from './header.js';
import {imageDetailLines, imageName} from './image-detail.js';
import {bindingFor, footerText, type Action, type Key, type Pane} from './keymap.js';
import {ListPane, type ListRow} from './list-pane.js';
import {Lines, line, type Line} from './lines.js';
import {navigation, type NavigationAction} from './navigation.js';
import {pluginDetailLines} from './plugin-detail.js';
import type {HostServices} from './services.js';
import {useDetails} from './use-details.js';
import {useHost} from './use-host.js';
import {usePluginUpdates} from './use-plugin-updates.js';
import {imageKey, useImageUpdates} from './use-image-updates.js';
import type {LayerProgress} from '../docker/image-pull.js';
import {useTerminalSize, type TerminalSize} from './use-terminal-size.js';
import {wrapLines} from './wrap.js';

interface Props {
	services: HostServices;
	/** Tests give a size; a terminal reports its own. */
	size?: TerminalSize;
}

/** What the body shows besides the panes: a prompt, a picker, work under way, a result. */
type Mode =
	| {kind: 'browse'}
	| {kind: 'filter'}
	| {kind: 'help'}
	| {kind: 'busy'; title: string}
	| {kind: 'confirm'; title: string; lines: Line[]; run: () => Promise<void>}
	| {kind: 'pick-version'; plugin: PluginWithUsage; choices: Choice[]}
	| {kind: 'alias'; plugin: PluginWithUsage; version: string; text: string}
	| {kind: 'running'; title: string; lines: Line[]}
	| {kind: 'result'; title: string; ok: boolean; lines: Line[]};

export function App({services, size}: Props) {
	const terminal = useTerminalSize();
	const {columns, rows} = size ?? terminal;
	const host = useHost(services);
	const {exit} = useApp();
	const [nav, navigate] = useReducer(navigation, {focus: 'plugins', selected: {plugins: 0, images: 0}, filter: {plugins: '', images: ''}, scroll: 0});
	const [mode, setMode] = useState<Mode>({kind: 'browse'});
	const [message, setMessage] = useState<Line>();
	const [health, setHealth] = useState<Record<string, string>>({});
	const [detailsVersion, setDetailsVersion] = useState(0);

	const snapshot = host.snapshot;
	const plugins = useMemo(() => filterRows(snapshot?.plugins ?? [], nav.filter.plugins, plugin => plugin.name), [snapshot, nav.filter.plugins]);
	const images = useMemo(() => filterRows(snapshot?.images ?? [], nav.filter.images, image => imageName(image)), [snapshot, nav.filter.images]);
	const plugin = plugins[Math.min(nav.selected.plugins, plugins.length - 1)];
	const image = images[Math.min(nav.selected.images, images.length - 1)];
	const listFocus: 'plugins' | 'images' = nav.focus === 'images' || (nav.focus === 'detail' && nav.detailOf === 'images') ? 'images' : 'plugins';
	const details = useDetails(services, listFocus === 'plugins' ? plugin : undefined, detailsVersion);
	const updates = usePluginUpdates(services, snapshot?.plugins);
	const imageUpdates = useImageUpdates(services, snapshot?.images);

	// Layout: header and footer a row each, the banner and message a row when shown; the rest is the body.
	const bannerShown = host.connection === 'lost' || (host.error !== undefined && host.connection !== 'live');
	const bodyHeight = Math.max(6, rows - 2 - (bannerShown ? 1 : 0) - (message ? 1 : 0));
	const leftWidth = Math.max(24, Math.min(56, Math.floor(columns * 0.38)));
	const rightWidth = Math.max(20, columns - leftWidth - 1);
	const pluginHeight = Math.max(3, Math.floor(bodyHeight / 2));
	const imageHeight = Math.max(3, bodyHeight - pluginHeight);

	const detailLines: Line[] = wrapLines(
		listFocus === 'plugins'
			? plugin
				? pluginDetailLines(plugin, details, health[plugin.id], updates.get(plugin.name))
				: [line({text: snapshot ? 'no plugin selected' : '', dim: true})]
			: image
				? imageDetailLines(image, imageUpdates.get(imageKey(image)))
				: [line({text: 'no image selected', dim: true})],
		rightWidth,
	);

	// Built again only when what they show changes: a key press that moves the selection reuses them.
	const pluginRows = useMemo(
		() =>
			plugins.map(item => ({
				key: item.id || item.name,
				text: item.name,
				mark: [
					updates.get(item.name) ? '↑' : '',
					item.enabled ? '' : 'disabled',
					/^(unresponsive|error)/.test(health[item.id] ?? '') ? '✗ unhealthy' : '',
					item.usedBy.networks.length + item.usedBy.volumes.length + item.usedBy.containers.length > 0 ? '● in use' : '',
				]
					.filter(Boolean)
					.join(' '),
			})),
		[plugins, updates, health],
	);
	const imageRows = useMemo(
		() =>
			images.map(item => ({
				key: `${item.id}/${imageName(item)}`,
				text: imageName(item),
				mark: [imageUpdates.get(imageKey(item))?.updateAvailable ? '↑' : '', item.usedBy.containers.length > 0 ? '● in use' : ''].filter(Boolean).join(' '),
			})),
		[images, imageUpdates],
	);
	const rowsOf: Record<'plugins' | 'images', ListRow[]> = {plugins: pluginRows, images: imageRows};

	const quitWhenDone = useRef(false);
	const finish = (title: string, ok: boolean, lines: Line[]) => {
		if (quitWhenDone.current) {
			exit();
			return;
		}

		setMode({kind: 'result', title, ok, lines});
		setDetailsVersion(version => version + 1);
		host.reload();
	};

	const fail = (title: string, error: unknown) => finish(title, false, [line({text: safeText((error as Error).message ?? error), color: 'red'})]);

	/** Shows work under way, one line per event, the newest at the bottom. */
	const runWithProgress = async (title: string, work: (report: (event: FlowEvent) => void) => Promise<Line[]>) => {
		const shown: Line[] = [];
		setMode({kind: 'running', title, lines: shown});
		const report = (event: FlowEvent) => {
			const next = progressLine(event);
			if (next) {
				shown.push(next);
				setMode({kind: 'running', title, lines: shown.slice(-Math.max(1, bodyHeight - 3))});
			}
		};

		try {
			finish(title, true, await work(report));
		} catch (error) {
			fail(title, error);
		}
	};

	/** An image pull with a bar per layer, updated in place. */
	const pullWithProgress = async (reference: string) => {
		const title = `Pull ${reference}`;
		const layers = new Map<string, LayerProgress>();
		setMode({kind: 'running', title, lines: []});
		const draw = () =>
			setMode({
				kind: 'running',
				title,
				lines: [...layers.values()].slice(-Math.max(1, bodyHeight - 3)).map(layer => layerLine(layer, columns)),
			});
		try {
			const pulled = await services.pullImage!(reference, progress => {
				layers.set(progress.id ?? progress.status, progress);
				draw();
			});
			finish(title, true, [line({text: pulled.upToDate ? `${reference} was already up to date` : `${reference} is pulled`, color: 'green'})]);
		} catch (error) {
			fail(title, error);
		}
	};

	const confirmPlan = (plan: Plan) => {
		if (plan.refusal) {
			finish(`${plan.action} ${plan.origin.name}: refused`, false, [line({text: plan.refusal.message, color: 'yellow'}), line({text: 'nothing was changed', dim: true})]);
			return;
		}

		const summary = summarisePlan(plan);
		setMode({
			kind: 'confirm',
			title: `${capitalise(plan.action)} ${plan.origin.name}?`,
			lines: planLines(summary),
			run: async () =>
				runWithProgress(`${capitalise(plan.action)} ${plan.origin.name}`, async report => {
					const result = await services.run(plan, report);
					return [
						line({text: `done: ${result.plugin.name} is ${result.plugin.enabled ? 'enabled' : 'disabled'} at ${plan.destination.tag || plan.destination.remote}`, color: 'green'}),
					];
				}),
		});
	};

	const startPlan = (title: string, make: () => Promise<Plan>) => {
		setMode({kind: 'busy', title});
		make().then(confirmPlan, (error: unknown) => fail(title, error));
	};

	const simpleChange = (title: string, lines: Line[], change: () => Promise<void>, done: string) => {
		setMode({
			kind: 'confirm',
			title,
			lines,
			run: async () => runWithProgress(title.replace(/\?$/, ''), async () => {
				await change();
				return [line({text: done, color: 'green'})];
			}),
		});
	};

	const act = (action: Action) => {
		const onPlugins = listFocus === 'plugins';
		switch (action) {
			case 'upgrade': {
				if (onPlugins && plugin) {
					startPlan(`Preparing the upgrade of ${plugin.name}…`, async () => services.plan({kind: 'upgrade', plugin}));
				}

				break;
			}

			case 'rollback': {
				if (onPlugins && plugin) {
					startPlan(`Preparing the rollback of ${plugin.name}…`, async () => services.plan({kind: 'rollback', plugin}));
				}

				break;
			}

			case 'reinstall': {
				if (onPlugins && plugin) {
					const known = details?.status === 'ready' ? details.details : undefined;
					const settled = (known?.history ?? []).filter(entry => entry.outcome === 'ok' && entry.tag);
					// A moving tag names today's build, not the one in the history: that one is offered by its digest.
					const fromHistory = settled.filter(entry => isImmutableTag(entry.tag) || !entry.identity.digest).map(entry => entry.tag);
					const builds = [
						...new Map(
							settled
								.filter(entry => !isImmutableTag(entry.tag) && entry.identity.digest && !sameBuild(entry.identity.diffIds, plugin.diffIds))
								.map(entry => [entry.identity.digest!, entry]),
						).values(),
					].map(entry => ({
						label: `${entry.tag} @ ${entry.identity.digest!.slice(7, 19)}  (history build, ${entry.time.slice(0, 10)})`,
						value: entry.identity.digest!,
					}));
					const choices = [
						...[...new Set([...(known?.tags ?? []), ...fromHistory])].map(tag => ({
							label: `${tag}${tag === plugin.tag ? '  (installed)' : ''}${tag === known?.previousTag ? '  (previous)' : ''}${tag === known?.latestPatch ? '  (latest patch)' : ''}${fromHistory.includes(tag) && !(known?.tags ?? []).includes(tag) ? '  (history)' : ''}`,
							value: tag,
						})),
						...builds,
					];
					if (choices.length === 0) {
						setMessage(line({text: known ? 'no versions known for this plugin: its registry listed no tags' : 'still reading its tags: try again in a moment', color: 'yellow'}));
					} else {
						setMode({kind: 'pick-version', plugin, choices});
					}
				}

				break;
			}

			case 'auto-update': {
				if (onPlugins && snapshot) {
					const preview = services.autoUpdatePreview(snapshot.plugins);
					const lines = preview.map(item =>
						item.reason ? line({text: `  skip     ${item.plugin}`, dim: true}, {text: `  ${item.reason}`, dim: true}) : line({text: `  upgrade  ${item.plugin}`, bold: true}),
					);
					setMode({
						kind: 'confirm',
						title: 'Auto-update every rolling plugin that nothing uses?',
						lines: [line({text: 'each upgrade: docker plugin disable → docker plugin upgrade → docker plugin enable', dim: true}), ...lines],
						run: async () =>
							runWithProgress('Auto-update', async report => {
								const outcomes = await services.autoUpdate((name, event) => report(event));
								const failed = outcomes.filter(outcome => outcome.result === 'failed');
								const result = outcomes.map(outcome =>
									line(
										{text: `${outcome.result.padEnd(9)}`, color: outcome.result === 'failed' ? 'red' : outcome.result === 'upgraded' ? 'green' : undefined},
										outcome.plugin,
										outcome.result === 'upgraded' ? '' : {text: `  ${outcome.reason}`, dim: true},
									),
								);
								if (failed.length > 0) {
									throw new Error(`${failed.length} of ${outcomes.length} failed: ${failed.map(outcome => `${outcome.plugin} (${outcome.reason})`).join('; ')}`);
								}

								return result;
							}),
					});
				}

				break;
			}

			case 'enable':
			case 'disable': {
				if (onPlugins && plugin) {
					const enable = action === 'enable';
					if (plugin.enabled === enable) {
						setMessage(line({text: `${plugin.name} is already ${enable ? 'enabled' : 'disabled'}`, dim: true}));
						break;
					}

					simpleChange(
						`${enable ? 'Enable' : 'Disable'} ${plugin.name}?`,
						[
							line({text: `$ docker plugin ${action} ${plugin.name}`, dim: true}),
							...(enable ? [] : [line({text: '! volumes and networks of this driver stop working until it is enabled again', color: 'yellow'})]),
						],
						async () => services.setEnabled(plugin, enable),
						`${plugin.name} is ${enable ? 'enabled' : 'disabled'}`,
					);
				}

				break;
			}

			case 'remove': {
				if (onPlugins && plugin) {
					simpleChange(
						`Remove ${plugin.name}?`,
						[
							...(plugin.enabled ? [line({text: `$ docker plugin disable ${plugin.name}`, dim: true})] : []),
							line({text: `$ docker plugin rm ${plugin.name}`, dim: true}),
							line({text: 'its history stays in the ledger', dim: true}),
						],
						async () => services.remove(plugin),
						`${plugin.name} is removed`,
					);
				} else if (!onPlugins && image && services.removeImage) {
					const reference = image.dangling ? image.id : imageName(image);
					if (image.usedBy.containers.length > 0) {
						setMessage(line({text: `${reference} is used by ${image.usedBy.containers.join(', ')}: remove those containers first`, color: 'yellow'}));
						break;
					}

					simpleChange(`Remove the image ${reference}?`, [line({text: `$ docker image rm ${reference}`, dim: true})], async () => services.removeImage!(reference), `${reference} is removed`);
				}

				break;
			}

			case 'pull': {
				if (!onPlugins && image && !image.dangling && services.pullImage) {
					const reference = imageName(image);
					setMode({
						kind: 'confirm',
						title: `Pull ${reference}?`,
						lines: [
							line({text: `$ docker pull ${reference}`, dim: true}),
							line({text: 'containers keep the build they run until they are re-created', dim: true}),
						],
						run: async () => pullWithProgress(reference),
					});
				}

				break;
			}

			case 'health': {
				if (onPlugins && plugin && services.health) {
					setHealth(current => ({...current, [plugin.id]: 'checking…'}));
					services.health(plugin).then(
						text => setHealth(current => ({...current, [plugin.id]: text})),
						(error: unknown) => setHealth(current => ({...current, [plugin.id]: `health: ${(error as Error).message}`})),
					);
				}

				break;
			}

			default:
		}
	};

	// A key can arrive before Ink re-subscribes this render's handler: read what is current from refs.
	const latest = useRef({nav, mode, counts: {plugins: 0, images: 0}, detailLength: 0, act, page: 1});
	latest.current = {nav, mode, counts: {plugins: plugins.length, images: images.length}, detailLength: detailLines.length, act, page: Math.max(1, bodyHeight - 2)};

	// Keys typed fast, held down, or pasted reach us over SSH as one chunk ("jjj", "text\r"): each
	// character is a key of its own, Enter and Backspace included.
	useInput((input, key) => {
		if (input.length > 1 && !key.ctrl && !key.meta && !key.escape) {
			for (const character of input) {
				if (character === '\r' || character === '\n') {
					onKey('', {...key, return: true});
				} else if (character === '\t') {
					onKey('', {...key, return: false, tab: true});
				} else if (character === '\u007F' || character === '\b') {
					onKey('', {...key, return: false, backspace: true});
				} else {
					onKey(character, {...key, return: false});
				}
			}

			return;
		}

		onKey(input, key);
	});

	/** Mode and navigation also change at once in `latest`, so the next key of the same chunk sees them. */
	const setModeNow = (next: Mode) => {
		latest.current.mode = next;
		setMode(next);
	};

	const navigateNow = (action: NavigationAction) => {
		latest.current.nav = navigation(latest.current.nav, action);
		navigate(action);
	};

	function onKey(input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) {
		const current = latest.current;
		const {mode: currentMode} = current;
		if (key.ctrl && input === 'c') {
			if (currentMode.kind === 'running') {
				// Never leave a plugin half-changed: the flow finishes (or is undone), then we quit.
				quitWhenDone.current = true;
				setMessage(line({text: 'a change is under way: kasm-tui quits as soon as it has finished or been undone', color: 'yellow'}));
			} else {
				exit();
			}

			return;
		}

		switch (currentMode.kind) {
			case 'filter': {
				const pane = current.nav.focus === 'images' ? 'images' : 'plugins';
				if (key.return) {
					setModeNow({kind: 'browse'});
				} else if (key.escape) {
					navigateNow({type: 'filter', pane, text: ''});
					setModeNow({kind: 'browse'});
				} else if (key.backspace || key.delete) {
					navigateNow({type: 'filter', pane, text: current.nav.filter[pane].slice(0, -1)});
				} else if (input && !key.ctrl && !key.meta) {
					navigateNow({type: 'filter', pane, text: current.nav.filter[pane] + safeText(input)});
				}

				return;
			}

			case 'help': {
				if (key.escape || input === '?' || input === 'q') {
					setModeNow({kind: 'browse'});
				}

				return;
			}

			case 'confirm': {
				if (input === 'y' || input === 'Y') {
					void currentMode.run();
				} else if (input === 'n' || input === 'N' || key.escape) {
					setModeNow({kind: 'browse'});
					setMessage(line({text: 'cancelled: nothing was changed', dim: true}));
				}

				return;
			}

			case 'pick-version': {
				if (key.escape) {
					setModeNow({kind: 'browse'});
				}

				return;
			}

			case 'alias': {
				if (key.return) {
					const alias = currentMode.text.trim();
					const {plugin: target, version} = currentMode;
					startPlan(`Preparing the reinstall of ${target.name}…`, async () =>
						services.plan({kind: 'reinstall', plugin: target, version, alias: alias === '' ? undefined : alias}),
					);
				} else if (key.escape) {
					setModeNow({kind: 'browse'});
				} else if (key.backspace || key.delete) {
					setModeNow({...currentMode, text: currentMode.text.slice(0, -1)});
				} else if (input && !key.ctrl && !key.meta) {
					setModeNow({...currentMode, text: currentMode.text + safeText(input)});
				}

				return;
			}

			case 'busy':
			case 'running': {
				return;
			}

			case 'result': {
				if (key.escape || key.return || input === 'q' || input === ' ') {
					setModeNow({kind: 'browse'});
				}

				return;
			}

			case 'browse': {
				break;
			}
		}

		setMessage(undefined);
		const binding = bindingFor(current.nav.focus, input, key as Key);
		if (!binding) {
			return;
		}

		if (binding.changes && services.readOnly) {
			setMessage(line({text: `read-only (--read-only): "${binding.description}" would change the daemon, so it is refused`, color: 'yellow'}));
			return;
		}

		switch (binding.action) {
			case 'quit': {
				exit();
				return;
			}

			case 'help': {
				setModeNow({kind: 'help'});
				return;
			}

			case 'filter': {
				setModeNow({kind: 'filter'});
				return;
			}

			case 'reload': {
				host.reload();
				setDetailsVersion(version => version + 1);
				return;
			}

			case 'back': {
				navigateNow({type: 'back'});
				return;
			}

			case 'next-pane':
			case 'previous-pane':
			case 'open':
			case 'up':
			case 'down':
			case 'page-up':
			case 'page-down': {
				navigateNow({type: binding.action, counts: current.counts, page: current.page, detailLength: current.detailLength});
				return;
			}

			default: {
				current.act(binding.action);
			}
		}
	}

	const body = (() => {
		if (!snapshot) {
			return (
				<Box height={bodyHeight} width={columns}>
					<Text color={host.error ? 'red' : undefined}>{truncate(host.error ?? `reading ${services.target.address}…`, columns * 3)}</Text>
				</Box>
			);
		}

		switch (mode.kind) {
			case 'help': {
				return <Dialog title="Keys: every key, from the keymap" lines={helpLines(columns, bodyHeight - 3)} hint="esc or ? back" width={columns} height={bodyHeight} />;
			}

			case 'busy': {
				return <Dialog title={mode.title} lines={[line({text: 'asking the daemon and the registry…', dim: true})]} hint="" width={columns} height={bodyHeight} />;
			}

			case 'confirm': {
				return <Dialog title={mode.title} lines={mode.lines} hint="y go ahead   n or esc cancel (nothing changes)" width={columns} height={bodyHeight} />;
			}

			case 'running': {
				return <Dialog title={`${mode.title}…`} lines={mode.lines} hint="working: the plugin is locked against other kasm-tui processes" width={columns} height={bodyHeight} />;
			}

			case 'result': {
				return (
					<Dialog
						title={`${mode.title}: ${mode.ok ? 'done' : 'failed'}`}
						lines={mode.lines}
						hint="enter or esc back"
						width={columns}
						height={bodyHeight}
					/>
				);
			}

			case 'pick-version': {
				return (
					<VersionPicker
						title={`Reinstall ${mode.plugin.name}: which version?`}
						choices={mode.choices}
						width={columns}
						height={bodyHeight}
						onSelect={choice => setMode({kind: 'alias', plugin: mode.plugin, version: choice.value, text: ''})}
					/>
				);
			}

			case 'alias': {
				return (
					<Dialog
						title={`Reinstall ${mode.plugin.name} at ${mode.version.startsWith('sha256:') ? mode.version.slice(0, 19) : mode.version}: under which name?`}
						lines={[
							line({text: 'alias: ', dim: true}, {text: mode.text}, {text: '█'}),
							line({
								text: mode.version.startsWith('sha256:')
									? 'empty: a pinned name, unless a release tag still holds the build'
									: `empty: the registry reference, as Kasm's script does`,
								dim: true,
							}),
							line({text: 'a name ending in -rolling… turns automated updates on', dim: true}),
						]}
						hint="enter continue   esc cancel"
						width={columns}
						height={bodyHeight}
					/>
				);
			}

			default: {
				const scroll = nav.focus === 'detail' ? Math.min(nav.scroll, Math.max(0, detailLines.length - bodyHeight)) : 0;
				return (
					<Box height={bodyHeight}>
						<Box flexDirection="column" width={leftWidth}>
							<ListPane
								title="Plugins"
								filter={nav.filter.plugins}
								filtering={mode.kind === 'filter' && nav.focus === 'plugins'}
								rows={rowsOf.plugins}
								selected={Math.min(nav.selected.plugins, Math.max(0, plugins.length - 1))}
								focused={nav.focus === 'plugins'}
								width={leftWidth}
								height={pluginHeight - 1}
							/>
							<ListPane
								title="Images"
								filter={nav.filter.images}
								filtering={mode.kind === 'filter' && nav.focus === 'images'}
								rows={rowsOf.images}
								selected={Math.min(nav.selected.images, Math.max(0, images.length - 1))}
								focused={nav.focus === 'images'}
								width={leftWidth}
								height={imageHeight - 1}
							/>
						</Box>
						<Box width={1} />
						<Box flexDirection="column" width={rightWidth}>
							<Lines lines={detailLines.slice(scroll, scroll + bodyHeight)} width={rightWidth} height={bodyHeight} />
						</Box>
					</Box>
				);
			}
		}
	})();

	// A prompt says its own keys; the footer speaks only for the panes.
	const footer =
		mode.kind === 'filter' ? ' type to filter  enter keep  esc clear' : mode.kind === 'browse' ? footerText(nav.focus, columns, services.readOnly) : '';
	return (
		<Box flexDirection="column" width={columns}>
			<Header target={services.target} readOnly={services.readOnly} snapshot={snapshot} width={columns} />
			{bannerShown ? (
				<Text color="red" bold>
					{truncate(` daemon lost: ${host.error ?? 'the event stream ended'}; reconnecting… (the panes show the last state read)`, columns)}
				</Text>
			) : null}
			{body}
			{message ? <Lines lines={[message]} width={columns} height={1} /> : null}
			<Text dimColor>{truncate(footer, columns)}</Text>
		</Box>
	);
}

function filterRows<Row>(rows: Row[], filter: string, text: (row: Row) => string): Row[] {
	const wanted = filter.trim().toLowerCase();
	return wanted === '' ? rows : rows.filter(row => text(row).toLowerCase().includes(wanted));
}

function layerLine(layer: LayerProgress, width: number): Line {
	const share = layer.total ? Math.min(1, (layer.current ?? 0) / layer.total) : undefined;
	const barWidth = Math.max(10, Math.min(30, width - 60));
	const bar = share === undefined ? '' : ` [${'='.repeat(Math.round(share * barWidth)).padEnd(barWidth)}] ${Math.round(share * 100)}%`;
	return line({text: `  ${(layer.id ?? '').padEnd(13)}`, dim: true}, layer.status, bar ? {text: bar, color: 'cyan'} : undefined);
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
