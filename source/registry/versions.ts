// semver's functions one by one: its index loads every range class, whose regexes cost each start ~1 ms.
import rcompare from 'semver/functions/rcompare.js';
import valid from 'semver/functions/valid.js';
import {BadInput} from '../errors.js';
import {rollingIdentifier as rollingSuffix} from '../rolling.js';
import {compareNames, safeText} from '../text.js';

/**
 * Kasm's tags carry the architecture and a version: `amd64-1.2.10`, `arm64-1.3.0-rc.1`,
 * `amd64-1.2-rolling`; most images' tags are the version alone (`1.16.0`, `2`). The numbers are
 * compared as versions (1.2.10 > 1.2.9), never as text.
 */
export interface TagVersion {
	tag: string;
	/** Lowercase token before the version (`amd64`, `x86_64`); '' when the tag has none (`1.16.0`). */
	arch: string;
	major: number;
	minor?: number;
	patch?: number;
	/** `rc.1` of `amd64-1.3.0-rc.1`; '' for a release. */
	prerelease: string;
	/** Kasm's moving tags: anything ending in `-rolling…`. */
	rolling: boolean;
	/** The version as written, without the architecture or a rolling suffix: `1.2.10`, `1.3.0-rc.1`, `1.2`. */
	version: string;
}

/** A prefix asked for by `latest`: `amd64-1.2`, `amd64-1`, `amd64`, or without an architecture `1.16`, `2`. */
export interface VersionPrefix {
	/** '' for a plain version prefix: only tags without an architecture match it. */
	arch: string;
	major?: number;
	minor?: number;
	patch?: number;
}

// Nine digits at most: semver refuses numbers past MAX_SAFE_INTEGER.
const versionTag = /^(?:([a-z][a-z\d_]*)-)?(\d{1,9})(?:\.(\d{1,9})(?:\.(\d{1,9}))?)?(?:-([\da-zA-Z-]+(?:\.[\da-zA-Z-]+)*))?$/;
const prefixTag = /^([a-z][a-z\d_]*)(?:-(\d{1,9})(?:\.(\d{1,9})(?:\.(\d{1,9}))?)?)?$/;
const plainPrefixTag = /^(\d{1,9})(?:\.(\d{1,9})(?:\.(\d{1,9}))?)?$/;

/** `kasmweb/sidecar:amd64-1.2` → `amd64-1.2`; a bare tag stays as it is. */
function tagPart(text: string): string {
	const colon = text.lastIndexOf(':');
	return colon > text.lastIndexOf('/') ? text.slice(colon + 1) : text;
}

function optionalNumber(text: string | undefined): number | undefined {
	return text === undefined ? undefined : Number(text);
}

/** Reads `[repo:]<arch>-<major>[.<minor>[.<patch>]][-prerelease]`; undefined for other tags (`latest`, `develop`). */
export function parseVersionTag(input: string): TagVersion | undefined {
	const tag = tagPart(input.trim());
	const rolling = rollingSuffix.test(tag);
	const match = versionTag.exec(tag.replace(rollingSuffix, ''));
	if (!match) {
		return undefined;
	}

	const [, arch = '', major, minor, patch, prerelease = ''] = match;
	if (prerelease !== '' && !valid(`0.0.0-${prerelease}`)) {
		return undefined;
	}

	const numbers = [major, minor, patch].filter(part => part !== undefined).join('.');
	return {
		tag,
		arch,
		major: Number(major),
		minor: optionalNumber(minor),
		patch: optionalNumber(patch),
		prerelease: rolling ? '' : prerelease,
		rolling,
		version: numbers + (prerelease ? `-${prerelease}` : ''),
	};
}

/** A release: all three numbers, no pre-release, not rolling. Only these can be the latest. */
export function isRelease(version: TagVersion): boolean {
	return version.minor !== undefined && version.patch !== undefined && version.prerelease === '' && !version.rolling;
}

/**
 * Reads the prefix `latest` is asked about. A rolling tag (`amd64-1.2-rolling`) asks about the
 * line it rolls on, `amd64-1.2`.
 */
export function parseVersionPrefix(input: string): VersionPrefix {
	const tag = tagPart(input.trim()).replace(rollingSuffix, '');
	const plain = plainPrefixTag.exec(tag);
	if (plain) {
		const [, major, minor, patch] = plain;
		return {arch: '', major: Number(major), minor: optionalNumber(minor), patch: optionalNumber(patch)};
	}

	const match = prefixTag.exec(tag);
	if (!match) {
		throw new BadInput(
			`"${safeText(input).slice(0, 140)}" is not a version prefix: write [<arch>-]<major>[.<minor>] or <arch>, e.g. amd64-1.2, amd64, 1.16 or 2`,
		);
	}

	const [, arch = '', major, minor, patch] = match;
	return {arch, major: optionalNumber(major), minor: optionalNumber(minor), patch: optionalNumber(patch)};
}

/**
 * The line a tag belongs to, as a prefix `latest` takes: `amd64-1.2.9` and `amd64-1.2-rolling`
 * → `amd64-1.2`, `1.16.0` → `1.16`, `2` → `2`.
 */
export function lineOf(version: TagVersion): string {
	const numbers = version.minor === undefined ? `${version.major}` : `${version.major}.${version.minor}`;
	return version.arch ? `${version.arch}-${numbers}` : numbers;
}

function matchesPrefix(version: TagVersion, prefix: VersionPrefix): boolean {
	return (
		version.arch === prefix.arch &&
		(prefix.major === undefined || version.major === prefix.major) &&
		(prefix.minor === undefined || version.minor === prefix.minor) &&
		(prefix.patch === undefined || version.patch === prefix.patch)
	);
}

/**
 * Orders two version tags, newest first. A tag that leaves numbers out (`amd64-1.2`,
 * `amd64-1.2-rolling`) floats above every release of its line, as it follows the newest.
 */
export function compareNewestFirst(a: TagVersion, b: TagVersion): number {
	for (const part of ['major', 'minor', 'patch'] as const) {
		const left = a[part] ?? Number.POSITIVE_INFINITY;
		const right = b[part] ?? Number.POSITIVE_INFINITY;
		if (left !== right) {
			return right > left ? 1 : -1;
		}
	}

	if (a.prerelease !== b.prerelease) {
		// A release outranks its pre-releases; pre-releases compare by semver's rules.
		return rcompare(`0.0.0${a.prerelease ? `-${a.prerelease}` : ''}`, `0.0.0${b.prerelease ? `-${b.prerelease}` : ''}`);
	}

	if (a.rolling !== b.rolling) {
		return a.rolling ? -1 : 1;
	}

	return a.arch === b.arch ? compareNames(a.tag, b.tag) : compareNames(a.arch, b.arch);
}

/**
 * The newest release tag under a prefix: `amd64-1.2` → the newest `amd64-1.2.N`, `amd64-1` →
 * the newest `amd64-1.x.y`, `amd64` → the newest for that architecture; `2` → the newest `2.x.y`
 * without an architecture. Pre-releases, rolling tags, other architectures and tags that are not
 * versions never win.
 */
export function latestTag(tags: Iterable<string>, prefix: string | VersionPrefix): string | undefined {
	const wanted = typeof prefix === 'string' ? parseVersionPrefix(prefix) : prefix;
	let newest: TagVersion | undefined;
	for (const tag of tags) {
		const version = parseVersionTag(tag);
		if (version && isRelease(version) && matchesPrefix(version, wanted) && (!newest || compareNewestFirst(version, newest) < 0)) {
			newest = version;
		}
	}

	return newest?.tag;
}

/** Version tags newest first, then every other tag in the order given. */
export function sortTagsNewestFirst(tags: Iterable<string>): string[] {
	const versions: TagVersion[] = [];
	const others: string[] = [];
	for (const tag of tags) {
		const version = parseVersionTag(tag);
		if (version) {
			versions.push(version);
		} else {
			others.push(tag);
		}
	}

	return [...versions.sort(compareNewestFirst).map(version => version.tag), ...others];
}

const archOfNode: Partial<Record<NodeJS.Architecture, string>> = {
	x64: 'amd64',
	arm64: 'arm64',
	arm: 'arm',
	ia32: '386',
	ppc64: 'ppc64le',
	s390x: 's390x',
};

/** The architecture token of this host as registries spell it: `amd64` on x86-64, `arm64` on ARM. */
export function hostArch(arch: NodeJS.Architecture = process.arch): string {
	return archOfNode[arch] ?? arch;
}
