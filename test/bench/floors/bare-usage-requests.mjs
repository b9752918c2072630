// The floor for the data `kasm-tui plugins` shows: the same four Engine listings it needs (the
// plugins, and the networks, volumes and containers that say what uses them), in parallel on the
// daemon's socket with node:http, printed as they come. No parsing, no matching, no ledger.
import {createRequire} from 'node:module';

// Required, not imported: on Node 24 an ES import of node:http also loads undici (~45 ms).
const http = createRequire(import.meta.url)('node:http');

const socketPath = process.argv[2];
const paths = ['/plugins', '/networks', '/volumes', '/containers/json?all=1'];
const get = path =>
	new Promise((resolve, reject) => {
		http
			.get({socketPath, path}, response => {
				const chunks = [];
				response.on('data', chunk => chunks.push(chunk));
				response.on('end', () => resolve(Buffer.concat(chunks)));
			})
			.on('error', reject);
	});

Promise.all(paths.map(path => get(path))).then(
	([plugins, ...rest]) => {
		// The plugins first and alone on stdout, so the benchmark can check the answer as it checks the others.
		process.stdout.write(plugins);
		process.stderr.write(`${rest.reduce((sum, body) => sum + body.length, 0)} bytes of usage listings\n`);
	},
	error => {
		process.stderr.write(`${error.message}\n`);
		process.exitCode = 1;
	},
);
