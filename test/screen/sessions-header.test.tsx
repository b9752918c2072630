import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {Header} from '../../source/app/components/header.js';
import {parseHost} from '../../source/hosts/resolve.js';

afterEach(() => cleanup());

const target = parseHost('unix:///var/run/docker.sock', 'default');
const snapshot = (liveSessions: number) => ({engine: {version: '20.10.24', apiVersion: '1.41', arch: 'amd64'}, plugins: [], images: [], liveSessions});

test("the header counts the host's live Kasm sessions beside its plugins and images, and says nothing of sessions where there are none", () => {
	assert.match(render(<Header target={target} readOnly={false} snapshot={snapshot(3)} width={100} />).lastFrame() ?? '', /0 plugins · 0 images · 3 live Kasm sessions\s*$/);
	assert.match(render(<Header target={target} readOnly snapshot={snapshot(1)} width={100} />).lastFrame() ?? '', /1 live Kasm session · READ-ONLY\s*$/);
	assert.doesNotMatch(render(<Header target={target} readOnly={false} snapshot={snapshot(0)} width={100} />).lastFrame() ?? '', /session/);
});

test("the header names the host's Kasm release after its Docker; at narrower widths the API version gives way first, then the Kasm release", () => {
	const kasm = {...snapshot(0), kasm: ['1.19.0']};
	assert.match(render(<Header target={target} readOnly={false} snapshot={kasm} width={100} />).lastFrame() ?? '', /─ docker 20\.10\.24 ─ Kasm 1\.19\.0\s+0 plugins · 0 images\s*$/);
	assert.doesNotMatch(render(<Header target={target} readOnly={false} snapshot={snapshot(0)} width={100} />).lastFrame() ?? '', /Kasm/);
	const narrow = render(<Header target={target} readOnly={false} snapshot={kasm} width={60} />).lastFrame() ?? '';
	assert.match(narrow, /docker 20\.10\.24/);
	assert.doesNotMatch(narrow, /Kasm/);
});
