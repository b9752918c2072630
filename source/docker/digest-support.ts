/**
 * moby/moby#47299: a daemon fetching a plugin by digest (`repo@sha256:…`) casts the reference to a
 * tagged one in a fetch goroutine and panics, which ends dockerd. Install, upgrade and even
 * GET /plugins/privileges go through that fetch. The fix shipped in:
 * - 26.0.0 and later (merged to master in February 2024, before 26.0 branched);
 * - 25.0.3 (backport moby/moby#47323, listed in the 25.0.3 release notes);
 * - 23.0.11 (backport moby/moby#47325, merged 2024-02-05, after 23.0.10 had shipped on 2024-02-01).
 * 24.0 never got it: 24.0.9 (2024-02-01) is its last release. 20.10 and older never did either.
 */

/** The releases with the fix, as a refusal names them. */
export const digestCapableReleases = '26.0 or newer, 25.0.3 or a later 25.0, or 23.0.11 or a later 23.0';

/** The numeric release of a daemon's version string: `20.10.24+dfsg1`, `v25.0.3`, `24.0.7-0ubuntu4`. */
export function releaseOf(engineVersion: string): [number, number, number] | undefined {
	const match = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(engineVersion);
	if (!match) {
		return undefined;
	}

	return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** True only for daemons known to carry the fix; an unknown version string counts as unsafe. */
export function daemonSupportsDigestReferences(engineVersion: string): boolean {
	const release = releaseOf(engineVersion);
	if (!release) {
		return false;
	}

	const [major, minor, patch] = release;
	if (major >= 26) {
		return true;
	}

	if (major === 25) {
		return minor > 0 || patch >= 3;
	}

	if (major === 23) {
		return minor > 0 || patch >= 11;
	}

	// 24.x, 20.10, 19.03 and the CalVer releases before them.
	return false;
}

/** A reference that names content by digest, which is what the buggy daemons cannot take. */
export function isDigestReference(remote: string): boolean {
	return remote.includes('@');
}
