/** The network model: scenario → graphology graph and checked model → compiled typed arrays; routing. */
export type * from './model.js';
export { buildNetwork, buildConflictModel, defaultLaneUse, turnType, TIMING_DEFAULTS, DETECTOR_DEFAULTS } from './build.js';
export * from './compile.js';
export { graphKey } from './graphKey.js';
export { Router, movementTimeS, freeFlowTables, routeFreeFlowS, type FreeFlowTables } from './routing.js';
export { linkConflict, movementConflicts, type ConflictKind } from './conflicts.js';
export * as geometry from './geometry.js';
export { servicePhases } from './servicePhases.js';
export * from './timing.js';
