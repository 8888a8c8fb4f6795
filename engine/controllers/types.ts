/**
 * The controller interface. A controller sees the static network (topology,
 * phases, detector layout, design volumes: what a signal engineer knows) and
 * live detector data, never the simulator. It only *requests* phases; the
 * signal layer decides what is shown.
 */
import type { CompiledNetwork } from '../network/compile.js';
import type { SignalControl } from '../signals/signals.js';
import type { DetectorHealth } from './health.js';
import type { PrioritySink } from '../preemption/types.js';

/**
 * Live detector data, one entry per detector (index = detector index of the
 * compiled network). Loops (stop-line, advance) fill count/occupancy/presence;
 * lane-area (camera) detectors fill vehicles/halting/queueM. A detector source
 * (the simulator, a live feed) allocates the arrays for n detectors, zeroed,
 * and fills them; controllers only read them.
 */
export class DetectorArrays {
  /** Time (ms) of the last sample. */
  timeMs = 0;
  /** Cumulative vehicles whose front entered the detection zone. */
  readonly count: Float64Array;
  /** Cumulative ms during which some vehicle was over the zone. */
  readonly occupancyMs: Float64Array;
  /** 1 if some vehicle was over the zone at any time during the last step. */
  readonly presence: Uint8Array;
  /** Lane-area: vehicles in the zone now. */
  readonly vehicles: Int32Array;
  /** Lane-area: vehicles in the zone slower than the halting speed (1.39 m/s). */
  readonly halting: Int32Array;
  /** Lane-area: length of the standing queue from the zone's downstream end (m). */
  readonly queueM: Float64Array;

  constructor(n: number) {
    this.count = new Float64Array(n);
    this.occupancyMs = new Float64Array(n);
    this.presence = new Uint8Array(n);
    this.vehicles = new Int32Array(n);
    this.halting = new Int32Array(n);
    this.queueM = new Float64Array(n);
  }
}

/** What controllers read: the detector arrays (whoever fills them). */
export type DetectorView = DetectorArrays;

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
  /** Optional: takes emergency-vehicle requests and position reports (engine/preemption). */
  readonly priority?: PrioritySink;
  /** Optional: frees resources (worker threads) at the end of a run. */
  close?(): Promise<void> | void;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;
