import packageJson from '../../package.json' with {type: 'json'};
import type {EngineTarget} from '../docker/target.js';
import {Engine, type DaemonInfo, type EngineVersion} from '../docker/engine.js';
import type {RegistryAuth} from '../docker/request.js';
import {currentUser, type Ledger} from '../ledger/ledger.js';
import {hostLedger} from './host-ledger.js';
import {RegistryClient} from '../registry/client.js';
import type {RegistrySession} from '../registry/session.js';
import {DockerCredentials, serverAddressOf} from '../registry/credentials.js';
import {parseReference} from '../docker/reference.js';
import {registerSecret} from '../secrets.js';
import {safeText} from '../text.js';
import type {SessionPolicy} from './sessions.js';
import type {KasmRestartRequest} from './kasm-restart.js';

/** Everything a flow talks to, opened once per command or screen. */
export interface FlowContext {
	engine: Engine;
	engineVersion: EngineVersion;
	ledger: Ledger;
	registry: RegistryClient;
	credentials: DockerCredentials;
	readOnly: boolean;
	user: string;
	/** kasm-tui's version, recorded in every ledger entry. */
	version: string;
	/** Who the host is in messages: its fleet name, else the daemon's name and address. */
	hostName: string;
	/** What a change does about live Kasm sessions; refuse when not given. */
	sessions?: SessionPolicy;
	/** --with-kasm-restart: a change that Kasm's services keep from happening stops Kasm first and starts it after. */
	kasmRestart?: KasmRestartRequest;
}

export interface FlowContextOptions {
	target: EngineTarget;
	ledgerDir?: string;
	readOnly?: boolean;
	/** One already open for the target, to share its connections and its count of calls. */
	engine?: Engine;
	/** The run's registry (a fleet's hosts share one, and its answers); default: a client of its own. */
	registries?: RegistrySession;
	/** The host's name in the fleet; a single host is named by its daemon. */
	hostName?: string;
	sessions?: SessionPolicy;
	kasmRestart?: KasmRestartRequest;
}

export async function openFlowContext(options: FlowContextOptions): Promise<FlowContext> {
	const engine = options.engine ?? (await Engine.open(options.target));
	const [engineVersion, info, ledger] = await Promise.all([engine.version(), engine.info(), hostLedger(engine, options)]);
	const credentials = options.registries?.credentials ?? new DockerCredentials();
	return {
		engine,
		engineVersion,
		ledger,
		// The registries the daemon pulls from over plain HTTP are the ones we may read that way too.
		registry: options.registries?.clientFor(insecureRegistriesOf(info)) ?? new RegistryClient({credentials, insecureRegistries: insecureRegistriesOf(info)}),
		credentials,
		readOnly: Boolean(options.readOnly),
		user: currentUser(),
		version: packageJson.version,
		hostName: options.hostName ?? daemonName(info, options.target),
		sessions: options.sessions,
		kasmRestart: options.kasmRestart,
	};
}

/** `host-1 (unix:///var/run/docker.sock)`: the daemon's own name, and where it was reached. */
function daemonName(info: DaemonInfo, target: EngineTarget): string {
	const name = typeof info.Name === 'string' && info.Name !== '' ? safeText(info.Name).slice(0, 100) : '';
	return name ? `${name} (${safeText(target.address)})` : safeText(target.address);
}

export function insecureRegistriesOf(info: DaemonInfo): string[] {
	const config = info.RegistryConfig ?? {};
	const indexes = Object.values(config.IndexConfigs ?? {})
		.filter(index => index && index.Secure === false && index.Name)
		.map(index => safeText(index!.Name));
	return [...indexes, ...(config.InsecureRegistryCIDRs ?? []).map(cidr => safeText(cidr))];
}

/** The credentials the daemon needs to pull `remote`, as X-Registry-Auth; none when there are none. */
export async function pullAuth(context: Pick<FlowContext, 'credentials'>, remote: string): Promise<RegistryAuth | undefined> {
	const {registry} = parseReference(remote);
	const found = await context.credentials.get(registry);
	if (!found) {
		return undefined;
	}

	registerSecret(found.password, found.username);
	registerSecret(found.identityToken);
	return {
		username: found.username,
		password: found.password,
		identitytoken: found.identityToken,
		serveraddress: serverAddressOf(registry),
	};
}
