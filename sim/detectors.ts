/**
 * Detector state: what field detectors report, filled by the simulator.
 *
 * Loops (stop-line presence, advance count) see each vehicle's swept path
 * during a step, so a fast vehicle cannot jump over a short loop: the front
 * moves linearly from a to b during the step, and the vehicle covers the zone
 * [s, e] while its front is in [s, e + length].
 * Lane-area (camera) detectors report the vehicles in the zone, the halting
 * ones, and the queue length, sampled at the end of each step.
 */
import { DET_LANE_AREA, type CompiledNetwork } from '../engine/network/index.js';
import type { DetectorView } from '../engine/controllers/index.js';

/** Speed below which a vehicle counts as halting (m/s), as in SUMO's jam detection. */
export const HALTING_SPEED_MPS = 1.39;
/** Largest gap (m) between halting vehicles that still joins them into one queue. */
export const QUEUE_JOIN_GAP_M = 10;

export class DetectorState implements DetectorView {
  timeMs = 0;
  readonly count: Float64Array;
  readonly occupancyMs: Float64Array;
  readonly presence: Uint8Array;
  readonly vehicles: Int32Array;
  readonly halting: Int32Array;
  readonly queueM: Float64Array;
  /** Detectors that went present during the current step (to clear next step). */
  private readonly touched: Int32Array;
  private nTouched = 0;

  private readonly net: CompiledNetwork;

  constructor(net: CompiledNetwork) {
    this.net = net;
    const n = net.nDet;
    this.count = new Float64Array(n);
    this.occupancyMs = new Float64Array(n);
    this.presence = new Uint8Array(n);
    this.vehicles = new Int32Array(n);
    this.halting = new Int32Array(n);
    this.queueM = new Float64Array(n);
    this.touched = new Int32Array(n);
  }

  /** Starts a step: presence is "during the last step", so clear what the previous step set. */
  beginStep(): void {
    for (let k = 0; k < this.nTouched; k++) this.presence[this.touched[k]!] = 0;
    this.nTouched = 0;
  }

  /**
   * A vehicle of length lenM whose front moved from a to b (lane coordinates,
   * metres from the lane start) during a step of stepMs on `lane`.
   */
  loop(lane: number, a: number, b: number, lenM: number, stepMs: number): void {
    const net = this.net;
    const d0 = net.laneDetStart[lane]!;
    const d1 = net.laneDetStart[lane + 1]!;
    for (let k = d0; k < d1; k++) {
      const d = net.laneDets[k]!;
      if (net.detKind[d] === DET_LANE_AREA) continue;
      const s = net.detStartM[d]!;
      const e = net.detEndM[d]! + lenM;
      if (b < s || a > e) continue;
      let frac: number;
      if (b > a) frac = (Math.min(b, e) - Math.max(a, s)) / (b - a);
      else frac = 1;
      if (frac < 0) continue;
      this.occupancyMs[d]! += frac * stepMs;
      if (a < s && b >= s) this.count[d]!++;
      if (this.presence[d] === 0) {
        this.presence[d] = 1;
        this.touched[this.nTouched++] = d;
      }
    }
  }
}
