import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseChallenges} from '../../source/registry/challenge.js';
import {nextPageLink} from '../../source/registry/client.js';
import {TokenCache} from '../../source/registry/token-cache.js';

test("Docker Hub's Bearer challenge gives realm, service and scope", () => {
	assert.deepEqual(
		parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:kasmweb/sidecar:pull"'),
		[{scheme: 'bearer', params: {realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:kasmweb/sidecar:pull'}}],
	);
});

test('a Basic challenge, several challenges in one header, and odd spacing are all read', () => {
	assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{scheme: 'basic', params: {realm: 'Registry Realm'}}]);
	const both = parseChallenges('Basic realm="a, b" , Bearer realm="https://t.example/token", service=reg,error="invalid_token"');
	assert.deepEqual(
		both.map(challenge => challenge.scheme),
		['basic', 'bearer'],
	);
	assert.equal(both[0]?.params.realm, 'a, b');
	assert.equal(both[1]?.params.service, 'reg');
	assert.equal(both[1]?.params.error, 'invalid_token');
	assert.equal(parseChallenges('BEARER Realm="x\\"y"')[0]?.params.realm, 'x"y');
});

test('no header or a broken one gives no challenge rather than an error', () => {
	assert.deepEqual(parseChallenges(null), []);
	assert.deepEqual(parseChallenges(''), []);
	assert.deepEqual(parseChallenges('=,=='), []);
});

test('a token is reused until shortly before it expires, per realm, service and scope', () => {
	let now = 1_000_000;
	const cache = new TokenCache(() => now);
	const pull = TokenCache.key('https://auth/token', 'reg', 'repository:a:pull');
	const other = TokenCache.key('https://auth/token', 'reg', 'repository:b:pull');
	cache.set(pull, 'T1', 300);
	assert.equal(cache.get(pull), 'T1');
	assert.equal(cache.get(other), undefined);
	now += 285_000;
	assert.equal(cache.get(pull), 'T1');
	now += 10_000;
	assert.equal(cache.get(pull), undefined, 'gone 10 s before it expires');
});

test('a token without expires_in lives the 60 s the token spec gives it', () => {
	let now = 0;
	const cache = new TokenCache(() => now);
	cache.set('k', 'T', undefined);
	now += 45_000;
	assert.equal(cache.get('k'), 'T');
	now += 10_000;
	assert.equal(cache.get('k'), undefined);
});

test('the next page of a tag list is found in the Link header and resolved against the page', () => {
	const base = new URL('http://127.0.0.1:5000/v2/kasmweb/sidecar/tags/list?n=10');
	assert.equal(
		nextPageLink('</v2/kasmweb/sidecar/tags/list?last=amd64-1.2.9&n=10>; rel="next"', base)?.href,
		'http://127.0.0.1:5000/v2/kasmweb/sidecar/tags/list?last=amd64-1.2.9&n=10',
	);
	assert.equal(nextPageLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next', base)?.href, 'https://x/next');
	assert.equal(nextPageLink(null, base), undefined);
	assert.equal(nextPageLink('<https://x/prev>; rel="prev"', base), undefined);
});
