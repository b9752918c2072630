import process from 'node:process';
import {getAsset} from 'node:sea';
import {runApp} from './compile.js';

// The executable's main script: the app and its code cache are assets beside it (source/build/package.ts).
const {app, rejected} = runApp(getAsset('app.js', 'utf8'), process.execPath, new Uint8Array(getAsset('app.cache')));
if (rejected) {
	// Only a packaging mistake does this (a cache from another Node); it still runs, slower.
	process.stderr.write('kasm-tui: this executable\'s code cache does not fit its Node: starting without it (rebuild with "npm run package")\n');
}

app.runCli(process.argv.slice(2));
