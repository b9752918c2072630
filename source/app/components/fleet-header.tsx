import {Text} from 'ink';
import {memo} from 'react';
import {printable, truncate} from '../../text.js';

interface Props {
	hosts: number;
	plugins: number;
	drifting: number;
	canaries: readonly string[];
	readOnly: boolean;
	/** How many hosts are reached by TLS whose certificate is not checked (--tls-insecure, SkipTLSVerify). */
	tlsUnverified?: number;
	width: number;
}

/** The context an operator acts on, always visible: the fleet, its size and drift, and on the right the canaries and READ-ONLY. */
export const FleetHeader = memo(function FleetHeader({hosts, plugins, drifting, canaries, readOnly, tlsUnverified = 0, width}: Props) {
	const left = ` kasm-tui ─ fleet of ${hosts} host${hosts === 1 ? '' : 's'} ─ ${plugins} plugin${plugins === 1 ? '' : 's'}${drifting > 0 ? ` ─ ! ${drifting} drifting` : ''}`;
	const right = [
		canaries.length > 0 ? `canary ${canaries.join(', ')}` : undefined,
		readOnly ? 'READ-ONLY' : undefined,
		tlsUnverified > 0 ? `TLS unverified (${tlsUnverified} host${tlsUnverified === 1 ? '' : 's'})` : undefined,
	]
		.filter(Boolean)
		.join(' · ');
	const room = Math.max(0, width - [...right].length - 2);
	const shown = truncate(printable(left), room);
	const gap = Math.max(1, width - [...shown].length - [...right].length - 1);
	return (
		<Text bold inverse>
			{truncate(shown + ' '.repeat(gap) + printable(right) + ' ', width)}
		</Text>
	);
});
