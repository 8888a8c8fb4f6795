/**
 * `actuated`: fully actuated control in NEMA practice, from stop-line and
 * advance loop detectors only.
 *
 * - Calls: a vehicle detected on a red phase's approach lanes places a call
 *   that is held (locking memory) until the phase is served.
 * - Extension: a vehicle crossing an advance loop restarts the passage timer
 *   of its approach; an occupied stop-line loop does too while the standing
 *   queue is served, until the approach's stop-line loops are first all clear
 *   (the stop-bar detectors then stop extending, as in field practice, so a
 *   stream of vehicles over the long stop-line loops cannot hold the green).
 *   As in a dual-ring controller with simultaneous gap-out off, each approach
 *   of the phase times its own gap, and an approach that has gapped out after
 *   minimum green stays gapped out; the phase gaps out when every approach has.
 * - Max-out: the phase ends at maximum green if another phase has a call.
 * - The cycle is the phases that serve every movement (servicePhases); phases
 *   with no call are skipped; with no call anywhere the green rests.
 *
 * Called every step while it has a decision to make.
 */
import { EV_PHASE_GAP_OUT, EV_PHASE_MAX_OUT } from '../signals/eventlog.js';
import { INTER_SIGNAL, DET_STOP_LINE } from '../network/compile.js';
import { STAGE_GREEN } from '../signals/signals.js';
import { servicePhases } from '../network/servicePhases.js';
import { untrustedAt, untrustedNote } from './fallback.js';
import type { Controller, ControllerContext } from './types.js';

export class ActuatedController implements Controller {
  readonly name = 'actuated';
  private readonly ctx: ControllerContext;
  /** Last count seen, per entry of the phase → detector table (a loop may serve several phases). */
  private readonly lastCount: Float64Array;
  /** Approach group of each phase → detector entry, and per group: last actuation and gapped-out latch. */
  private readonly entryGroup: Int32Array;
  private readonly phaseGroupStart: Int32Array;
  private readonly groupLastActMs: Float64Array;
  private readonly groupGapped: Uint8Array;
  /** 1 while the group's standing queue is being served (stop-line loops extend), per group. */
  private readonly groupQueue: Uint8Array;
  /** Scratch: stop-line loops of the group occupied in this read. */
  private readonly groupStopOn: Uint8Array;
  private readonly call: Uint8Array;
  /** Per intersection: the phases served in a cycle, in order (servicePhases). */
  private readonly sequence: number[][];

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const net = ctx.net;
    this.lastCount = new Float64Array(net.phaseDets.length);
    this.entryGroup = new Int32Array(net.phaseDets.length);
    this.phaseGroupStart = new Int32Array(net.nPhases + 1);
    let groups = 0;
    for (let p = 0; p < net.nPhases; p++) {
      this.phaseGroupStart[p] = groups;
      const byRoad = new Map<number, number>();
      for (let k = net.phaseDetStart[p]!; k < net.phaseDetStart[p + 1]!; k++) {
        const road = net.laneRoad[net.detLane[net.phaseDets[k]!]!]!;
        let g = byRoad.get(road);
        if (g === undefined) byRoad.set(road, (g = groups++));
        this.entryGroup[k] = g;
      }
    }
    this.phaseGroupStart[net.nPhases] = groups;
    this.groupLastActMs = new Float64Array(groups).fill(-Infinity);
    this.groupGapped = new Uint8Array(groups);
    this.groupQueue = new Uint8Array(groups);
    this.groupStopOn = new Uint8Array(groups);
    this.call = new Uint8Array(net.nPhases);
    this.sequence = Array.from({ length: net.nInter }, (_, i) => (net.interType[i] === INTER_SIGNAL ? servicePhases(net, i) : []));
  }

  /**
   * Reads the phase's loops: true if any vehicle was detected (a call). When
   * `extend`, actuations restart the approach groups' passage timers.
   */
  private read(p: number, nowMs: number, extend: boolean): boolean {
    const { net, detectors, health } = this.ctx;
    let on = false;
    const g0 = this.phaseGroupStart[p]!;
    const g1 = this.phaseGroupStart[p + 1]!;
    for (let g = g0; g < g1; g++) this.groupStopOn[g] = 0;
    for (let k = net.phaseDetStart[p]!; k < net.phaseDetStart[p + 1]!; k++) {
      const d = net.phaseDets[k]!;
      if (!health.trusted(d)) {
        // Failed detector: constant call and extension (max recall).
        on = true;
        if (extend) this.groupLastActMs[this.entryGroup[k]!] = nowMs;
        continue;
      }
      const c = detectors.count[d]!;
      const arrived = c !== this.lastCount[k];
      const present = detectors.presence[d] === 1;
      this.lastCount[k] = c;
      if (!arrived && !present) continue;
      on = true;
      if (!extend) continue;
      const g = this.entryGroup[k]!;
      if (net.detKind[d] === DET_STOP_LINE) {
        if (present) this.groupStopOn[g] = 1;
        if (this.groupQueue[g] === 1) this.groupLastActMs[g] = nowMs;
      } else if (arrived) {
        this.groupLastActMs[g] = nowMs;
      }
    }
    if (extend) for (let g = g0; g < g1; g++) if (this.groupStopOn[g] === 0) this.groupQueue[g] = 0;
    return on;
  }

  fallback(ix: number): string | undefined {
    return untrustedNote(untrustedAt(this.ctx, ix, this.ctx.net.phaseDetStart, this.ctx.net.phaseDets), 'loops', 'their phases are on max recall (a constant call and extension)');
  }

  decide(ix: number, nowMs: number): number {
    const { net, signals } = this.ctx;
    const step = net.stepMs;
    const p0 = net.interPhaseStart[ix]!;
    const seq = this.sequence[ix]!;
    const n = seq.length;
    if (n === 0) return Infinity;
    const cur = signals.phaseOf(ix);
    const green = signals.stageOf(ix) === STAGE_GREEN;
    const p = p0 + cur;
    const g0 = this.phaseGroupStart[p]!;
    const g1 = this.phaseGroupStart[p + 1]!;
    const elapsed = signals.greenElapsedMs(ix, nowMs);
    if (green && elapsed < net.phaseMinGreenMs[p]!) {
      // A new green: every approach starts with its queue to serve and no gap.
      for (let g = g0; g < g1; g++) {
        this.groupGapped[g] = 0;
        this.groupQueue[g] = 1;
      }
    }
    for (const k of seq) {
      const serving = green && k === cur;
      if (this.read(p0 + k, nowMs, serving) && !serving) this.call[p0 + k] = 1;
    }
    if (!green) return nowMs + step;
    this.call[p] = 0;
    const pos = seq.indexOf(cur);
    // The next phase of the cycle with a call.
    let next = -1;
    for (let j = 1; j <= n; j++) {
      const k = seq[(Math.max(pos, 0) + j) % n]!;
      if (k !== cur && this.call[p0 + k]) {
        next = k;
        break;
      }
    }
    if (pos < 0) {
      // Not a phase of the cycle (the initial clearance phase, say): move on at once.
      signals.request(ix, next >= 0 ? next : seq[0]!);
      return nowMs + step;
    }
    if (elapsed < net.phaseMinGreenMs[p]!) return nowMs + step;
    if (next < 0) return nowMs + step; // rest in green

    const passage = net.interPassageMs[ix]!;
    let gapOut = true;
    for (let g = g0; g < g1; g++) {
      if (this.groupGapped[g] === 0 && nowMs - this.groupLastActMs[g]! >= passage) this.groupGapped[g] = 1;
      if (this.groupGapped[g] === 0) gapOut = false;
    }
    const maxOut = elapsed >= net.phaseMaxGreenMs[p]!;
    if ((gapOut || maxOut) && signals.pendingOf(ix) !== next) signals.request(ix, next, gapOut ? EV_PHASE_GAP_OUT : EV_PHASE_MAX_OUT);
    return nowMs + step;
  }
}

export const createActuated = (ctx: ControllerContext): Controller => new ActuatedController(ctx);
