import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {debug} from '../debug.js';
import {sameDaemon, type DaemonIdentity} from '../docker/identity.js';
import {othersCanWrite, ownedByOthers} from './ledger.js';
import {pause, PluginBusy, PluginLock} from './lock.js';

/**
 * A ledger per daemon, kept where kasm-tui runs and found by the daemon's identity (its engine ID,
 * name and data root: docker/identity.ts), so two addresses of one daemon (its socket, ssh://,
 * tcp://) share one history and two machines cloned from one image keep two. Each folder names
 * its daemon in a `daemon.json` claim ({id, name, dataRoot, address, since}). The rule:
 * - the ledger folder itself is the local daemon's. Before the fleet it held that history with no
 *   claim: the first local daemon (reached over a unix socket) that finds none makes one, so those
 *   ledgers keep working where they are, with nothing moved and no step for the operator;
 * - every other daemon's history is in `hosts/<ID>/` if that folder is its, or unclaimed; a daemon
 *   with the same ID and another name or data root (a clone) has
 *   `hosts/<ID>-<the first 12 hex digits of sha256(name NUL dataRoot)>/`: a function of who it is;
 * - a claim from before names were recorded holds the ID alone. The first daemon of that ID that
 *   finds it binds it (its name and data root are added, under a lock, so of two at once one wins)
 *   and it is that daemon's from then on; its entries are never moved. The ledger folder's own
 *   such claim was only ever written by the local daemon: only a daemon reached over a unix socket,
 *   or one named as this machine is (the local daemon over ssh://), binds it.
 */

export interface DaemonAt extends DaemonIdentity {
	/** The address it was reached at, recorded for people reading the folder. */
	address: string;
	/** Reached over a unix socket: the daemon of this machine. */
	local: boolean;
}

export const claimFile = 'daemon.json';

interface Claim {
	id?: unknown;
	name?: unknown;
	dataRoot?: unknown;
	since?: unknown;
}

function readClaim(folder: string): Claim | undefined {
	try {
		const claim = JSON.parse(fs.readFileSync(path.join(folder, claimFile), 'utf8')) as unknown;
		return claim !== null && typeof claim === 'object' ? (claim as Claim) : {};
	} catch (error) {
		// A claim cut short by a crash or edited to nonsense names no daemon: like none.
		return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : {};
	}
}

/** Written by the release before names were recorded: the ID alone. */
const bound = (claim: Claim) => typeof claim.name === 'string' && typeof claim.dataRoot === 'string';
const isDaemons = (claim: Claim | undefined, daemon: DaemonIdentity) =>
	claim !== undefined && bound(claim) && sameDaemon({id: claim.id as string, name: claim.name as string, dataRoot: claim.dataRoot as string}, daemon);
const unboundFor = (claim: Claim | undefined, daemon: DaemonIdentity) => claim !== undefined && claim.id === daemon.id && !bound(claim);

function claimText(daemon: DaemonAt, since = new Date().toISOString()): string {
	return JSON.stringify({id: daemon.id, name: daemon.name, dataRoot: daemon.dataRoot, address: daemon.address, since}) + '\n';
}

/** Never into a folder the ledger itself would refuse (others can write it, or own it): the ledger says why when a change is tried. */
function assertPrivate(folder: string): void {
	fs.mkdirSync(folder, {recursive: true, mode: 0o700});
	const stats = fs.statSync(folder);
	if (othersCanWrite(stats) || ownedByOthers(stats)) {
		throw new Error(`${folder} is not private to this user`);
	}
}

/** Writes the claim once (O_EXCL: of two kasm-tui at once, one wins, and the other reads its claim). */
function writeClaim(folder: string, daemon: DaemonAt): void {
	assertPrivate(folder);
	let descriptor: number;
	try {
		descriptor = fs.openSync(path.join(folder, claimFile), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return;
		}

		throw error;
	}

	try {
		fs.writeSync(descriptor, claimText(daemon));
		fs.fsyncSync(descriptor);
	} finally {
		fs.closeSync(descriptor);
	}
}

/**
 * Adds the daemon's name and data root to a claim that holds its ID alone, under a lock so that of
 * two kasm-tui binding it at once for two clones, one wins; the claim is replaced whole (written
 * aside, then renamed).
 */
function bindClaim(folder: string, daemon: DaemonAt, read: () => Claim | undefined): void {
	assertPrivate(folder);
	let lock: PluginLock | undefined;
	for (const deadline = Date.now() + 2000; !lock; pause(10)) {
		try {
			lock = PluginLock.acquire(path.join(folder, `${claimFile}.lock`), 'bind the ledger folder to its daemon', folder);
		} catch (error) {
			if (!(error instanceof PluginBusy) || Date.now() > deadline) {
				throw error;
			}
		}
	}

	try {
		const claim = read();
		if (!unboundFor(claim, daemon)) {
			return;
		}

		const since = typeof claim?.since === 'string' ? claim.since : undefined;
		const aside = path.join(folder, `${claimFile}.${process.pid}.tmp`);
		const descriptor = fs.openSync(aside, 'w', 0o600);
		try {
			fs.writeSync(descriptor, claimText(daemon, since));
			fs.fsyncSync(descriptor);
		} finally {
			fs.closeSync(descriptor);
		}

		fs.renameSync(aside, path.join(folder, claimFile));
	} finally {
		lock.release();
	}
}

/**
 * Whether `folder` is `daemon`'s: claimed by it, or (with `claim`) claimed for it now when it is
 * unclaimed, or holds its ID alone and `mayBind`. Read-only (`claim` false) writes nothing and
 * answers as a change would find it. In `hosts/` a claim cut short by a crash still says the
 * folder's ID (its name): it is taken as an ID-only claim.
 */
function takes(folder: string, daemon: DaemonAt, {claim, mayBind, impliedId}: {claim: boolean; mayBind: boolean; impliedId?: string}): boolean {
	const read = () => {
		const found = readClaim(folder);
		return found && found.id === undefined && impliedId ? {id: impliedId} : found;
	};

	const owner = read();
	if (isDaemons(owner, daemon)) {
		return true;
	}

	if (owner !== undefined && !(mayBind && unboundFor(owner, daemon))) {
		return false;
	}

	if (!claim) {
		return true;
	}

	try {
		if (owner === undefined) {
			writeClaim(folder, daemon);
		} else {
			bindClaim(folder, daemon, read);
		}
	} catch (error) {
		// A claim that cannot be written (read-only disk, no space) is left for the ledger itself to report when something is written.
		debug('ledger', `could not claim ${folder} for the daemon ${daemon.id}`, {error});
		return true;
	}

	// Of two kasm-tui claiming at once, the other may have won.
	return isDaemons(read(), daemon);
}

/** The folder of a daemon that shares its engine ID with another one (a clone): a function of its name and data root. */
function cloneFolderName(daemon: DaemonIdentity): string {
	// Loaded only for a clone, as the lock loads it: node:crypto costs ~10 ms of a listing's start.
	const {createHash} = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
	return `${daemon.id}-${createHash('sha256').update(`${daemon.name}\0${daemon.dataRoot}`).digest('hex').slice(0, 12)}`;
}

/**
 * The folder of one daemon's ledger under `root`. With `claim` (anything but --read-only) an
 * unclaimed folder is claimed and an ID-only claim bound, by the rule at the top of this file.
 */
export function hostLedgerDirectory(root: string, daemon: DaemonAt, {claim = true}: {claim?: boolean} = {}): string {
	const owner = readClaim(root);
	if (typeof owner?.id === 'string') {
		// The local daemon over ssh:// is named as this machine; a clone of this machine is named otherwise.
		if (takes(root, daemon, {claim, mayBind: daemon.local || daemon.name === os.hostname()})) {
			return root;
		}
	} else if (daemon.local && (owner !== undefined || takes(root, daemon, {claim, mayBind: false}))) {
		// Unclaimed: the local daemon's, as before the fleet; a claim nobody can read (edited by hand) is left as it is.
		return root;
	}

	const first = path.join(root, 'hosts', daemon.id);
	if (takes(first, daemon, {claim, mayBind: true, impliedId: daemon.id})) {
		return first;
	}

	const own = path.join(root, 'hosts', cloneFolderName(daemon));
	if (!takes(own, daemon, {claim, mayBind: true, impliedId: daemon.id})) {
		// 48 bits of one daemon's name and root hash alike another's: never seen, but never mixed either.
		throw new Error(`the ledger folder ${own} is claimed by another daemon: see its ${claimFile}`);
	}

	return own;
}
