/**
 * What the command table's rows run (run.ts), in one module loaded once the command line is read
 * and the first requests are on their way. One module, not one per command: the npm bundle then
 * keeps the headless code in a few chunks (Node 20 pays ~0.3 ms for each ES module file it
 * loads; a module per command split the code they share into ~25 files). The screens' drawing
 * (Ink, React, yoga) is not here: open-screen.ts loads it when a screen opens.
 */
export {openFleetScreen} from '../app/screens/open-fleet-screen.js';
export {openScreen} from '../app/screens/open-screen.js';
export {doctorCommand, fleetDoctorCommand} from '../commands/doctor.js';
export {fleetHosts, fleetPluginsCommand} from '../commands/fleet.js';
export {fleetImagesCommand, fleetPullCommand} from '../commands/fleet-images.js';
export {autoUpdateCommand, recoverCommand, reinstallCommand, rollbackCommand, upgradeCommand, upgradePluginsCommand} from '../commands/flows.js';
export {historyCommand} from '../commands/history.js';
export {imagesCommand} from '../commands/images.js';
export {installCommand} from '../commands/install.js';
export {latestCommand} from '../commands/latest.js';
export {logsCommand} from '../commands/logs.js';
export {pluginsCommand} from '../commands/plugins.js';
export {pruneCommand} from '../commands/prune.js';
export {pullCommand} from '../commands/pull.js';
export {rolloutCommand} from '../commands/rollout.js';
export {setCommand} from '../commands/set.js';
export {tagsCommand} from '../commands/tags.js';
