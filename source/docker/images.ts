import {compareNames, safeText} from '../text.js';
import {containerName, listAllContainers, type RawContainer} from './containers.js';
import type {Engine} from './engine.js';
import {forgottenImages} from './generation.js';

/** One tag of a local image (an untagged image is one row with repository and tag `<none>`). */
export interface Image {
	repository: string;
	tag: string;
	id: string;
	size: number;
	/** Seconds since the epoch. */
	created: number;
	repoDigests: string[];
	dangling: boolean;
	/** A build containers still run that the daemon no longer lists (the containerd store forgets it): size and age unknown. */
	unlisted?: true;
}

export interface RawImage {
	Id?: string;
	RepoTags?: string[] | null;
	RepoDigests?: string[] | null;
	Size?: number;
	Created?: number;
	Labels?: Record<string, string> | null;
}

/** An image row with the containers (running or not) created from it. */
export type ImageWithUsage = Image & {usedBy: {containers: string[]}};

export async function listImages(engine: Engine): Promise<Image[]> {
	return (await listRawImages(engine)).flatMap(image => toImages(image));
}

/** The image listing as the Engine API gives it (GET /images/json). */
export async function listRawImages(engine: Engine): Promise<RawImage[]> {
	return engine.readList<RawImage>('list images', async ({docker, signal}) => docker.listImages({abortSignal: signal}));
}

export function toImages(raw: RawImage): Image[] {
	const base = {
		id: safeText(raw.Id),
		size: Number(raw.Size) || 0,
		created: Number(raw.Created) || 0,
		repoDigests: (raw.RepoDigests ?? []).map(digest => safeText(digest)),
	};
	const tags = (raw.RepoTags ?? []).filter(tag => tag !== '<none>:<none>');
	if (tags.length === 0) {
		return [{...base, repository: '<none>', tag: '<none>', dangling: true}];
	}

	return tags.map(repoTag => {
		const text = safeText(repoTag);
		const colon = text.lastIndexOf(':');
		const slash = text.lastIndexOf('/');
		return colon > slash
			? {...base, repository: text.slice(0, colon), tag: text.slice(colon + 1), dangling: false}
			: {...base, repository: text, tag: '<none>', dangling: false};
	});
}

/** The images and who uses each, from one image listing and one container listing, in parallel. */
export async function listImagesWithUsage(engine: Engine): Promise<ImageWithUsage[]> {
	const [raw, containers] = await Promise.all([
		listRawImages(engine),
		listAllContainers(engine),
	]);
	return imagesWithUsage(raw, containers);
}

/** Each image row with the containers made from it, and a row for every build containers run that the listing forgot. */
export function imagesWithUsage(raw: RawImage[], containers: RawContainer[]): ImageWithUsage[] {
	const listed = Array.isArray(raw) ? raw : [];
	const users = containersByImage(containers);
	const rows = (image: RawImage, extra: Partial<Image> = {}) => {
		const usedBy = {containers: users.get(image.Id ?? '') ?? []};
		return toImages(image).map(row => ({...row, ...extra, usedBy}));
	};

	return [...listed.flatMap(image => rows(image)), ...forgottenImages(listed, containers).flatMap(image => rows(image, {unlisted: true}))];
}

/** Image id → names of the containers made from it; a container names its image by id, whatever tag it used. */
export function containersByImage(containers: RawContainer[]): Map<string, string[]> {
	const byImage = new Map<string, string[]>();
	for (const container of containers) {
		if (container.ImageID) {
			byImage.set(container.ImageID, [...(byImage.get(container.ImageID) ?? []), safeText(containerName(container))]);
		}
	}

	for (const names of byImage.values()) {
		names.sort(compareNames);
	}

	return byImage;
}
