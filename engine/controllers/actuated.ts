/**
 * `actuated`: fully actuated control in NEMA practice, from stop-line and
 * advance loop detectors only.
 *
 * - Calls: a vehicle detected on a red phase's approach lanes places a call
 *   that is held (locking memory) until the phase is served.
 * - Extension: each actuation on the green phase's detectors (a vehicle
 *   entering a loop, or a loop occupied) restarts its passage timer.
 * - Gap-out: after minimum green, no actuation within the passage time ends
 *   the phase. Max-out: the phase ends at maximum green if another phase has
 *   a call.
 * - Phases with no call are skipped; with no call anywhere the green rests.
 *
 * The controller is called every step while it has a decision to make.
 */
import { EV_PHASE_GAP_OUT, EV_PHASE_MAX_OUT } from '../signals/eventlog.js';
import { STAGE_GREEN } from '../signals/signals.js';
import type { Controller, ControllerContext } from './types.js';

export class ActuatedController implements Controller {
  readonly name = 'actuated';
  private readonly ctx: ControllerContext;
  /** Last count seen, per entry of the phase → detector table (a loop may serve several phases). */
  private readonly lastCount: Float64Array;
  /** Per phase (global): time of the last actuation, and the held call. */
  private readonly lastActMs: Float64Array;
  private readonly call: Uint8Array;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    this.lastCount = new Float64Array(ctx.net.phaseDets.length);
    this.lastActMs = new Float64Array(ctx.net.nPhases).fill(-Infinity);
    this.call = new Uint8Array(ctx.net.nPhases);
  }

  /** Reads the phase's loops: true if a vehicle arrived or is present since the last look. */
  private actuated(p: number): boolean {
    const { net, detectors } = this.ctx;
    let on = false;
    for (let k = net.phaseDetStart[p]!; k < net.phaseDetStart[p + 1]!; k++) {
      const d = net.phaseDets[k]!;
      const c = detectors.count[d]!;
      if (c !== this.lastCount[k] || detectors.presence[d] === 1) on = true;
      this.lastCount[k] = c;
    }
    return on;
  }

  decide(ix: number, nowMs: number): number {
    const { net, signals } = this.ctx;
    const step = net.stepMs;
    const p0 = net.interPhaseStart[ix]!;
    const n = net.interPhaseStart[ix + 1]! - p0;
    if (n === 0) return Infinity;
    const cur = signals.phaseOf(ix);
    const green = signals.stageOf(ix) === STAGE_GREEN;

    for (let k = 0; k < n; k++) {
      if (!this.actuated(p0 + k)) continue;
      this.lastActMs[p0 + k] = nowMs;
      if (!(green && k === cur)) this.call[p0 + k] = 1;
    }
    if (!green) return nowMs + step;
    this.call[p0 + cur] = 0;

    const p = p0 + cur;
    const elapsed = signals.greenElapsedMs(ix, nowMs);
    if (elapsed < net.phaseMinGreenMs[p]!) return nowMs + Math.max(step, net.phaseMinGreenMs[p]! - elapsed);

    // The next phase in order with a call.
    let next = -1;
    for (let j = 1; j < n; j++) {
      const k = (cur + j) % n;
      if (this.call[p0 + k]) {
        next = k;
        break;
      }
    }
    if (next < 0) return nowMs + step; // rest in green

    const gapOut = nowMs - this.lastActMs[p]! >= net.interPassageMs[ix]!;
    const maxOut = elapsed >= net.phaseMaxGreenMs[p]!;
    if (gapOut || maxOut) {
      if (signals.pendingOf(ix) !== next) signals.request(ix, next, gapOut ? EV_PHASE_GAP_OUT : EV_PHASE_MAX_OUT);
    }
    return nowMs + step;
  }
}

export const createActuated = (ctx: ControllerContext): Controller => new ActuatedController(ctx);
