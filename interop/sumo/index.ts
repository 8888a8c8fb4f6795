/** SUMO: net, route and config files into a greenwave scenario (and, with the TraCI client, SUMO itself driven by the engine). */
export { importSumo, importSumoConfig, type SumoImport, type SumoImportOptions, type SumoLinkMap } from './import.js';
export { readSumoNet, type SumoNet } from './net.js';
export { readSumoRoutes, readSumoConfig, type SumoConfig, type SumoDemand } from './routes.js';
export { OUT_FILES as SUMO_OUT_FILES, runSumoCosim, type SumoCosimOptions, type SumoCosimResult } from './cosim.js';
export { readTripinfo, readSumoStatistics, runSumoOwn, type SumoTrips } from './tripinfo.js';
export { TraciClient, startSumo, type SumoRun } from './traci.js';
