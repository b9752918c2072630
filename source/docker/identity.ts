/**
 * Who a daemon is, from GET /info: its engine ID together with its name and data root. Machines
 * cloned from one image (a VM template or cloud image made after Docker first started) share an
 * engine ID (`/etc/docker/key.json` before Docker 23, `<data-root>/engine-id` since) and are still
 * two daemons; the same daemon reached at two addresses is one.
 */
export interface DaemonIdentity {
	/** /info `ID`, checked to be a plain token. */
	id: string;
	/** /info `Name`: the host name of the daemon's machine. */
	name: string;
	/** /info `DockerRootDir`. */
	dataRoot: string;
}

export function sameDaemon(a: DaemonIdentity, b: DaemonIdentity): boolean {
	return a.id === b.id && a.name === b.name && a.dataRoot === b.dataRoot;
}

/** How one host of a list stands to the hosts before it. */
export interface DaemonRelation {
	/** An earlier host is this very daemon (same ID, name and data root, another address). */
	sameDaemonAs?: string;
	/** An earlier host reports this engine ID but is another machine (another name or data root). */
	sharesEngineIdWith?: string;
}

/**
 * For each host, in order, the first earlier host that is the same daemon, or else the first
 * earlier one that reports its engine ID while being another machine. Hosts without an identity
 * (unreachable) stand to nothing.
 */
export function relateDaemons(hosts: ReadonlyArray<{name: string; identity?: DaemonIdentity}>): DaemonRelation[] {
	const seen: Array<{name: string; identity: DaemonIdentity}> = [];
	return hosts.map(({name, identity}) => {
		if (!identity) {
			return {};
		}

		const same = seen.find(earlier => sameDaemon(earlier.identity, identity));
		if (same) {
			return {sameDaemonAs: same.name};
		}

		const sharing = seen.find(earlier => earlier.identity.id === identity.id);
		seen.push({name, identity});
		return sharing ? {sharesEngineIdWith: sharing.name} : {};
	});
}

/** The warning a host that shares another's engine ID gets, once, wherever hosts are listed. */
export function sharedEngineIdWarning(host: string, other: string): string {
	return `${host} reports ${other}'s engine ID: a machine cloned from one image? both are kept apart by name and data root`;
}
