/**
 * Lead times of the pre-emption calls: a signal is called when the vehicle's
 * ETA falls to the time it needs to end the current green safely (down to
 * the pre-emption minimum, then yellow and all-red in full), plus the time
 * the queue the cameras see in front of the vehicle needs to discharge, plus
 * a margin.
 */
import type { ControllerContext } from '../controllers/types.js';
import { STAGE_GREEN } from '../signals/index.js';
import type { PREEMPTION_DEFAULTS } from './options.js';
import type { RouteSignal } from './vehicle.js';

/** Owned by the PreemptionManager: lead times, from the signal states and the cameras. */
export class LeadTimes {
  private readonly ctx: ControllerContext;
  private readonly o: typeof PREEMPTION_DEFAULTS;

  constructor(ctx: ControllerContext, o: typeof PREEMPTION_DEFAULTS) {
    this.ctx = ctx;
    this.o = o;
  }

  /** Lead time (s) of signal s now: the transition to its phase, the queue in front of the vehicle, the margin. */
  leadS(s: RouteSignal, nowMs: number): number {
    return this.transitionS(s.inter, s.phase, nowMs, s.movement) + this.queueS(s) + this.o.marginS;
  }

  /** Seconds for intersection ix to show `phase` green from now: the rest of the cut-down green, yellow and all-red. */
  private transitionS(ix: number, phase: number, nowMs: number, movement = -1): number {
    const { net, signals } = this.ctx;
    const p0 = net.interPhaseStart[ix]!;
    const cur = signals.phaseOf(ix);
    const pc = p0 + cur;
    const clear = (net.phaseYellowMs[pc]! + net.phaseAllRedMs[pc]!) / 1000;
    if (signals.stageOf(ix) === STAGE_GREEN) {
      if (cur === phase || (movement >= 0 && this.serves(ix, cur, movement))) return 0;
      const minG = Math.min(this.o.minGreenS * 1000, net.phaseMinGreenMs[pc]!);
      return Math.max(0, minG - signals.greenElapsedMs(ix, nowMs)) / 1000 + clear;
    }
    // A clearance in progress is counted in full (its start is not part of SignalControl): the lead
    // comes out at most a few seconds early, never late.
    const left = clear;
    if (signals.targetOf(ix) === phase || signals.canRedirect(ix, phase)) return left;
    const pt = p0 + signals.targetOf(ix);
    return left + (Math.min(this.o.minGreenS * 1000, net.phaseMinGreenMs[pt]!) + net.phaseYellowMs[pt]! + net.phaseAllRedMs[pt]!) / 1000;
  }

  /** True when local phase `local` of ix serves movement m protected. */
  serves(ix: number, local: number, m: number): boolean {
    const net = this.ctx.net;
    const p = net.interPhaseStart[ix]! + local;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) if (net.phaseMovs[k] === m) return true;
    return false;
  }

  /** Seconds the standing queue in front of the vehicle needs to clear the stop line. */
  private queueS(s: RouteSignal): number {
    const det = this.ctx.detectors;
    let q = 0;
    // every vehicle in the camera zone ahead of the vehicle will be in its way: standing or about to join
    for (const c of s.cams) if (this.ctx.health.trusted(c)) q = Math.max(q, det.vehicles[c]!);
    return q > 0 ? this.o.startupS + q * this.o.headwayS : 0;
  }
}
