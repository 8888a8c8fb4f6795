/**
 * Messages between the re-plan pool and its workers. Everything numeric
 * crosses as SharedArrayBuffers (the workers map typed arrays onto them); the
 * messages themselves are small, versioned plain objects.
 */
import type { ReplanParams } from './plan.js';

export const TASK_VERSION = 3;

interface TaskBase {
  v: typeof TASK_VERSION;
  /** Identifies the network buffer, so that a worker maps its views once. */
  netId: number;
  net: SharedArrayBuffer;
  /** Intersections [from, to) of this shard. */
  from: number;
  to: number;
  /** For tests: sleep this long before working (to be killed or to overrun). */
  debugDelayMs?: number;
  attempt: number;
}

export interface DemandTask extends TaskBase {
  kind: 'demand';
  laneFlowVph: SharedArrayBuffer;
  yPhase: SharedArrayBuffer;
  wantCycleMs: SharedArrayBuffer;
  /** Out: the flow of the links leaving the shard's intersections. */
  linkFlowVph: SharedArrayBuffer;
}

export interface SplitTask extends TaskBase {
  kind: 'splits';
  yPhase: SharedArrayBuffer;
  cycleMs: SharedArrayBuffer;
  /** The previous plan's buffer, or null. */
  prev: SharedArrayBuffer | null;
  out: SharedArrayBuffer;
  params: ReplanParams;
}

export interface ProfileTask extends TaskBase {
  kind: 'profiles';
  linkFlowVph: SharedArrayBuffer;
  plan: SharedArrayBuffer;
  profStart: SharedArrayBuffer;
  prof: SharedArrayBuffer;
  params: ReplanParams;
}

export interface RefineTask extends TaskBase {
  kind: 'refine';
  prof: SharedArrayBuffer;
  profStart: SharedArrayBuffer;
  plan: SharedArrayBuffer;
  offsetsIn: SharedArrayBuffer;
  offsetsOut: SharedArrayBuffer;
  params: ReplanParams;
}

/** Schedule searches: jobs [from, to) of a ScheduleBatch (from and to count jobs here, not intersections). */
export interface ScheduleTask extends TaskBase {
  kind: 'schedule';
  batch: SharedArrayBuffer;
  /** Identifies the batch's buffer (a SharedArrayBuffer arrives as a new object with every message). */
  batchId: number;
}

export type ReplanTask = DemandTask | SplitTask | ProfileTask | RefineTask | ScheduleTask;
