/**
 * Content identity: two builds are the same when their rootfs layer digests (a plugin's
 * Config.rootfs.diff_ids, its registry config blob's rootfs.diff_ids) are the same list. Its own
 * module, so listing plugins does not load the registry's version math to compare two lists.
 */
export function sameBuild(a: readonly string[], b: readonly string[]): boolean {
	return a.length > 0 && a.length === b.length && a.every((id, index) => id === b[index]);
}

/** A build as one string, to key a map by: the same for the same build, '' for no identity. */
export function buildKey(diffIds: readonly string[]): string {
	return diffIds.join(',');
}
