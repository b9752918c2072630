/**
 * Bearer tokens by realm, service and scope, kept until shortly before they expire, so listing
 * a hundred tags' manifests asks the token server once, not a hundred times.
 */
export class TokenCache {
	private readonly tokens = new Map<string, {token: string; expiresAt: number}>();

	constructor(private readonly now: () => number = Date.now) {}

	static key(realm: string, service: string, scope: string): string {
		return JSON.stringify([realm, service, scope]);
	}

	get(key: string): string | undefined {
		const entry = this.tokens.get(key);
		if (entry && entry.expiresAt > this.now()) {
			return entry.token;
		}

		this.tokens.delete(key);
		return undefined;
	}

	/**
	 * Registries give `expires_in` in seconds (60 when absent, per the token spec); we stop using
	 * a token 10 s early, so it does not expire on its way to the registry.
	 */
	set(key: string, token: string, expiresInSeconds = 60, issuedAt?: number): void {
		const lifetime = Number.isFinite(expiresInSeconds) && expiresInSeconds > 0 ? expiresInSeconds : 60;
		const start = issuedAt !== undefined && Number.isFinite(issuedAt) && issuedAt <= this.now() ? issuedAt : this.now();
		this.tokens.set(key, {token, expiresAt: start + Math.max(lifetime - 10, 1) * 1000});
	}

	clear(key: string): void {
		this.tokens.delete(key);
	}
}
