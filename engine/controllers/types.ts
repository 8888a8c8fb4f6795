/**
 * The controller interface. A controller sees the static network (topology,
 * phases, detector layout, design volumes: what a signal engineer knows) and
 * live detector data, never the simulator. It only *requests* phases; the
 * signal layer decides what is shown.
 */
import type { CompiledNetwork } from '../network/compile.js';
import type { SignalControl } from '../signals/signals.js';
import type { DetectorHealth, DetectorView } from '../detectors/index.js';

export interface ControllerContext {
  readonly net: CompiledNetwork;
  readonly detectors: DetectorView;
  readonly signals: SignalControl;
  /** Which detectors can be trusted now (see health.ts). */
  readonly health: DetectorHealth;
}

export interface Controller {
  readonly name: string;
  /**
   * Makes the decisions of signalised intersection `ix` at `nowMs` and returns
   * the absolute time (ms) at which it wants to be called next (> nowMs).
   * Called first at the start of the run.
   */
  decide(ix: number, nowMs: number): number;
  /**
   * Optional: called at the start of every step, before any decision. A
   * controller that waits for work done elsewhere (a re-plan in worker
   * threads) returns a promise; the simulation then has to run with runAsync.
   */
  beforeStep?(nowMs: number): Promise<void> | void;
  /**
   * Optional: the timing plans in force (a controller that runs plans: fixed,
   * adaptive), for operators and clients. Wrappers (pre-emption, overrides)
   * pass their inner controller's plans on.
   */
  timingPlans?(): PlanSet | undefined;
  /**
   * Optional: why signalised intersection `ix` runs on a fallback now (some
   * or all of its detectors untrusted, and what stands in for them), for
   * operators' alarms; undefined while it runs on its detectors as designed.
   * Wrappers pass their inner controller's on.
   */
  fallback?(ix: number): string | undefined;
  /** Optional: frees resources (worker threads) at the end of a run. */
  close?(): Promise<void> | void;
}

/** One signal's timing plan (ms): cycle, offset, and each served phase's green start within the cycle and length. */
export interface SignalPlan {
  cycleMs: number;
  offsetMs: number;
  phases: ReadonlyArray<{ phase: number; startMs: number; greenMs: number }>;
}

/** The plans a controller has in force: `version` changes whenever a plan does. */
export interface PlanSet {
  readonly version: number;
  /** Intersection ix's plan, or undefined for one it does not run on a plan. */
  plan(ix: number): SignalPlan | undefined;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;
