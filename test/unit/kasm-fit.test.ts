import assert from 'node:assert/strict';
import {test} from 'node:test';
import {kasmReleases, releaseOfImage} from '../../source/docker/kasm.js';
import {kasmMisfits} from '../../source/flows/kasm-fit.js';

test("a Kasm release is read from its kasm_* services' image tags, newest first; other containers and tags without a release say nothing", () => {
	assert.equal(releaseOfImage('kasmweb/agent:1.17.0'), '1.17.0');
	assert.equal(releaseOfImage('registry.example:5000/kasmweb/api:1.19.0-rolling'), '1.19.0');
	assert.equal(releaseOfImage('registry.example:5000/kasmweb/api'), undefined);
	assert.equal(releaseOfImage('kasmweb/proxy:latest'), undefined);
	assert.deepEqual(
		kasmReleases([
			{Names: ['/kasm_agent'], Image: 'kasmweb/agent:1.17.0'},
			{Names: ['/kasm_api'], Image: 'kasmweb/api:1.19.0'},
			{Names: ['/kasm_proxy'], Image: 'kasmweb/proxy:1.17.0'},
			{Names: ['/chrome_session'], Image: 'kasmweb/chrome:1.16.0'},
		]),
		['1.19.0', '1.17.0'],
	);
	assert.deepEqual(kasmReleases([{Names: ['/web'], Image: 'nginx:1.27.0'}]), []);
});

test('Kasm 1.19 needs Docker 25.0.5 or newer: 25.0.4 and 20.10 do not fit, 25.0.5 and 28.5 do', () => {
	assert.match(kasmMisfits('1.19.0', '20.10.24+dfsg1')[0]?.problem ?? '', /needs Docker ≥ 25\.0\.5; this host runs Docker 20\.10\.24\+dfsg1/);
	assert.equal(kasmMisfits('1.19.1', '25.0.4').length, 1);
	assert.deepEqual(kasmMisfits('1.19.0', '25.0.5'), []);
	assert.deepEqual(kasmMisfits('1.19.0', '28.5.2'), []);
	assert.deepEqual(kasmMisfits('1.17.0', '20.10.24'), [], 'Kasm 1.17 has no such floor');
});

test("Kasm 1.17's services fail on Docker 29.0 to 29.2, whose API minimum is 1.44; 28.x and 29.3 accept them", () => {
	for (const docker of ['29.0.0', '29.1.4', '29.2.1']) {
		const [misfit] = kasmMisfits('1.17.0', docker);
		assert.match(misfit?.problem ?? '', /speak Engine API 1\.42, which Docker 29\.\d\.\d refuses/, docker);
		assert.deepEqual(
			misfit!.facts.map(fact => fact.source),
			['kasmtech/workspaces-issues#815, kasmtech/workspaces-issues#817', 'moby/moby#51186', 'moby/moby#52067'],
		);
	}

	assert.deepEqual(kasmMisfits('1.17.0', '28.5.2'), []);
	assert.deepEqual(kasmMisfits('1.17.0', '29.3.0'), []);
	assert.deepEqual(kasmMisfits('1.19.0', '29.1.0'), [], 'only 1.17 is known to speak 1.42');
});
