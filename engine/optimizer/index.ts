/** The network optimizer: timing plans (cycle, splits, offsets) for every signal, in worker threads. */
export { buildOptNet, viewOptNet, designLaneFlows, OPTNET_VERSION, type OptNet } from './optnet.js';
export {
  replanInline,
  newPlanArrays,
  arrivalsOnRed,
  linkFlows,
  REPLAN_DEFAULTS,
  type PlanArrays,
  type ReplanParams,
} from './replan.js';
export { ReplanPool, workerFile, type PoolOptions, type ReplanStats } from './pool.js';
