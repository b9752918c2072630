import {memo} from 'react';
import type {FooterItem} from '../keys/keymap.js';
import {Lines} from './lines.js';
import type {Line} from '../content/line.js';

/**
 * The last row: the keys of the pane in focus, a key that cannot act now dim and in parentheses
 * (`?` says why), or, while a prompt or filter has the keys, what they do there.
 */
export const Footer = memo(function Footer({items, hint, width}: {items?: FooterItem[]; hint?: string; width: number}) {
	// A dialog says its own keys: no row at all.
	if (hint === '') {
		return null;
	}

	const row: Line =
		hint === undefined
			? [{text: ' '}, ...(items ?? []).flatMap((item, index) => [...(index > 0 ? [{text: '  '}] : []), {text: item.text, dim: item.disabled}])]
			: [{text: hint, dim: true}];
	return <Lines lines={[row]} width={width} height={1} />;
});
