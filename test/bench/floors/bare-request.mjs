// The floor for any Node tool: one Engine API request on the daemon's socket with node:http, nothing else.
import {createRequire} from 'node:module';

// Required, not imported: on Node 24 an ES import of node:http also loads undici (~45 ms).
const http = createRequire(import.meta.url)('node:http');

const socketPath = process.argv[2];
http
	.get({socketPath, path: '/plugins'}, response => {
		const chunks = [];
		response.on('data', chunk => chunks.push(chunk));
		response.on('end', () => process.stdout.write(Buffer.concat(chunks)));
	})
	.on('error', error => {
		process.stderr.write(`${error.message}\n`);
		process.exitCode = 1;
	});
