import {BadInput, DaemonError, Refused} from '../errors.js';
import {safeText} from '../text.js';

/** Docker will not remove an image a container was created from, running or not; nor will we force it. */
export class ImageInUse extends Refused {
	override name = 'ImageInUse';
	constructor(
		readonly image: string,
		readonly containers: string[],
	) {
		const names = containers.map(name => safeText(name));
		const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
		super(
			`the image ${safeText(image)} is in use by ${names.length === 1 ? 'the container' : `${names.length} containers:`} ${listed}: remove ${names.length === 1 ? 'it' : 'them'} first (docker rm), kasm-tui does not force-remove images`,
		);
	}
}

export class ImageNotFound extends BadInput {
	override name = 'ImageNotFound';
	constructor(readonly image: string) {
		super(`no image ${safeText(image).slice(0, 200)} on this daemon: run "kasm-tui images" to see them`);
	}
}

/** The daemon turned the removal down for another reason (several tags on an id, a race with a new container). */
export class ImageRemoveRefused extends Refused {
	override name = 'ImageRemoveRefused';
}

/** A pull that the daemon refused, or whose progress ended in an error line. */
export class ImagePullFailed extends DaemonError {
	override name = 'ImagePullFailed';
	constructor(
		readonly image: string,
		readonly reason: string,
	) {
		super(`pulling ${safeText(image).slice(0, 200)} failed: ${safeText(reason).slice(0, 300)}`);
	}
}
