import {execFileSync} from 'node:child_process';
import {createSign, randomBytes, X509Certificate} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {startExtraRegistry, type ExtraRegistry, type Sandbox} from './sandbox.js';
import {anyManifest} from './fixtures.js';

/**
 * Registries that want a password, beside the sandbox's open one: a second docker-registry on a
 * free loopback port with htpasswd (bcrypt) auth, or with token auth whose token server is a
 * small node:http endpoint here that signs JWTs the registry trusts. Each lives in a folder
 * under the sandbox's, so stopping the sandbox ends it even if the test forgot to.
 */
export interface User {
	name: string;
	password: string;
}

export interface AuthRegistry {
	/** `127.0.0.1:PORT` */
	address: string;
	dir: string;
	/** What a push needs: `Basic …`, or a Bearer token minted for push. */
	pushAuthorization(repository: string): string;
	stop(): Promise<void>;
}

export interface TokenRegistry extends AuthRegistry {
	/** `http://127.0.0.1:PORT/token` */
	realm: string;
	/** Requests the token server answered, to show tokens are cached. */
	tokenRequests: () => number;
}

/** A registry with htpasswd auth: every user's password bcrypt-hashed by `htpasswd -B`. */
export async function startPasswordRegistry(sandbox: Sandbox, users: User[]): Promise<AuthRegistry> {
	const dir = fs.mkdtempSync(path.join(sandbox.state.dir, 'auth-'));
	// The password goes in on stdin (-i), never on a command line another process could read.
	const lines = users.map(user => execFileSync('htpasswd', ['-niB', user.name], {input: user.password, encoding: 'utf8'}).trim());
	fs.writeFileSync(path.join(dir, 'htpasswd'), lines.join('\n') + '\n');
	const registry = await startExtraRegistry(sandbox, {
		name: 'registry',
		folder: dir,
		config: ['auth:', '  htpasswd:', '    realm: kasm-tui-test', `    path: ${path.join(dir, 'htpasswd')}`],
		readyStatus: 401,
	});
	const [first] = users;
	return {
		address: registry.address,
		dir,
		pushAuthorization: () => `Basic ${Buffer.from(`${first!.name}:${first!.password}`).toString('base64')}`,
		stop: registry.stop,
	};
}

const issuer = 'kasm-tui-test-issuer';
const service = 'kasm-tui-test-registry';

function base64url(data: string | Buffer): string {
	return Buffer.from(data).toString('base64url');
}

/** A JWT the registry accepts (distribution's token auth): RS256, the certificate in x5c. */
function mintToken(key: string, certificate: Buffer, subject: string, access: Array<{type: string; name: string; actions: string[]}>): string {
	const now = Math.floor(Date.now() / 1000);
	const header = base64url(JSON.stringify({alg: 'RS256', typ: 'JWT', x5c: [certificate.toString('base64')]}));
	const claims = base64url(
		JSON.stringify({iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access}),
	);
	const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
	return `${header}.${claims}.${base64url(signature)}`;
}

/**
 * A registry with token auth. Its token server grants pull on any repository to a user with
 * the right password, and no access at all to anyone else (so an anonymous token gets a 401).
 */
export async function startTokenRegistry(sandbox: Sandbox, users: User[]): Promise<TokenRegistry> {
	const dir = fs.mkdtempSync(path.join(sandbox.state.dir, 'token-'));
	execFileSync(
		'openssl',
		['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=kasm-tui-test-token', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
		{stdio: 'ignore'},
	);
	const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
	const certificate = new X509Certificate(fs.readFileSync(path.join(dir, 'cert.pem'))).raw;

	let requests = 0;
	const server = http.createServer((request, response) => {
		requests++;
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		const authorization = request.headers.authorization ?? '';
		const [name, ...rest] = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':') : [];
		const user = users.find(candidate => candidate.name === name && candidate.password === rest.join(':'));
		if (authorization && !user) {
			response.writeHead(401, {'Content-Type': 'application/json'});
			response.end(JSON.stringify({details: 'incorrect username or password'}));
			return;
		}

		const access = user
			? url.searchParams.getAll('scope').flatMap(scope => {
					const [type = '', ...middle] = scope.split(':');
					const actions = middle.pop() ?? '';
					return [{type, name: middle.join(':'), actions: actions.split(',').filter(action => action === 'pull')}];
				})
			: [];
		response.writeHead(200, {'Content-Type': 'application/json'});
		response.end(JSON.stringify({token: mintToken(key, certificate, user?.name ?? '', access), expires_in: 300, issued_at: new Date().toISOString()}));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const realm = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/token`;

	let registry: ExtraRegistry;
	try {
		registry = await startExtraRegistry(sandbox, {
			name: 'registry',
			folder: dir,
			config: ['auth:', '  token:', `    realm: ${realm}`, `    service: ${service}`, `    issuer: ${issuer}`, `    rootcertbundle: ${path.join(dir, 'cert.pem')}`],
			readyStatus: 401,
		});
	} catch (error) {
		server.close();
		throw error;
	}

	return {
		address: registry.address,
		dir,
		realm,
		tokenRequests: () => requests,
		pushAuthorization: repository =>
			`Bearer ${mintToken(key, certificate, 'pusher', [{type: 'repository', name: repository, actions: ['pull', 'push']}])}`,
		async stop() {
			server.closeAllConnections();
			server.close();
			await registry.stop();
		},
	};
}

const manifestV2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** Copies one tag (manifest, config, layers) from the sandbox's open registry into a registry that wants auth. */
export async function copyTag(sandbox: Sandbox, target: AuthRegistry, repository: string, tag: string, targetTag = tag): Promise<void> {
	const source = `http://${sandbox.registry}/v2/${repository}`;
	const destination = `http://${target.address}/v2/${repository}`;
	const authorization = target.pushAuthorization(repository);
	const manifestResponse = await fetch(`${source}/manifests/${tag}`, {headers: {Accept: anyManifest}});
	if (!manifestResponse.ok) {
		throw new Error(`no manifest for ${repository}:${tag} in the sandbox registry: HTTP ${manifestResponse.status}`);
	}

	const manifestBytes = Buffer.from(await manifestResponse.arrayBuffer());
	const manifest = JSON.parse(manifestBytes.toString('utf8')) as {config: {digest: string}; layers: Array<{digest: string}>};
	for (const {digest} of [manifest.config, ...manifest.layers]) {
		const blob = Buffer.from(await (await fetch(`${source}/blobs/${digest}`)).arrayBuffer());
		const start = await fetch(`${destination}/blobs/uploads/`, {method: 'POST', headers: {Authorization: authorization}});
		const location = start.headers.get('location');
		if (start.status !== 202 || !location) {
			throw new Error(`could not start an upload to ${target.address}: HTTP ${start.status} ${await start.text()}`);
		}

		const upload = new URL(location, destination);
		upload.searchParams.set('digest', digest);
		const put = await fetch(upload, {method: 'PUT', headers: {Authorization: authorization, 'Content-Type': 'application/octet-stream'}, body: blob});
		if (put.status !== 201) {
			throw new Error(`could not upload ${digest} to ${target.address}: HTTP ${put.status} ${await put.text()}`);
		}
	}

	const put = await fetch(`${destination}/manifests/${targetTag}`, {
		method: 'PUT',
		headers: {Authorization: authorization, 'Content-Type': manifestResponse.headers.get('content-type') ?? manifestV2},
		body: manifestBytes,
	});
	if (put.status !== 201) {
		throw new Error(`could not push ${repository}:${targetTag} to ${target.address}: HTTP ${put.status} ${await put.text()}`);
	}
}
