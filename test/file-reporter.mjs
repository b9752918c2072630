/**
 * A node:test reporter beside the usual one: one JSON line per test and suite that passed or
 * failed, for test/run.ts's summary of each file on each engine. Plain JavaScript: node loads
 * reporters before tsx can compile them.
 *
 * @typedef {{file: string, name: string, passed: boolean, isTest: boolean, ms: number}} TestOutcome
 * `isTest` is false for a suite (its tests are counted); only top-level tests and suites carry
 * `ms`, so a file's time is their sum without counting a nested test twice.
 */

/** @param {AsyncIterable<{type: string, data: {name?: string, file?: string, nesting?: number, details?: {type?: string, duration_ms?: number}}}>} source */
export default async function* fileReporter(source) {
	for await (const event of source) {
		if (event.type !== 'test:pass' && event.type !== 'test:fail') {
			continue;
		}

		/** @type {TestOutcome} */
		const outcome = {
			file: event.data.file ?? event.data.name ?? '',
			name: event.data.name ?? '',
			passed: event.type === 'test:pass',
			isTest: event.data.details?.type !== 'suite',
			ms: event.data.nesting === 0 ? (event.data.details?.duration_ms ?? 0) : 0,
		};
		yield JSON.stringify(outcome) + '\n';
	}
}
