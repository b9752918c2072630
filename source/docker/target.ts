/**
 * Where a daemon is and how to reach it, before any connection is made: what the Engine takes.
 * Which daemon that is (a flag, DOCKER_HOST, a context, the settings) is source/hosts/'s to decide.
 */
export interface EngineTarget {
	/** As people write it: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://ops@host`. */
	address: string;
	/** What chose it, shown when it cannot be reached. */
	source: 'flag' | 'env' | 'context' | 'settings' | 'inventory' | 'default';
	/** The docker context it came from, when one did. */
	context?: string;
	transport:
		| {kind: 'unix'; socketPath: string}
		| {kind: 'tcp'; host: string; port: number; tls?: {ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean}}
		/** No port or user unless the address names them: the user's ssh config decides, as for `docker -H ssh://…`. */
		| {
				kind: 'ssh';
				host: string;
				port?: number;
				username?: string;
				socketPath?: string;
				/** `-i FILE`: a key an inventory names for the host (ansible_ssh_private_key_file). */
				identityFile?: string;
		  };
}
