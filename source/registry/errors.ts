import {KasmTuiError, type ExitCode} from '../errors.js';

/**
 * What goes wrong talking to a registry, each with one line for people. None of them ever
 * holds a password, token or key: messages are built from names, statuses and the registry's
 * own (sanitised) words only.
 */
export class RegistryError extends KasmTuiError {
	override name = 'RegistryError';
	constructor(
		message: string,
		readonly registry: string,
		readonly status?: number,
	) {
		super(message);
	}
}

/** 401 or 403: no credentials, wrong ones, or an account that may not pull. */
export class RegistryAuthFailed extends RegistryError {
	override name = 'RegistryAuthFailed';
}

/** 429: says when to try again. */
export class RegistryRateLimited extends RegistryError {
	override name = 'RegistryRateLimited';
	constructor(
		message: string,
		registry: string,
		/** Seconds to wait, when the registry said. */
		readonly retryAfterSeconds?: number,
	) {
		super(message, registry, 429);
	}
}

/** 404: bad input (exit 2) when the operator typed the reference, a failure (1) when it came from elsewhere. */
export class RegistryNotFound extends RegistryError {
	override name = 'RegistryNotFound';
	override readonly exitCode: ExitCode;
	constructor(message: string, registry: string, options: {userReference?: boolean} = {}) {
		super(message, registry, 404);
		this.exitCode = options.userReference === false ? 1 : 2;
	}
}

/** Connection refused, timed out, TLS failure, unknown host. */
export class RegistryUnreachable extends RegistryError {
	override name = 'RegistryUnreachable';
}

/** An answer that is not the registry API: an HTML page, broken JSON, a body too large. */
export class RegistryBadAnswer extends RegistryError {
	override name = 'RegistryBadAnswer';
}

/** A docker-credential-* helper that is missing or failed. */
export class CredentialHelperFailed extends KasmTuiError {
	override name = 'CredentialHelperFailed';
	constructor(
		message: string,
		readonly helper: string,
	) {
		super(message);
	}
}

/** The docker config file exists but cannot be read or parsed. */
export class DockerConfigUnusable extends KasmTuiError {
	override name = 'DockerConfigUnusable';
}
