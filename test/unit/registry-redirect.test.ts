import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, test} from 'node:test';
import {RegistryBadAnswer} from '../../source/registry/errors.js';
import {send} from '../../source/registry/transport.js';

/**
 * Redirects of the registry transport, between two origins on loopback: what each one receives.
 * The token request is a POST whose body holds the refresh token; it must never reach another origin.
 */
interface Seen {
	method: string;
	path: string;
	body: string;
	authorization?: string;
	contentType?: string;
}

async function origin(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
	const seen: Seen[] = [];
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', chunk => {
			body += chunk;
		});
		request.on('end', () => {
			seen.push({method: request.method ?? '', path: request.url ?? '', body, authorization: request.headers.authorization, contentType: request.headers['content-type']});
			answer(request, response);
		});
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	after(async () => new Promise(resolve => server.close(resolve)));
	return {seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`};
}

const options = {registry: '127.0.0.1', timeoutMs: 5000, insecureRegistries: []};
const tokenRequest = {
	method: 'POST' as const,
	headers: {Authorization: 'Basic b3BzOnNlY3JldA==', 'Content-Type': 'application/x-www-form-urlencoded'},
	body: 'grant_type=refresh_token&refresh_token=refresh-secret-4471&service=registry',
};

test('a token request redirected to another origin with 307 is refused: the body with the refresh token is not sent there', async () => {
	const other = await origin((_request, response) => response.end('{"token":"x"}'));
	const first = await origin((_request, response) => {
		response.writeHead(307, {Location: `${other.url}/token`}).end();
	});
	await assert.rejects(send(new URL(`${first.url}/token`), tokenRequest, options), (error: unknown) => error instanceof RegistryBadAnswer && /another (origin|address)/.test(error.message));
	assert.equal(other.seen.length, 0, 'nothing reached the other origin');
});

test('a 303 answer to a POST is followed with a GET and no body, to the same origin too', async () => {
	const other = await origin((_request, response) => response.end('{"token":"x"}'));
	const first = await origin((request, response) => {
		if (request.url === '/token') {
			response.writeHead(303, {Location: '/token-here'}).end();
		} else {
			response.writeHead(303, {Location: `${other.url}/token-there`}).end();
		}
	});
	const {response} = await send(new URL(`${first.url}/token`), tokenRequest, options);
	assert.equal(response.status, 200);
	assert.deepEqual(
		first.seen.map(seen => [seen.method, seen.path, seen.body]),
		[
			['POST', '/token', tokenRequest.body],
			['GET', '/token-here', ''],
		],
	);
	assert.equal(first.seen[1]!.contentType, undefined, 'no body, so no type for one');
	assert.deepEqual(
		other.seen.map(seen => [seen.method, seen.path, seen.body, seen.authorization]),
		[['GET', '/token-there', '', undefined]],
		'across origins: a GET without the body and without the credentials',
	);
});

test('a 307 within the same origin sends the request again as it was', async () => {
	const first = await origin((request, response) => {
		if (request.url === '/token') {
			response.writeHead(307, {Location: '/token2'}).end();
		} else {
			response.end('{"token":"x"}');
		}
	});
	const {response} = await send(new URL(`${first.url}/token`), tokenRequest, options);
	assert.equal(response.status, 200);
	assert.deepEqual(
		first.seen.map(seen => [seen.method, seen.path, seen.body]),
		[
			['POST', '/token', tokenRequest.body],
			['POST', '/token2', tokenRequest.body],
		],
	);
});
