import {tlsUnverified} from '../hosts/resolve.js';
import type {EngineTarget} from '../docker/target.js';

/**
 * The one warning line for daemons kasm-tui speaks TLS to without checking their certificate
 * (`--tls-insecure`, or a docker context's SkipTLSVerify), naming each and why; none when every
 * certificate is checked. `name` is the fleet's name for the host.
 */
export function unverifiedTlsWarning(hosts: ReadonlyArray<{name?: string; target: EngineTarget}>): string | undefined {
	const unverified = hosts.filter(host => tlsUnverified(host.target));
	if (unverified.length === 0) {
		return undefined;
	}

	const named = unverified.map(host => (host.name ? `${host.name} (${host.target.address})` : host.target.address));
	const reasons = [...new Set(unverified.map(host => (host.target.context ? `the docker context ${host.target.context} says SkipTLSVerify` : '--tls-insecure')))];
	const subject = named.length === 1 ? `the certificate of ${named[0]} is` : `the certificates of ${named.join(', ')} are`;
	return `kasm-tui: warning: ${subject} not checked (${reasons.join('; ')}): anyone on the way can read and change what is sent, registry passwords included`;
}

/** For `--json` documents that describe a host: false when its certificate is not checked, null when it speaks no TLS. */
export function tlsVerifiedOf(target: EngineTarget): boolean | null {
	return target.transport.kind === 'tcp' && target.transport.tls ? target.transport.tls.verify : null;
}
