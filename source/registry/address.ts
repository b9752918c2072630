import {dockerHub} from '../docker/reference.js';

/**
 * Where a registry's API lives. HTTPS always, except on loopback and on registries the operator
 * (or the daemon's `insecure-registries`) marked insecure: a password must never cross a network
 * in the clear because a registry name looked local.
 */

/** Docker Hub's API is not at docker.io. */
export const dockerHubApiHost = 'registry-1.docker.io';

export function apiHost(registry: string): string {
	return registry === dockerHub || registry === 'index.docker.io' ? dockerHubApiHost : registry;
}

/** `127.0.0.1:5000` → `127.0.0.1`; `[::1]:5000` → `::1`. */
export function hostName(hostAndPort: string): string {
	const bracketed = /^\[([^\]]+)\]/.exec(hostAndPort);
	return (bracketed ? bracketed[1]! : hostAndPort.replace(/:\d+$/, '')).toLowerCase();
}

export function isLoopback(hostAndPort: string): boolean {
	const host = hostName(hostAndPort);
	return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function ipv4Number(text: string): number | undefined {
	const parts = text.split('.');
	if (parts.length !== 4 || parts.some(part => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
		return undefined;
	}

	return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** An entry of the insecure list: `host`, `host:port`, or an IPv4 CIDR such as `10.0.0.0/8`. */
function listedAsInsecure(hostAndPort: string, entry: string): boolean {
	const wanted = entry.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
	const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(wanted);
	if (cidr) {
		const network = ipv4Number(cidr[1]!);
		const address = ipv4Number(hostName(hostAndPort));
		const bits = Number(cidr[2]);
		if (network === undefined || address === undefined || bits > 32) {
			return false;
		}

		const size = 2 ** (32 - bits);
		return Math.floor(address / size) === Math.floor(network / size);
	}

	return wanted === hostAndPort.toLowerCase() || (!/:\d+$/.test(wanted) && wanted === hostName(hostAndPort));
}

export function isInsecure(hostAndPort: string, insecureRegistries: readonly string[] = []): boolean {
	return isLoopback(hostAndPort) || insecureRegistries.some(entry => listedAsInsecure(hostAndPort, entry));
}

/** `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
export function registryOrigin(registry: string, insecureRegistries: readonly string[] = []): string {
	const host = apiHost(registry);
	return `${isInsecure(host, insecureRegistries) ? 'http' : 'https'}://${host}`;
}

/** A URL the registry sent us (a token realm, a redirect): plain HTTP only where we would use it ourselves. */
export function mayUse(url: URL, insecureRegistries: readonly string[] = []): boolean {
	if (url.protocol === 'https:') {
		return true;
	}

	return url.protocol === 'http:' && isInsecure(url.host, insecureRegistries);
}
