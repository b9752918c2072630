import type {Snapshot} from '../../source/app/snapshot.js';
import type {Plugin} from '../../source/docker/plugins.js';

/** A fixed state of a Kasm host, drawn by the views in tests: views get state, they never call the daemon. */
const plugin = (fields: Partial<Plugin> & Pick<Plugin, 'name' | 'reference'>): Plugin => ({
	tag: fields.reference.split(':').pop() ?? '',
	id: 'a'.repeat(64),
	enabled: true,
	rolling: /-rolling.*$/.test(fields.name),
	description: 'Kasm sidecar network plugin',
	types: ['docker.networkdriver/1.0'],
	privileges: [{name: 'network', description: 'permissions to access a network', value: ['host']}],
	socket: 'kasm.sock',
	diffIds: [],
	...fields,
});

export const snapshot: Snapshot = {
	engine: {version: '20.10.24', apiVersion: '1.41'},
	plugins: [
		plugin({name: 'kasmweb/kasm-network-plugin:amd64-1.2.9', reference: 'kasmweb/sidecar:amd64-1.2.9', id: '1'.repeat(64)}),
		plugin({name: 'kasmweb/sidecar-edge:amd64-1.2.1', reference: 'kasmweb/sidecar:amd64-1.2.1', id: '2'.repeat(64), enabled: false}),
		plugin({
			name: 'kasmweb/sidecar:amd64-1.2-rolling',
			reference: 'kasmweb/sidecar:amd64-1.2-rolling',
			id: '3'.repeat(64),
			privileges: [
				{name: 'network', description: 'permissions to access a network', value: ['host']},
				{name: 'capabilities', description: 'list of additional capabilities required', value: ['CAP_NET_ADMIN']},
			],
		}),
	],
	images: Array.from({length: 60}, (_, index) => ({
		repository: `kasmweb/workspace-${String(index).padStart(2, '0')}`,
		tag: '1.16.0',
		id: `sha256:${String(index).padStart(64, '0')}`,
		size: 1_000_000 * (index + 1),
		created: 1_700_000_000,
		repoDigests: [],
		dangling: false,
	})),
};
