// The same request through dockerode, as kasm-tui makes it: what importing dockerode adds to the floor.
import Docker from 'dockerode';

const docker = new Docker({socketPath: process.argv[2]});
process.stdout.write(JSON.stringify(await docker.listPlugins()));
