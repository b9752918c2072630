import type {IncomingMessage} from 'node:http';
import Modem from 'docker-modem';
import Docker from 'dockerode';
import type {RegistryAuth} from './request.js';
import type {Connections, EngineAgent} from './transport.js';

/**
 * dockerode (with docker-modem) on our own connections (transport.ts): every Engine API request
 * kasm-tui makes is made here. Loaded when the first Engine opens, so a command that never talks
 * to a daemon never loads it. The build leaves out the parts of dockerode we never call
 * (BuildKit sessions, ssh2, build contexts): see leftOut in source/build/plugins.ts.
 */

/**
 * A request spelled out, for the endpoints whose dockerode helper sends it wrong: plugin pull
 * and upgrade need the privileges as the body and `remote` in the query (its upgrade sends no
 * body; its pull and privileges send no X-Registry-Auth), disable and volume remove drop their
 * `force`, enable sends its `timeout` as a body too, and image inspect takes no deadline.
 */
export interface DialRequest {
	method: 'GET' | 'POST' | 'DELETE';
	/** Path with its parameters already encoded, without the API version: `/plugins/${encodeName(name)}/disable`. */
	path: string;
	/** Left out when undefined. */
	query?: Record<string, string | number | boolean | undefined>;
	/** Sent as JSON; an empty array is sent too (the pull endpoints need `[]`). */
	body?: unknown;
	/** Sent as X-Registry-Auth. */
	auth?: RegistryAuth;
	signal?: AbortSignal;
}

type Deadline = {abortSignal?: AbortSignal};

/**
 * The dockerode methods kasm-tui calls, typed as dockerode 5 has them (@types/dockerode is of
 * dockerode 4: no `abortSignal`, no promise form of some). What they answer is the daemon's JSON,
 * not trusted: each caller reads it as unknown.
 */
export interface Dockerode {
	info(options: Deadline): Promise<unknown>;
	version(options: Deadline): Promise<unknown>;
	listPlugins(options: Deadline): Promise<unknown>;
	listContainers(options: Deadline & {all?: boolean; filters?: Record<string, string[]>}): Promise<unknown>;
	listImages(options: Deadline): Promise<unknown>;
	listNetworks(options: Deadline): Promise<unknown>;
	listVolumes(options: Deadline): Promise<unknown>;
	/** A stream of JSON lines; `filters` as JSON, `since` as the API's seconds. */
	getEvents(options: Deadline & {filters?: string; since?: string}): Promise<IncomingMessage>;
	/** `docker pull`: a stream of progress lines. */
	createImage(auth: RegistryAuth | undefined, options: Deadline & {fromImage: string; tag: string}): Promise<IncomingMessage>;
	createVolume(options: Deadline & {Name: string; Driver: string; Labels?: Record<string, string>}): Promise<unknown>;
	createNetwork(options: Deadline & {Name: string; Driver: string; Internal?: boolean; CheckDuplicate?: boolean; Labels?: Record<string, string>}): Promise<{id?: unknown}>;
	/** Names and ids go into the path as they are: hand them over encoded (encodeName). */
	getVolume(name: string): {inspect(options: Deadline): Promise<unknown>};
	getNetwork(id: string): {remove(options?: Deadline): Promise<unknown>};
	getImage(name: string): {remove(): Promise<unknown>};
	getPlugin(name: string): {
		inspect(options: Deadline): Promise<unknown>;
		/** The settings as the body: `KEY=VALUE`, `NAME.source=…`. */
		configure(options: Deadline & {_body: string[]}): Promise<unknown>;
		remove(options: Deadline & {force?: boolean}): Promise<unknown>;
	};
}

/** What one request is made with: dockerode in the API version agreed with the daemon. */
export interface EngineApi {
	/** On the connections kept for requests. */
	docker: Dockerode;
	/** On the connections for streams: over ssh, an ssh process per stream. */
	streams: Dockerode;
	/** For a read, or a change under a step deadline: its deadline, to hand dockerode as `abortSignal`. */
	signal?: AbortSignal;
	/** modem.dial on the kept connections, answered with the parsed JSON (or the bytes, when not JSON). */
	dial<T>(request: DialRequest): Promise<T>;
	/** modem.dial on a stream connection, answered with the stream once its status says success. */
	dialStream(request: DialRequest): Promise<IncomingMessage>;
}

/** Success for docker-modem is a status marked true; it makes every other an error with `statusCode` and `json`. */
const success = {200: true, 201: true, 204: true};

/** Any status: for /_ping, whose API-Version header counts whatever the status (a daemon still starting answers 500). */
const anyStatus = Object.fromEntries(Array.from({length: 500}, (_, index) => [index + 100, true])) as Record<number, true>;

/**
 * A docker-modem that sends on `agent`. Made without its constructor, which reads DOCKER_HOST,
 * DOCKER_CERT_PATH (reading the files there) and DOCKER_CLIENT_TIMEOUT, and throws on a
 * DOCKER_HOST it cannot parse, whatever --host said. The fields are the constructor's (a unit
 * test holds them to it); `socketPath` only makes docker-modem leave the connecting to the agent,
 * and `version` (`v1.45`) is put before every path.
 */
export function modemOn(agent: EngineAgent, socketPath: string, apiVersion?: string): Modem {
	return Object.assign(Object.create(Modem.prototype) as Modem, {
		host: undefined,
		socketPath,
		port: undefined,
		pathPrefix: undefined,
		username: undefined,
		password: undefined,
		version: apiVersion === undefined ? undefined : `v${apiVersion}`,
		key: undefined,
		cert: undefined,
		ca: undefined,
		timeout: undefined,
		connectionTimeout: undefined,
		checkServerIdentity: undefined,
		agent,
		headers: {},
		sshOptions: {},
		protocol: 'http',
	});
}

function definedOnly(query: DialRequest['query']): Record<string, string | number | boolean> {
	return Object.fromEntries(Object.entries(query ?? {}).filter(([, value]) => value !== undefined)) as Record<string, string | number | boolean>;
}

async function dial<T>(modem: Modem, request: DialRequest, {isStream = false, statusCodes = success}: {isStream?: boolean; statusCodes?: Record<number, boolean>} = {}): Promise<T> {
	const query = definedOnly(request.query);
	const hasQuery = Object.keys(query).length > 0;
	return new Promise((resolve, reject) => {
		modem.dial(
			{
				// docker-modem adds the query only to a path that ends in `?`.
				path: hasQuery ? `${request.path}?` : request.path,
				method: request.method,
				// A POST without a body sends `{}`, which docker-modem leaves out.
				options: {_query: query, _body: request.body ?? {}},
				...(request.auth ? {authconfig: request.auth} : {}),
				...(request.signal ? {abortSignal: request.signal} : {}),
				isStream,
				statusCodes,
			},
			(error, answer) => {
				if (error) {
					reject(error);
				} else {
					resolve(answer as T);
				}
			},
		);
	});
}

/** The Engine API in `apiVersion` on a daemon's connections. */
export function apiOn(connections: Connections, apiVersion: string): Omit<EngineApi, 'signal'> {
	const requests = modemOn(connections.requests, connections.socketPath, apiVersion);
	const streams = connections.streams === connections.requests ? requests : modemOn(connections.streams, connections.socketPath, apiVersion);
	return {
		docker: new Docker({modem: requests} as Docker.DockerOptions) as unknown as Dockerode,
		streams: new Docker({modem: streams} as Docker.DockerOptions) as unknown as Dockerode,
		dial: async <T>(request: DialRequest) => dial<T>(requests, request),
		dialStream: async request => dial<IncomingMessage>(streams, request, {isStream: true}),
	};
}

/** The newest API version the daemon speaks, from `/_ping`'s API-Version header (unversioned); undefined if it names none. */
export async function pingFor(connections: Connections, signal: AbortSignal): Promise<string | undefined> {
	const response = await dial<IncomingMessage>(modemOn(connections.requests, connections.socketPath), {method: 'GET', path: '/_ping', signal}, {isStream: true, statusCodes: anyStatus});
	// The headers say it all.
	response.resume();
	const header = response.headers['api-version'];
	return typeof header === 'string' && header !== '' ? header : undefined;
}

/** Whether the daemon answers at all, on a connection of its own: any HTTP answer to /_ping counts. */
export async function answersOnFresh(connections: Connections, signal: AbortSignal): Promise<boolean> {
	try {
		const response = await dial<IncomingMessage>(modemOn(connections.fresh, connections.socketPath), {method: 'GET', path: '/_ping', signal}, {isStream: true, statusCodes: anyStatus});
		response.destroy();
		return true;
	} catch {
		return false;
	}
}
