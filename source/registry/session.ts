import {RegistryAnswers, RegistryClient} from './client.js';
import {DockerCredentials} from './credentials.js';

/**
 * The registry as one run sees it (a fleet read, or a rollout's plan and run): one client per
 * set of insecure registries a daemon names (most fleets: one), one set of credentials, and one
 * store of answers they share, so a repository's tags and a manifest are read once, not once per host.
 */
export class RegistrySession {
	private readonly answers = new RegistryAnswers();
	/** The docker CLI's credentials, read once for the run. */
	readonly credentials = new DockerCredentials();
	private readonly clients = new Map<string, RegistryClient>();

	constructor(private readonly options: {timeoutMs?: number} = {}) {}

	/** What each registry that said so has left of its pull allowance (`ratelimit-remaining`), by registry. */
	rateLimitRemaining(): ReadonlyMap<string, string> {
		return this.answers.rateLimitRemaining;
	}

	/** The client for a daemon that reads these registries over plain HTTP (its /info). */
	clientFor(insecureRegistries: readonly string[]): RegistryClient {
		const key = [...new Set(insecureRegistries)].sort().join(' ');
		let client = this.clients.get(key);
		if (!client) {
			client = new RegistryClient({credentials: this.credentials, insecureRegistries: [...new Set(insecureRegistries)], timeoutMs: this.options.timeoutMs, answers: this.answers});
			this.clients.set(key, client);
		}

		return client;
	}
}
