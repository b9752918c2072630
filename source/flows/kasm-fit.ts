import {compareVersions, versionNumbers} from '../docker/kasm.js';

/**
 * What is known about which Kasm releases talk to which Docker, each fact with where it comes
 * from. The doctor's findings name the facts they rest on; nothing here is guessed beyond them.
 */
export interface FitFact {
	id: 'docker-29.0-api-minimum' | 'docker-29.3-api-minimum' | 'kasm-1.17-api' | 'kasm-1.19-docker';
	says: string;
	source: string;
}

export const kasmDockerFacts: readonly FitFact[] = [
	{id: 'docker-29.0-api-minimum', says: 'Docker 29.0 raised the Engine API minimum to 1.44', source: 'moby/moby#51186'},
	{id: 'docker-29.3-api-minimum', says: 'Docker 29.3 lowered the Engine API minimum to 1.40 again', source: 'moby/moby#52067'},
	{id: 'kasm-1.17-api', says: "Kasm 1.17's services speak Engine API 1.42 and fail on Docker 29.0–29.2", source: 'kasmtech/workspaces-issues#815, kasmtech/workspaces-issues#817'},
	{id: 'kasm-1.19-docker', says: 'Kasm 1.19 needs Docker 25.0.5 or newer', source: "Kasm Workspaces 1.19's system requirements (kasmweb.com docs)"},
];

export interface KasmMisfit {
	kasm: string;
	docker: string;
	problem: string;
	/** What to do about it. */
	remedy: string;
	facts: FitFact[];
}

const fact = (id: FitFact['id']) => kasmDockerFacts.find(candidate => candidate.id === id)!;
const line = (version: string) => versionNumbers(version).slice(0, 2).join('.');

/** What does not fit between a host's Kasm release and its Docker, by the facts above; nothing when they fit or nothing is known. */
export function kasmMisfits(kasm: string, docker: string): KasmMisfit[] {
	if (versionNumbers(kasm).length === 0 || versionNumbers(docker).length === 0) {
		return [];
	}

	const misfits: KasmMisfit[] = [];
	if (compareVersions(kasm, '1.19.0') >= 0 && compareVersions(docker, '25.0.5') < 0) {
		misfits.push({kasm, docker, problem: `Kasm ${kasm} needs Docker ≥ 25.0.5; this host runs Docker ${docker}`, remedy: 'upgrade Docker on this host to 25.0.5 or newer', facts: [fact('kasm-1.19-docker')]});
	}

	if (line(kasm) === '1.17' && compareVersions(docker, '29.0.0') >= 0 && compareVersions(docker, '29.3.0') < 0) {
		misfits.push({
			kasm,
			docker,
			problem: `Kasm ${kasm}'s services speak Engine API 1.42, which Docker ${docker} refuses (its minimum is 1.44)`,
			remedy: 'upgrade Docker to 29.3 or newer (it accepts 1.40 again), or go back to Docker 28',
			facts: [fact('kasm-1.17-api'), fact('docker-29.0-api-minimum'), fact('docker-29.3-api-minimum')],
		});
	}

	return misfits;
}
