import {safeText} from '../text.js';
import type {Engine} from './engine.js';

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
}

interface RawImage {
	Id?: string;
	RepoTags?: string[] | null;
	RepoDigests?: string[] | null;
	Size?: number;
	Created?: number;
}

export async function listImages(engine: Engine): Promise<Image[]> {
	const raw = await engine.call('list images', async api => api.listImages() as Promise<RawImage[]>);
	return (Array.isArray(raw) ? raw : []).flatMap(image => toImages(image));
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
