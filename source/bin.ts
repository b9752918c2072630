import module from 'node:module';

// The npm-installed bin. Node >= 22 keeps what it compiles of kasm-tui (cli.js and every chunk
// loaded after this line) in its compile cache for the next start; Node 20 has no such cache.
(module as {enableCompileCache?: () => unknown}).enableCompileCache?.();
await import('./cli.js');
