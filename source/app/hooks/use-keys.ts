import {useInput, type Key} from 'ink';

/**
 * Keys as the operator typed them. Keys typed fast, held down, or pasted reach us over SSH as
 * one chunk ("jjj", "text\r", "yy"): each character is a key of its own, Enter, Backspace and
 * ctrl-letters too.
 */
export function useKeys(onKey: (input: string, key: Key) => void): void {
	useInput((input, key) => {
		if (input.length > 1 && !key.ctrl && !key.meta && !key.escape) {
			for (const character of input) {
				if (character === '\r' || character === '\n') {
					onKey('', {...key, return: true});
				} else if (character === '\t') {
					onKey('', {...key, return: false, tab: true});
				} else if (character === '\u007F' || character === '\b') {
					onKey('', {...key, return: false, backspace: true});
				} else if (character < ' ') {
					// ctrl and a letter (ctrl-u: 0x15), as Ink reads it when it comes alone.
					onKey(String.fromCharCode(character.charCodeAt(0) + 96), {...key, return: false, ctrl: true});
				} else {
					onKey(character, {...key, return: false});
				}
			}

			return;
		}

		onKey(input, key);
	});
}
