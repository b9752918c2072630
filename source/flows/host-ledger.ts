import type {Engine} from '../docker/engine.js';
import {hostLedgerDirectory} from '../ledger/hosts.js';
import {Ledger} from '../ledger/ledger.js';
import {ledgerDirectory} from '../ledger/location.js';

/** The ledger of the daemon behind `engine`, found by its identity (ID, name and data root) under the ledger folder (ledger/hosts.ts). */
export async function hostLedger(engine: Engine, options: {ledgerDir?: string; readOnly?: boolean} = {}): Promise<Ledger> {
	const {target} = engine;
	const daemon = {...(await engine.identity()), address: target.address, local: target.transport.kind === 'unix'};
	return new Ledger(hostLedgerDirectory(ledgerDirectory(options.ledgerDir), daemon, {claim: !options.readOnly}));
}
