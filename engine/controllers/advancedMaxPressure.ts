/**
 * `advanced-max-pressure` (Zhang, Xu, Zhang, Zhang, Dong and Wang, "Expression
 * might be enough: representing pressure and demand for reinforcement
 * learning based traffic signal control", ICML 2022: the strongest classical
 * baseline on the CityFlow benchmarks), from lane-area (camera) readings only:
 *
 *   efficient pressure(phase) = Σ over the lane links of its protected movements of
 *                               (halting vehicles on the incoming lane − halting on the outgoing lane)
 *   running(phase)            = Σ over its incoming lanes of the vehicles still moving
 *                               within reach of one action (the lane's speed × the action interval)
 *
 * Every action interval (10 s; 15 s as an option) the current phase is kept
 * while its running vehicles outnumber the best efficient pressure of the
 * other phases (they would still pass in the next interval); otherwise the
 * phase with the highest efficient pressure gets the green. A green lasts at
 * least one action interval; the safety layer inserts yellow and all-red
 * before every change. A camera sees its zone: the moving vehicles within
 * reach are its moving vehicles times the share of its zone within reach of
 * the stop line. A camera the health monitor does not trust counts with its
 * last trusted readings.
 */
import { pressureGate } from './pressureGate.js';
import { phaseCameras, pressureCandidates } from '../detectors/phaseCameras.js';
import { untrustedAt, untrustedNote } from './fallback.js';
import type { Controller, ControllerContext } from './types.js';

/** The action interval of the paper's experiments (s). */
export const ADVANCED_MAX_PRESSURE_ACTION_S = 10;

export class AdvancedMaxPressureController implements Controller {
  readonly name = 'advanced-max-pressure';
  private readonly ctx: ControllerContext;
  private readonly pairStart: Int32Array;
  private readonly pairIn: Int32Array;
  private readonly pairOut: Int32Array;
  private readonly inCamStart: Int32Array;
  private readonly inCams: Int32Array;
  private readonly candidates: number[][];
  /** Per camera: the share of its zone within one action's reach of the stop line (0–1). */
  private readonly reachShare: Float64Array;
  readonly actionMs: number;
  private readonly lastVehicles: Int32Array;
  private readonly lastHalting: Int32Array;

  constructor(ctx: ControllerContext, actionS = ADVANCED_MAX_PRESSURE_ACTION_S) {
    if (!(actionS >= 1 && actionS <= 120)) throw new Error(`advanced-max-pressure: action interval must be 1–120 s, got ${actionS}`);
    this.ctx = ctx;
    const net = ctx.net;
    this.actionMs = Math.round(actionS * 1000);
    ({ pairStart: this.pairStart, pairIn: this.pairIn, pairOut: this.pairOut, inCamStart: this.inCamStart, inCams: this.inCams } = phaseCameras(net));
    this.candidates = pressureCandidates(net);
    this.reachShare = new Float64Array(net.nDet);
    for (let c = 0; c < net.nDet; c++) {
      const lane = net.detLane[c]!;
      const L = net.drvLengthM[lane]!;
      const reachM = net.drvSpeedMps[lane]! * actionS;
      // the zone [start, end] along the lane; the stop line is at L
      const from = Math.max(net.detStartM[c]!, L - reachM);
      const zone = net.detEndM[c]! - net.detStartM[c]!;
      this.reachShare[c] = zone > 0 ? Math.max(0, Math.min(1, (net.detEndM[c]! - from) / zone)) : 0;
    }
    this.lastVehicles = new Int32Array(net.nDet);
    this.lastHalting = new Int32Array(net.nDet);
  }

  private read(c: number): void {
    if (!this.ctx.health.trusted(c)) return;
    this.lastVehicles[c] = this.ctx.detectors.vehicles[c]!;
    this.lastHalting[c] = this.ctx.detectors.halting[c]!;
  }

  private halting(c: number): number {
    if (c < 0) return 0;
    this.read(c);
    return this.lastHalting[c]!;
  }

  /** Efficient pressure of phase p (global index). */
  efficientPressure(p: number): number {
    let s = 0;
    for (let k = this.pairStart[p]!; k < this.pairStart[p + 1]!; k++) s += this.halting(this.pairIn[k]!) - this.halting(this.pairOut[k]!);
    return s;
  }

  /** Vehicles still moving towards phase p's stop lines within one action's reach. */
  running(p: number): number {
    let s = 0;
    for (let k = this.inCamStart[p]!; k < this.inCamStart[p + 1]!; k++) {
      const c = this.inCams[k]!;
      this.read(c);
      s += Math.max(0, this.lastVehicles[c]! - this.lastHalting[c]!) * this.reachShare[c]!;
    }
    return s;
  }

  fallback(ix: number): string | undefined {
    return untrustedNote(untrustedAt(this.ctx, ix, this.inCamStart, this.inCams), 'approach cameras', 'their last trusted readings stand in');
  }

  decide(ix: number, nowMs: number): number {
    const { net, signals } = this.ctx;
    const cands = this.candidates[ix]!;
    const wait = pressureGate(this.ctx, cands, ix, nowMs, this.actionMs);
    if (wait >= 0) return wait;
    const cur = signals.phaseOf(ix);
    const isCandidate = cands.includes(cur);
    const p0 = net.interPhaseStart[ix]!;
    // the best competing phase by efficient pressure (the first on a tie)
    let best = -1;
    let bestP = -Infinity;
    for (const k of cands) {
      if (k === cur) continue;
      const pk = this.efficientPressure(p0 + k);
      if (pk > bestP) {
        best = k;
        bestP = pk;
      }
    }
    if (isCandidate && (best < 0 || this.running(p0 + cur) > bestP || this.efficientPressure(p0 + cur) >= bestP)) return nowMs + this.actionMs;
    if (best < 0) return Infinity;
    signals.request(ix, best);
    return nowMs + net.stepMs;
  }
}

export const createAdvancedMaxPressure = (ctx: ControllerContext): Controller => new AdvancedMaxPressureController(ctx);
