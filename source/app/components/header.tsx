import {Text} from 'ink';
import {memo} from 'react';
import type {DiskSummary} from '../../docker/disk.js';
import type {EngineTarget} from '../../docker/target.js';
import {tlsUnverified} from '../../hosts/resolve.js';
import {humanSize, printable, truncate} from '../../text.js';
import type {HostSnapshot} from '../services/host-services.js';

/**
 * The context an operator acts on, always visible (as k9s does): kasm-tui, host, engine, and
 * on the right the counts and READ-ONLY. The address gives way first at narrow widths.
 */
export const Header = memo(function Header({target, readOnly, snapshot, width}: {target: EngineTarget; readOnly: boolean; snapshot?: HostSnapshot; width: number}) {
	const parts = (disk: 'full' | 'size' | 'none') =>
		[
			snapshot ? counted(snapshot.plugins.length, 'plugin') : undefined,
			snapshot ? `${counted(snapshot.images.length, 'image')}${snapshot.disk && disk !== 'none' ? ` ${diskText(snapshot.disk, disk === 'full')}` : ''}` : undefined,
			snapshot?.liveSessions ? counted(snapshot.liveSessions, 'live Kasm session') : undefined,
			readOnly ? 'READ-ONLY' : undefined,
			// --tls-insecure or a context's SkipTLSVerify: said where the host is, for as long as it is open.
			tlsUnverified(target) ? 'TLS unverified' : undefined,
		]
			.filter(Boolean)
			.join(' · ');
	// The disk figures give way before the address and the engine version do: what is acted on stays in view.
	const least = snapshot ? [...` kasm-tui ─ ${printable(target.address)} ─ docker ${snapshot.engine.version}`].length : 0;
	const right = (['full', 'size', 'none'] as const).map(disk => parts(disk)).find(text => [...text].length + 2 + least <= width) ?? parts('none');
	const kasm = snapshot?.kasm?.length ? ` ─ Kasm ${snapshot.kasm.join(', ')}` : '';
	const engines = snapshot ? [` ─ docker ${snapshot.engine.version} (API ${snapshot.engine.apiVersion})${kasm}`, ` ─ docker ${snapshot.engine.version}${kasm}`, ` ─ docker ${snapshot.engine.version}`] : [''];
	const room = Math.max(0, width - [...right].length - 2);
	const address = printable(target.address);
	let left = '';
	for (const engine of engines) {
		left = ` kasm-tui ─ ${address}${engine}`;
		if ([...left].length <= room) {
			break;
		}
	}

	if ([...left].length > room) {
		const engine = engines.at(-1)!;
		left = ` kasm-tui ─ ${truncate(address, Math.max(8, room - [...` kasm-tui ─ ${engine}`].length))}${engine}`;
	}

	left = truncate(left, room);
	const gap = Math.max(1, width - [...left].length - [...right].length - 1);
	return (
		<Text bold inverse>
			{truncate(left + ' '.repeat(gap) + right + ' ', width)}
		</Text>
	);
});

/** `1.83GB (1.21GB reclaimable)`, or the size alone where room is short. */
function diskText(disk: DiskSummary, full: boolean): string {
	return full ? `${humanSize(disk.imagesSize)} (${humanSize(disk.reclaimable)} reclaimable)` : humanSize(disk.imagesSize);
}

function counted(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
