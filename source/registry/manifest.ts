import {hostArch} from './versions.js';

/** The manifest formats we read; a HEAD or GET asks for all four, as the docker CLI does. */
export const mediaTypes = {
	dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
	dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
	ociManifest: 'application/vnd.oci.image.manifest.v1+json',
	ociIndex: 'application/vnd.oci.image.index.v1+json',
	pluginConfig: 'application/vnd.docker.plugin.v1+json',
} as const;

export const manifestAccept = [mediaTypes.dockerManifest, mediaTypes.dockerList, mediaTypes.ociManifest, mediaTypes.ociIndex].join(', ');

export interface Descriptor {
	mediaType?: string;
	digest: string;
	size?: number;
	platform?: Platform;
}

export interface Platform {
	os: string;
	architecture: string;
	variant?: string;
}

/** One build: its config blob and layers. */
export interface ImageManifest {
	kind: 'manifest';
	mediaType: string;
	config: Descriptor;
	layers: Descriptor[];
}

/** Several builds, one per platform. */
export interface ManifestIndex {
	kind: 'index';
	mediaType: string;
	manifests: Descriptor[];
}

export type Manifest = ImageManifest | ManifestIndex;

export const digestPattern = /^sha256:[a-f\d]{64}$/;

function descriptorOf(value: unknown): Descriptor | undefined {
	if (!value || typeof value !== 'object') {
		return undefined;
	}

	const {mediaType, digest, size, platform} = value as Record<string, unknown>;
	if (typeof digest !== 'string' || !digestPattern.test(digest)) {
		return undefined;
	}

	const descriptor: Descriptor = {digest};
	if (typeof mediaType === 'string') {
		descriptor.mediaType = mediaType;
	}

	if (typeof size === 'number') {
		descriptor.size = size;
	}

	if (platform && typeof platform === 'object') {
		const {os, architecture, variant} = platform as Record<string, unknown>;
		if (typeof os === 'string' && typeof architecture === 'string') {
			descriptor.platform = {os, architecture, ...(typeof variant === 'string' ? {variant} : {})};
		}
	}

	return descriptor;
}

/** Reads a manifest from its JSON, or says in a few words why it is not one we can read. */
export function toManifest(json: unknown, contentType: string | null): Manifest | string {
	if (!json || typeof json !== 'object') {
		return 'it is not a JSON object';
	}

	const body = json as Record<string, unknown>;
	const mediaType = (typeof body.mediaType === 'string' ? body.mediaType : contentType?.split(';')[0]?.trim()) ?? '';
	if (body.schemaVersion === 1) {
		return 'it is an old schema 1 manifest';
	}

	if (Array.isArray(body.manifests)) {
		const manifests = body.manifests.map(item => descriptorOf(item)).filter(item => item !== undefined);
		return {kind: 'index', mediaType: mediaType || mediaTypes.ociIndex, manifests};
	}

	const config = descriptorOf(body.config);
	if (!config) {
		return 'it names no config blob';
	}

	const layers = Array.isArray(body.layers) ? body.layers.map(item => descriptorOf(item)).filter(item => item !== undefined) : [];
	return {kind: 'manifest', mediaType: mediaType || mediaTypes.ociManifest, config, layers};
}

export function defaultPlatform(): Platform {
	return {os: 'linux', architecture: hostArch()};
}

/** arm64 builds are often published with variant v8, or none: treat the two as the same. */
function sameVariant(wanted: string | undefined, offered: string | undefined, architecture: string): boolean {
	if (wanted === undefined) {
		return true;
	}

	const normal = (variant: string | undefined) => (architecture === 'arm64' && (variant === undefined || variant === 'v8') ? 'v8' : variant);
	return normal(wanted) === normal(offered);
}

/** The entry of an index for a platform, or undefined when it has none. */
export function pickPlatform(index: ManifestIndex, platform: Platform): Descriptor | undefined {
	return index.manifests.find(
		entry =>
			entry.platform !== undefined &&
			entry.platform.os === platform.os &&
			entry.platform.architecture === platform.architecture &&
			sameVariant(platform.variant, entry.platform.variant, platform.architecture),
	);
}

export function describePlatform(platform: Platform): string {
	return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
