import {KasmTuiError, Refused} from '../errors.js';
import {mapLimited} from '../limit.js';
import {loginHint} from './reference.js';
import {familiarReference, parseReference, type Reference} from './reference.js';
import {safeText} from '../text.js';
import type {Engine} from './engine.js';
import {PluginPullFailed} from './errors.js';
import {ImagePullFailed} from './image-errors.js';
import {followProgress} from './plugin-ops.js';
import type {IncomingMessage} from 'node:http';
import {daemonWords, type RegistryAuth} from './request.js';
import {redact, registerSecret} from '../secrets.js';

/** One line of an image pull's progress: a layer's status, or the pull's own (`Digest: …`, `Status: …`). */
export interface LayerProgress {
	/** The image as `parseImageList` spelled it. */
	image: string;
	/** The layer (short id), or the tag for the pull's own lines. */
	id?: string;
	/** `Pulling fs layer`, `Downloading`, `Download complete`, `Extracting`, `Pull complete`, `Already exists`… */
	status: string;
	current?: number;
	total?: number;
}

export type ImagePullOutcome =
	| {image: string; result: 'pulled' | 'up-to-date'; digest?: string}
	| {image: string; result: 'failed'; error: string};

export interface PullImageOptions {
	/** Sent as X-Registry-Auth; never printed, and cut out of any error the daemon sends back. */
	auth?: RegistryAuth;
	onProgress?: (progress: LayerProgress) => void;
	signal?: AbortSignal;
}

export interface PullImagesOptions {
	/** Pulls at once: Kasm's agents default to 2. */
	maxPulls: number;
	/** The credentials for one image's registry; a failure here fails that image only. */
	authFor?: (image: string) => Promise<RegistryAuth | undefined>;
	onProgress?: (progress: LayerProgress) => void;
	/** Called as each pull ends, in the order they end. */
	onOutcome?: (outcome: ImagePullOutcome) => void;
	signal?: AbortSignal;
	/** `--read-only`: refuse before anything is pulled. */
	readOnly?: boolean;
}

/**
 * The images to pull, each checked and spelled as the docker CLI shows it (`alpine:latest`,
 * `127.0.0.1:5000/kt/app:v1`), duplicates dropped. A malformed one throws BadInput, so nothing
 * is pulled from a list with a typo in it.
 */
export function parseImageList(images: readonly string[]): string[] {
	return [...new Set(images.map(image => familiarReference(parseReference(image))))];
}

/** Read-only is enforced where the pull happens, and the command asks the same before it connects. */
export function refusePullWhenReadOnly(readOnly: boolean | undefined): void {
	if (readOnly) {
		throw new Refused('kasm-tui is read-only (--read-only): it will not pull images');
	}
}

/**
 * `docker pull`, through POST /images/create: reads the progress to its end, because the daemon
 * reports most failures as an `error` line in a 200 answer. Resolves with whether anything was new.
 */
export async function pullImage(engine: Engine, image: string, options: PullImageOptions = {}): Promise<{upToDate: boolean; digest?: string}> {
	const reference = parseReference(image);
	const name = familiarReference(reference);
	const fromImage = familiarReference({...reference, tag: undefined, digest: undefined});
	const {auth} = options;
	// A change: on a fleet's host it is given up once the daemon says nothing new for --step-timeout; progress keeps it alive.
	return engine.change(`pull ${name}`, async ({streams, signal: deadline}, alive) => {
		let stream: IncomingMessage;
		const signals = [options.signal, deadline].filter((signal): signal is AbortSignal => signal !== undefined);
		try {
			// POST /images/create, X-Registry-Auth from `auth`; a digest goes where the tag would, the daemon takes either.
			stream = await streams.createImage(auth, {fromImage, tag: reference.digest ?? reference.tag ?? 'latest', ...(signals.length > 0 ? {abortSignal: AbortSignal.any(signals)} : {})});
		} catch (error) {
			if (typeof (error as {statusCode?: unknown}).statusCode === 'number') {
				throw new ImagePullFailed(name, withHint(withoutSecrets(daemonWords(error), auth), reference, auth));
			}

			throw error;
		}

		let upToDate = false;
		try {
			const {digest} = await followProgress(stream, name, progress => {
				upToDate ||= /^Status: Image is up to date/i.test(progress.status);
				options.onProgress?.({
					image: name,
					status: withoutSecrets(progress.status, auth),
					...(progress.id === undefined ? {} : {id: progress.id}),
					...(progress.current === undefined ? {} : {current: progress.current}),
					...(progress.total === undefined ? {} : {total: progress.total}),
				});
			}, alive);
			return digest ? {upToDate, digest} : {upToDate};
		} catch (error) {
			// followProgress speaks of plugins; the reason is the daemon's own words.
			throw error instanceof PluginPullFailed ? new ImagePullFailed(name, withHint(withoutSecrets(error.reason, auth), reference, auth)) : error;
		}
	});
}

/**
 * Pulls a list with at most `maxPulls` at a time. Each pull stands alone: one that fails is
 * reported with its reason and the others go on. Outcomes come back in the order of `images`.
 */
export async function pullImages(engine: Engine, images: readonly string[], options: PullImagesOptions): Promise<ImagePullOutcome[]> {
	refusePullWhenReadOnly(options.readOnly);
	return mapLimited(images, options.maxPulls, async (image): Promise<ImagePullOutcome> => {
		let outcome: ImagePullOutcome;
		let auth: RegistryAuth | undefined;
		try {
			auth = await options.authFor?.(image);
			const {upToDate, digest} = await pullImage(engine, image, {auth, onProgress: options.onProgress, signal: options.signal});
			outcome = {image, result: upToDate ? 'up-to-date' : 'pulled', ...(digest ? {digest} : {})};
		} catch (error) {
			outcome = {image, result: 'failed', error: withoutSecrets(reasonOf(error), auth)};
		}

		options.onOutcome?.(outcome);
		return outcome;
	});
}

/** The registry's refusal, with what to do about it: check the name, log in, or log in again. */
function withHint(reason: string, reference: Reference, auth: RegistryAuth | undefined): string {
	if (/manifest unknown|not found/i.test(reason)) {
		return `${reason} (check the name and tag: "kasm-tui tags ${reference.registry}/${reference.repository}" lists the tags)`;
	}

	if (!/unauthorized|no basic auth credentials|authentication required|access.*denied|denied.*access/i.test(reason)) {
		return reason;
	}

	return auth
		? `${reason} (the registry refused the credentials in the docker config: log in again with "${loginHint(reference.registry)}")`
		: `${reason} (no credentials for ${reference.registry} in the docker config: run "${loginHint(reference.registry)}")`;
}

function reasonOf(error: unknown): string {
	if (error instanceof ImagePullFailed) {
		return error.reason;
	}

	if (error instanceof KasmTuiError) {
		return error.message;
	}

	return safeText((error as Error)?.message ?? error).slice(0, 300);
}

/**
 * The daemon's words come from the registry, and a registry may echo what it was sent; the
 * secrets we handed the daemon are cut out of anything we pass on, in plain and in Basic form.
 */
export function withoutSecrets(text: string, auth: RegistryAuth | undefined): string {
	if (!auth) {
		return text;
	}

	registerSecret(auth.password, auth.username ?? '');
	registerSecret(auth.identitytoken);
	registerSecret(auth.registrytoken);
	return redact(text);
}
