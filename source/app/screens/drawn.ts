/**
 * What both screens draw with (Ink, React, yoga's WebAssembly and our components), loaded only
 * when a screen opens, after its first requests have left. One module for the two, so the bundle
 * keeps what they share with the command line in one chunk (source/build/build.ts).
 */
export {showFleetScreen} from './fleet-screen.js';
export {showScreen} from './screen.js';
