// A separate process appending to one plugin's ledger, for the concurrency test.
import {Ledger} from '../../source/ledger/ledger.js';

const [directory, index, count] = process.argv.slice(2);
const ledger = new Ledger(directory!);
for (let number = 0; number < Number(count); number++) {
	ledger.append({
		time: new Date().toISOString(),
		action: 'observed',
		name: 'kasmweb/sidecar:amd64-1.2-rolling',
		reference: 'kasmweb/sidecar:amd64-1.2-rolling',
		tag: 'amd64-1.2-rolling',
		identity: {diffIds: ['sha256:' + 'b'.repeat(64)]},
		attempt: `${index}-${number}`,
		outcome: 'ok',
		user: 'ops',
		version: '0.0.0',
	});
}
