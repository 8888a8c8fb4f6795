/**
 * `max-pressure` (Varaiya 2013), in the form the research community runs on
 * CityFlow data (LibSignal and others), from lane-area (camera) vehicle counts
 * only:
 *   pressure(phase) = Σ over the lane links of its protected movements of
 *                     (vehicles on the incoming lane − vehicles on the outgoing lane)
 * At each decision the phase with the highest pressure gets the green (the
 * current one on a tie). A green lasts at least MIN_GREEN_S before the next
 * decision, and decisions come every DECISION_S after that; the safety layer
 * inserts yellow and all-red before every change. Candidate phases are those
 * with a protected movement (clearance phases are never chosen). A camera the
 * health monitor does not trust counts with its last trusted reading.
 */
import { pressureGate } from './pressureGate.js';
import { phaseCameras, pressureCandidates } from '../detectors/phaseCameras.js';
import { untrustedAt, untrustedNote } from './fallback.js';
import type { Controller, ControllerContext } from './types.js';

/** Minimum green before the first decision (s). */
export const MAX_PRESSURE_MIN_GREEN_S = 10;
/** Time between decisions once the minimum green is over (s). */
export const MAX_PRESSURE_DECISION_S = 10;

export class MaxPressureController implements Controller {
  readonly name = 'max-pressure';
  private readonly ctx: ControllerContext;
  /** Per phase (global): camera detectors of its links' incoming and outgoing lanes, as a flat CSR of pairs. */
  private readonly pairStart: Int32Array;
  private readonly pairIn: Int32Array;
  private readonly pairOut: Int32Array;
  /** Per intersection: candidate phases (local indices). */
  private readonly candidates: number[][];
  readonly minGreenMs: number;
  readonly decisionMs: number;
  /** Last trusted reading of each camera. */
  private readonly lastGood: Int32Array;

  constructor(ctx: ControllerContext, minGreenS = MAX_PRESSURE_MIN_GREEN_S, decisionS = MAX_PRESSURE_DECISION_S) {
    this.ctx = ctx;
    const net = ctx.net;
    this.minGreenMs = Math.round(minGreenS * 1000);
    this.decisionMs = Math.round(decisionS * 1000);
    ({ pairStart: this.pairStart, pairIn: this.pairIn, pairOut: this.pairOut } = phaseCameras(net));
    this.lastGood = new Int32Array(net.nDet);
    this.candidates = pressureCandidates(net);
  }

  /** Camera c's vehicles, or its last trusted reading while it is not trusted (0 for no camera). */
  private vehicles(c: number): number {
    if (c < 0) return 0;
    if (!this.ctx.health.trusted(c)) return this.lastGood[c]!;
    return (this.lastGood[c] = this.ctx.detectors.vehicles[c]!);
  }

  fallback(ix: number): string | undefined {
    return untrustedNote(untrustedAt(this.ctx, ix, this.pairStart, this.pairIn), 'approach cameras', 'their last trusted readings stand in');
  }

  /** The phase's pressure from the cameras' vehicle counts (a lane without a camera counts 0). */
  pressure(p: number): number {
    let s = 0;
    for (let k = this.pairStart[p]!; k < this.pairStart[p + 1]!; k++) s += this.vehicles(this.pairIn[k]!) - this.vehicles(this.pairOut[k]!);
    return s;
  }

  decide(ix: number, nowMs: number): number {
    const { net, signals } = this.ctx;
    const cands = this.candidates[ix]!;
    const wait = pressureGate(this.ctx, cands, ix, nowMs, this.minGreenMs);
    if (wait >= 0) return wait;
    const cur = signals.phaseOf(ix);
    const isCandidate = cands.includes(cur);
    const p0 = net.interPhaseStart[ix]!;
    let best = isCandidate ? cur : cands[0]!;
    let bestP = this.pressure(p0 + best);
    for (const k of cands) {
      const pk = this.pressure(p0 + k);
      if (pk > bestP) {
        best = k;
        bestP = pk;
      }
    }
    if (best !== cur) {
      signals.request(ix, best);
      return nowMs + net.stepMs;
    }
    return nowMs + this.decisionMs;
  }
}

export const createMaxPressure = (ctx: ControllerContext): Controller => new MaxPressureController(ctx);
