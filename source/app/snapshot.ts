import type {EngineTarget} from '../docker/connection.js';
import {Engine, type EngineVersion} from '../docker/engine.js';
import {listImages, type Image} from '../docker/images.js';
import {listPlugins, type Plugin} from '../docker/plugins.js';

/** Everything the screen draws, read from the daemon in one go. */
export interface Snapshot {
	engine: EngineVersion;
	plugins: Plugin[];
	images: Image[];
}

export type LoadSnapshot = (target: EngineTarget) => Promise<Snapshot>;

export const loadSnapshot: LoadSnapshot = async target => {
	const engine = await Engine.open(target);
	const [version, plugins, images] = await Promise.all([engine.version(), listPlugins(engine), listImages(engine)]);
	return {engine: version, plugins, images};
};
