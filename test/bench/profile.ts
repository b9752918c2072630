import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import {SourceMap} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * Where a process's CPU time goes, from a `node --cpu-prof` profile of a build made with source
 * maps: each sample is charged to the package (`ink`, `react-reconciler`) or the source folder
 * (`source/app`) its code came from, so a minified bundle still says what was slow.
 */

interface CpuProfile {
	nodes: Array<{id: number; callFrame: {url: string; functionName: string; lineNumber: number; columnNumber: number}; children?: number[]}>;
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/**
 * Builds the bin of the checkout at `root` as its `npm run build` does (source/build/build.ts, or
 * source/build.ts in checkouts from before the build tooling had a folder of its own), with
 * source maps, into `outdir` (which must sit inside that checkout so the bundle's externals resolve).
 */
export function buildWithSourceMaps(root: string, outdir: string): string {
	const script = [path.join(root, 'source', 'build', 'build.ts'), path.join(root, 'source', 'build.ts')].find(file => fs.existsSync(file));
	if (!script) {
		throw new Error(`${root} has neither source/build/build.ts nor source/build.ts: cannot make a profiling build of it`);
	}

	execFileSync(process.execPath, ['--import', 'tsx', script, '--outdir', outdir, '--sourcemap'], {cwd: root, stdio: ['ignore', 'ignore', 'inherit']});
	return path.join(outdir, 'cli.js');
}

/** `…/node_modules/@scope/pkg/x.js` → `@scope/pkg`; `…/source/app/x.tsx` → `source/app`; `node:internal/…` → `node (internal)`. */
function ownerOfPath(file: string): string {
	const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
	if (modules && modules[1] !== '.cache') {
		return modules[1]!;
	}

	const source = /(?:^|\/)((?:source|test)\/[^/]+)\//.exec(file);
	if (source) {
		return source[1]!;
	}

	return /(?:^|\/)(source\/[^/]+)$/.exec(file)?.[1] ?? path.basename(file);
}

class Attribution {
	private readonly maps = new Map<string, SourceMap | undefined>();

	owner(frame: CpuProfile['nodes'][number]['callFrame']): string {
		const {url, functionName} = frame;
		if (url === '') {
			// (garbage collector), (program), (idle), or native code.
			return functionName.startsWith('(') ? functionName : '(native)';
		}

		if (url.startsWith('wasm://')) {
			// The only WebAssembly here is yoga-layout, Ink's flexbox.
			return 'yoga-layout (wasm)';
		}

		if (url.startsWith('node:')) {
			return 'node (internal)';
		}

		const file = url.startsWith('file://') ? fileURLToPath(url) : url;
		const map = this.mapOf(file);
		const original = (map?.findEntry(frame.lineNumber, frame.columnNumber) as {originalSource?: string} | undefined)?.originalSource;
		if (!original) {
			return ownerOfPath(file);
		}

		// Sources are relative to the map's folder (which sits in node_modules/.cache, hence the ../../).
		return ownerOfPath(original.startsWith('file://') ? fileURLToPath(original) : path.resolve(path.dirname(file), original));
	}

	private mapOf(file: string): SourceMap | undefined {
		if (!this.maps.has(file)) {
			let map: SourceMap | undefined;
			try {
				map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
			} catch {}

			this.maps.set(file, map);
		}

		return this.maps.get(file);
	}
}

const internal = new Set(['node (internal)', '(native)']);

/**
 * Self time (ms) per package or source folder, most first. Time in Node's internals and native
 * code (the module loader compiling a package, JSON.parse, a socket write) is charged to the
 * nearest package or source folder up the stack that called it.
 */
export function summariseProfile(
	file: string,
	{top = 14, fromUs = -Infinity, toUs = Infinity}: {top?: number; fromUs?: number; toUs?: number} = {},
): {totalMs: number; byOwner: Array<[string, number]>} {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
	const attribution = new Attribution();
	const ownerOf = new Map(profile.nodes.map(node => [node.id, attribution.owner(node.callFrame)]));
	const parentOf = new Map<number, number>();
	for (const node of profile.nodes) {
		for (const child of node.children ?? []) {
			parentOf.set(child, node.id);
		}
	}

	const charged = (id: number): string => {
		const own = ownerOf.get(id) ?? '?';
		if (!internal.has(own)) {
			return own;
		}

		for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
			const name = ownerOf.get(at)!;
			if (!internal.has(name) && !name.startsWith('(')) {
				return name;
			}
		}

		return own;
	};

	// Sample times are on the monotonic clock (µs), the one process.hrtime reads: a window can be cut out.
	const totals = new Map<string, number>();
	let at = profile.startTime;
	for (const [index, id] of profile.samples.entries()) {
		const delta = profile.timeDeltas[index] ?? 0;
		at += delta;
		if (at < fromUs || at > toUs) {
			continue;
		}

		const name = charged(id);
		totals.set(name, (totals.get(name) ?? 0) + delta / 1000);
	}

	const byOwner = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => [name, Math.round(ms)] as [string, number]);
	const from = Math.max(fromUs, profile.startTime);
	const to = Math.min(toUs, profile.endTime);
	return {totalMs: Math.round((to - from) / 1000), byOwner};
}

/** The one .cpuprofile node wrote into `dir`. */
export function profileIn(dir: string): string | undefined {
	const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter(name => name.endsWith('.cpuprofile')) : [];
	return found.length > 0 ? path.join(dir, found.sort().at(-1)!) : undefined;
}
