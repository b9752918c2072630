import fs from 'node:fs';
import path from 'node:path';
import {debug} from '../debug.js';
import {othersCanWrite, ownedByOthers} from './ledger.js';

/**
 * A ledger per daemon, kept where kasm-tui runs and keyed by the daemon's ID, so two addresses
 * of one daemon (its socket, ssh://, tcp://) share one history:
 * - the ledger folder itself belongs to one daemon, named in its `daemon.json`. Before the fleet
 *   it held the local daemon's history with no such file: the first local daemon (reached over a
 *   unix socket) that finds no claim makes one, so those ledgers keep working where they are,
 *   with nothing moved and no step for the operator;
 * - every other daemon's history is in `hosts/<ID>/` below it, with a `daemon.json` of its own.
 */

export interface DaemonIdentity {
	/** /info `ID`, already checked to be a plain token. */
	id: string;
	/** The address it was reached at, recorded for people reading the folder. */
	address: string;
	/** Reached over a unix socket: the daemon of this machine. */
	local: boolean;
}

export const claimFile = 'daemon.json';

interface Claim {
	id?: unknown;
}

function readClaim(folder: string): Claim | undefined {
	try {
		return JSON.parse(fs.readFileSync(path.join(folder, claimFile), 'utf8')) as Claim;
	} catch (error) {
		// A claim cut short by a crash or edited to nonsense names no daemon: like none.
		return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : {};
	}
}

/**
 * Writes the claim once (O_EXCL: of two kasm-tui at once, one wins); false when another was there.
 * Never into a folder the ledger itself would refuse (others can write it, or own it): nothing
 * is written there, and the ledger says why when a change is tried.
 */
function writeClaim(folder: string, daemon: DaemonIdentity): boolean {
	fs.mkdirSync(folder, {recursive: true, mode: 0o700});
	const stats = fs.statSync(folder);
	if (othersCanWrite(stats) || ownedByOthers(stats)) {
		throw new Error(`${folder} is not private to this user`);
	}

	let descriptor: number;
	try {
		descriptor = fs.openSync(path.join(folder, claimFile), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return false;
		}

		throw error;
	}

	try {
		fs.writeSync(descriptor, JSON.stringify({id: daemon.id, address: daemon.address, since: new Date().toISOString()}) + '\n');
		fs.fsyncSync(descriptor);
	} finally {
		fs.closeSync(descriptor);
	}

	return true;
}

/**
 * The folder of one daemon's ledger under `root`. With `claim` (anything but --read-only) an
 * unclaimed folder is claimed; a claim that cannot be written (read-only disk, no space) is
 * left for the ledger itself to report when something is written.
 */
export function hostLedgerDirectory(root: string, daemon: DaemonIdentity, {claim = true}: {claim?: boolean} = {}): string {
	const own = path.join(root, 'hosts', daemon.id);
	let owner = readClaim(root);
	if (owner?.id === daemon.id) {
		return root;
	}

	if (owner === undefined && daemon.local && claim) {
		try {
			owner = writeClaim(root, daemon) ? {id: daemon.id} : readClaim(root);
		} catch (error) {
			debug('ledger', `could not claim ${root} for the daemon ${daemon.id}`, {error});
		}
	}

	// Unclaimed, or a claim nobody can read (edited by hand): the local daemon's, as before the fleet.
	if (daemon.local && (typeof owner?.id !== 'string' || owner.id === daemon.id)) {
		return root;
	}

	if (claim && readClaim(own) === undefined) {
		try {
			writeClaim(own, daemon);
		} catch (error) {
			debug('ledger', `could not write the claim of ${own}`, {error});
		}
	}

	return own;
}
