import type Yoga from 'yoga-layout';
import {loadYoga} from 'yoga-layout/load';

/**
 * yoga-layout as Ink imports it (source/build/plugins.ts puts this file in its place): the same object,
 * whose WebAssembly loadLayoutEngine() loads before the first render, instead of the top-level
 * await of yoga-layout's own entry, which the executable's CommonJS bundle cannot hold.
 */
const layoutEngine = {} as typeof Yoga;
export default layoutEngine;

let loading: Promise<void> | undefined;

/** Loads yoga's WebAssembly once; Ink calls into it only from the first render on. */
export async function loadLayoutEngine(): Promise<void> {
	loading ??= loadYoga().then(loaded => {
		Object.assign(layoutEngine, loaded);
	});
	return loading;
}
