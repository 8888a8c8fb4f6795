/**
 * The signal layer: one state machine per signalised intersection that turns
 * controller *requests* into the signal states shown, like the controller unit
 * in a cabinet. It alone decides what is displayed, and it always serves:
 *   green (at least the phase's minimum green) → yellow (in full) → all-red
 *   (in full) → next green.
 * Movements in both the old and the new phase stay green through the change
 * (a protected movement that is only permitted in the new phase yields from
 * the start of the change; one that becomes protected waits for the clearance
 * of the movements it conflicts with).
 * Max green is a controller timing (NEMA): the fixed and actuated controllers
 * honour it; this layer enforces only what safety needs.
 */
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';
import {
  EventLog,
  EV_PHASE_BEGIN_GREEN,
  EV_PHASE_BEGIN_RED_CLEARANCE,
  EV_PHASE_BEGIN_YELLOW,
  EV_PHASE_END_RED_CLEARANCE,
  EV_PHASE_END_YELLOW,
  EV_PHASE_GREEN_TERMINATION,
  EV_OVERLAP_BEGIN_GREEN,
  EV_OVERLAP_BEGIN_RED_CLEARANCE,
  EV_OVERLAP_BEGIN_YELLOW,
  overlaps,
} from './eventlog.js';

/** Displayed state of a movement. */
export const RED = 0;
export const YELLOW = 1;
/** Protected green: right of way. */
export const GREEN = 2;
/** Permitted green: go, but yield to conflicting traffic (SUMO's 'g', a green ball for a left or right turn). */
export const PERMITTED = 3;
/** Each display state's character in a SUMO-style state string, by state: r red, y yellow, G protected green, g permitted green. */
export const STATE_CHARS: readonly string[] = ['r', 'y', 'G', 'g'];

/** Stage of an intersection's state machine. */
export const STAGE_GREEN = 0;
export const STAGE_YELLOW = 1;
export const STAGE_ALL_RED = 2;

/** What controllers may read and request. Phases are local indices (0-based). */
export interface SignalControl {
  /** Number of phases of intersection ix (0 for boundary/uncontrolled nodes). */
  phaseCount(ix: number): number;
  /** The phase green now, or the one being cleared during yellow/all-red. */
  phaseOf(ix: number): number;
  /** During yellow/all-red: the phase that will be green next; else −1. */
  targetOf(ix: number): number;
  /** STAGE_GREEN, STAGE_YELLOW or STAGE_ALL_RED. */
  stageOf(ix: number): number;
  /** ms since the current green began (0 outside green). */
  greenElapsedMs(ix: number, nowMs: number): number;
  /** The phase requested and not yet started, or −1. */
  pendingOf(ix: number): number;
  /**
   * Asks for `phase` to be green next. The layer starts the change as soon as
   * the current phase's minimum green has been served. `reason` is an event
   * code (4 gap-out, 5 max-out, 6 force-off) written to the event log.
   */
  request(ix: number, phase: number, reason?: number): void;
  /**
   * Emergency pre-emption: like request, but the current green may end once
   * it has run `minGreenMs` (when that is below its own minimum green).
   * Yellow and all-red are served in full as always.
   */
  preempt(ix: number, phase: number, minGreenMs: number): void;
  /** Displayed state of movement m (RED, YELLOW, GREEN, PERMITTED). */
  stateOf(movement: number): number;
  /** During a clearance: true when pre-emption could turn it towards `phase` instead of its target (nothing more to clear). */
  canRedirect(ix: number, phase: number): boolean;
}

export class SignalLayer implements SignalControl {
  /** Displayed state per movement (RED, YELLOW, GREEN). */
  readonly movState: Uint8Array;
  /** Local phase index green now / being cleared (−1 for non-signals). */
  readonly phase: Int32Array;
  readonly target: Int32Array;
  readonly pending: Int32Array;
  readonly pendingReason: Uint8Array;
  /** Minimum green (ms) the pending change needs, when pre-emption lowered it; −1: the phase's own. */
  readonly pendingMinMs: Float64Array;
  readonly stage: Uint8Array;
  readonly stageStartMs: Float64Array;
  readonly greenStartMs: Float64Array;
  /**
   * Why the last green ended, for the conflict monitor: the shortest green
   * (ms) pre-emption allowed it when pre-emption cut it below its own
   * minimum, −1 when it ran its own minimum. Per intersection.
   */
  readonly cutGreenFloorMs: Float64Array;
  /** Number of phase changes started, per intersection. */
  readonly changes: Int32Array;
  /** Time each movement last turned green (ms). */
  readonly movGreenSinceMs: Float64Array;

  private readonly net: CompiledNetwork;
  private readonly mark: Uint8Array;
  private readonly log: EventLog | undefined;
  /** With a log: each overlap's intersection, number, a movement of it, and the state last logged. */
  private readonly ovInter: Int32Array;
  private readonly ovNumber: Int32Array;
  private readonly ovMov: Int32Array;
  private readonly ovState: Uint8Array;

  constructor(net: CompiledNetwork, log?: EventLog) {
    this.net = net;
    this.log = log;
    const ov = log ? overlaps(net).list : [];
    this.ovInter = Int32Array.from(ov, (o) => o.inter);
    this.ovNumber = Int32Array.from(ov, (o) => o.number);
    this.ovMov = Int32Array.from(ov, (o) => o.movements[0]!);
    this.ovState = new Uint8Array(ov.length).fill(255);
    const n = net.nInter;
    this.movState = new Uint8Array(net.nMov);
    this.phase = new Int32Array(n).fill(-1);
    this.target = new Int32Array(n).fill(-1);
    this.pending = new Int32Array(n).fill(-1);
    this.pendingReason = new Uint8Array(n);
    this.pendingMinMs = new Float64Array(n).fill(-1);
    this.cutGreenFloorMs = new Float64Array(n).fill(-1);
    this.stage = new Uint8Array(n);
    this.stageStartMs = new Float64Array(n);
    this.greenStartMs = new Float64Array(n);
    this.changes = new Int32Array(n);
    this.mark = new Uint8Array(net.nMov);
    this.inPhase = new Uint8Array(net.nMov);
    this.movGreenSinceMs = new Float64Array(net.nMov);
  }

  private readonly inPhase: Uint8Array;

  /**
   * Shows at signal i what the signal layer that runs it shows (a view of
   * signals run in another process: its phase, stage and, in a clearance,
   * the phase the clearance leads to), from nowMs: the same movement states
   * that layer derives. Not a way in for controllers (it enforces nothing);
   * the layer that runs the signal enforced every minimum and clearance.
   * With restart (a process taking the signal over), the stage shown counts
   * as begun at nowMs, so its minimum green or clearance is served in full.
   */
  show(i: number, phase: number, stage: number, target: number, nowMs: number, restart = false): void {
    const net = this.net;
    const n = this.phaseCount(i);
    if (!(phase >= 0 && phase < n) || !(stage === STAGE_GREEN || stage === STAGE_YELLOW || stage === STAGE_ALL_RED)) return;
    if (stage !== STAGE_GREEN && !(target >= 0 && target < n)) return;
    const want = stage === STAGE_GREEN ? -1 : target;
    if (restart) {
      // taking over a signal shown elsewhere: its stage counts as begun now (its whole minimum or clearance again)
      this.stageStartMs[i] = nowMs;
      if (stage === STAGE_GREEN) this.greenStartMs[i] = nowMs;
    }
    if (this.phase[i] === phase && this.stage[i] === stage && this.target[i] === want) return;
    const sameChange = this.phase[i] === phase && this.stage[i] !== STAGE_GREEN && this.target[i] === want;
    // a change begins: a clearance not seen yet, or a green reached without one (the next phase only adds movements)
    const cleared = this.stage[i] !== STAGE_GREEN && this.target[i] === phase;
    if (stage !== STAGE_GREEN ? !sameChange : this.phase[i] !== phase && !cleared) this.changes[i]!++;
    const p = net.interPhaseStart[i]! + phase;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++) this.inPhase[net.phaseMovs[k]!] = 1 + net.phaseMovPermitted[k]!;
    if (stage !== STAGE_GREEN) this.markPhase(i, target, false);
    for (let m = net.interMovStart[i]!; m < net.interMovStart[i + 1]!; m++) {
      const cur = this.movState[m]!;
      const own = this.inPhase[m]!;
      let next = RED;
      if (own && stage === STAGE_GREEN) next = own === 2 ? PERMITTED : GREEN;
      else if (own && this.mark[m] === 0) next = stage === STAGE_YELLOW ? YELLOW : RED;
      else if (own) {
        // a movement that runs on into the next phase keeps its green through the clearance
        next = cur === GREEN || cur === PERMITTED ? cur : own === 2 ? PERMITTED : GREEN;
        if (this.mark[m] === 2 && next === GREEN && !this.conflictsWithPermitted(m)) next = PERMITTED;
      }
      if ((next === GREEN || next === PERMITTED) && (cur === RED || cur === YELLOW)) this.movGreenSinceMs[m] = nowMs;
      this.movState[m] = next;
      this.inPhase[m] = 0;
    }
    if (stage !== STAGE_GREEN) this.markPhase(i, target, true);
    if (this.stage[i] !== stage || this.phase[i] !== phase) this.stageStartMs[i] = nowMs;
    if (stage === STAGE_GREEN && (this.phase[i] !== phase || this.stage[i] !== STAGE_GREEN)) this.greenStartMs[i] = nowMs;
    this.phase[i] = phase;
    this.stage[i] = stage;
    this.target[i] = want;
  }

  /** Starts every signal in its first phase at `nowMs`; uncontrolled nodes show green on all movements. */
  init(nowMs: number): void {
    const net = this.net;
    for (let i = 0; i < net.nInter; i++) {
      const type = net.interType[i];
      if (type === 2) {
        for (let m = net.interMovStart[i]!; m < net.interMovStart[i + 1]!; m++) {
          this.movState[m] = GREEN;
          this.movGreenSinceMs[m] = nowMs;
        }
      } else if (type === 1 && net.interPhaseStart[i + 1]! > net.interPhaseStart[i]!) {
        this.startGreen(i, 0, nowMs, false);
      }
    }
    this.logOverlaps(nowMs);
  }

  /** Logs every overlap whose display changed (a permitted green counts as green). */
  private logOverlaps(nowMs: number): void {
    const log = this.log;
    if (!log) return;
    for (let o = 0; o < this.ovMov.length; o++) {
      let s = this.movState[this.ovMov[o]!]!;
      if (s === PERMITTED) s = GREEN;
      if (s === this.ovState[o]) continue;
      if (this.ovState[o] !== 255 || s !== RED)
        log.push(nowMs, this.ovInter[o]!, s === GREEN ? EV_OVERLAP_BEGIN_GREEN : s === YELLOW ? EV_OVERLAP_BEGIN_YELLOW : EV_OVERLAP_BEGIN_RED_CLEARANCE, this.ovNumber[o]!);
      this.ovState[o] = s;
    }
  }

  phaseCount(ix: number): number {
    return this.net.interPhaseStart[ix + 1]! - this.net.interPhaseStart[ix]!;
  }
  phaseOf(ix: number): number {
    return this.phase[ix]!;
  }
  targetOf(ix: number): number {
    return this.target[ix]!;
  }
  stageOf(ix: number): number {
    return this.stage[ix]!;
  }
  pendingOf(ix: number): number {
    return this.pending[ix]!;
  }
  greenElapsedMs(ix: number, nowMs: number): number {
    return this.stage[ix] === STAGE_GREEN ? nowMs - this.greenStartMs[ix]! : 0;
  }

  request(ix: number, phase: number, reason = 0): void {
    if (phase < 0 || phase >= this.phaseCount(ix)) throw new RangeError(`intersection ${ix} has no phase ${phase}`);
    if (this.stage[ix] !== STAGE_GREEN && phase === this.target[ix]) {
      this.pending[ix] = -1;
      return;
    }
    this.pending[ix] = phase;
    this.pendingReason[ix] = reason;
    this.pendingMinMs[ix] = -1;
  }

  preempt(ix: number, phase: number, minGreenMs: number): void {
    if (this.stage[ix] !== STAGE_GREEN && phase !== this.target[ix] && this.canRedirect(ix, phase)) {
      // During a clearance towards another phase that has not started: go to the pre-emption
      // phase instead (the clearance in progress is served in full either way).
      this.target[ix] = phase;
      this.pending[ix] = -1;
      return;
    }
    this.request(ix, phase);
    if (this.pending[ix]! >= 0) this.pendingMinMs[ix] = minGreenMs;
  }

  /**
   * True when every movement of ix still green (kept through the change) is
   * also in `phase`: nothing more to clear. Where the clearance has no
   * all-red, a movement in its yellow must not be in `phase` either: it would
   * go from yellow straight back to green.
   */
  canRedirect(ix: number, phase: number): boolean {
    const net = this.net;
    const noAllRed = net.phaseAllRedMs[net.interPhaseStart[ix]! + this.phase[ix]!] === 0;
    this.markPhase(ix, phase, false);
    let ok = true;
    for (let m = net.interMovStart[ix]!; m < net.interMovStart[ix + 1]! && ok; m++) {
      const s = this.movState[m];
      if ((s === GREEN && this.mark[m] !== 1) || (s === PERMITTED && this.mark[m] === 0) || (s === YELLOW && noAllRed && this.mark[m] !== 0)) ok = false;
    }
    this.markPhase(ix, phase, true);
    return ok;
  }

  stateOf(movement: number): number {
    return this.movState[movement]!;
  }

  /** Advances every state machine to `nowMs`. Called once per step, after the controllers. */
  update(nowMs: number): void {
    const net = this.net;
    const n = net.nInter;
    for (let i = 0; i < n; i++) {
      const cur = this.phase[i]!;
      if (cur < 0) continue;
      const p = net.interPhaseStart[i]! + cur;
      const st = this.stage[i];
      if (st === STAGE_GREEN) {
        const want = this.pending[i]!;
        if (want < 0) continue;
        if (want === cur) {
          this.pending[i] = -1;
          continue;
        }
        const cut = this.pendingMinMs[i]!;
        const minGreen = cut >= 0 ? Math.min(cut, net.phaseMinGreenMs[p]!) : net.phaseMinGreenMs[p]!;
        if (nowMs - this.greenStartMs[i]! >= minGreen) this.beginChange(i, want, nowMs);
      } else if (st === STAGE_YELLOW) {
        if (nowMs - this.stageStartMs[i]! >= net.phaseYellowMs[p]!) {
          this.endYellow(i, nowMs);
          if (net.phaseAllRedMs[p] === 0) this.startGreen(i, this.target[i]!, nowMs, true);
        }
      } else if (nowMs - this.stageStartMs[i]! >= net.phaseAllRedMs[p]!) {
        this.startGreen(i, this.target[i]!, nowMs, true);
      }
    }
    this.logOverlaps(nowMs);
  }

  /** Marks the movements of a phase: 1 protected, 2 permitted (clear = false) or 0 (clear = true). */
  private markPhase(i: number, local: number, clear: boolean): void {
    const net = this.net;
    const p = net.interPhaseStart[i]! + local;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++) this.mark[net.phaseMovs[k]!] = clear ? 0 : 1 + net.phaseMovPermitted[k]!;
  }

  private beginChange(i: number, next: number, nowMs: number): void {
    const net = this.net;
    const cur = this.phase[i]!;
    const p = net.interPhaseStart[i]! + cur;
    this.cutGreenFloorMs[i] = this.pendingMinMs[i]!;
    this.pending[i] = -1;
    this.pendingMinMs[i] = -1;
    this.changes[i]!++;
    this.markPhase(i, next, false);
    let terminating = 0;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++) {
      const m = net.phaseMovs[k]!;
      const mark = this.mark[m];
      if (mark === 0) {
        this.movState[m] = YELLOW;
        terminating++;
      } else if (mark === 2 && this.movState[m] === GREEN && !this.conflictsWithPermitted(m)) {
        // protected now, permitted next: it yields from now on (an upgrade waits for the new green);
        // while a conflicting movement shows a permitted green it keeps its right of way until the
        // new green, or the two would both be yielding greens
        this.movState[m] = PERMITTED;
      }
    }
    this.markPhase(i, next, true);
    if (this.log) {
      const reason = this.pendingReason[i]!;
      if (reason) this.log.push(nowMs, i, reason, cur + 1);
      this.log.push(nowMs, i, EV_PHASE_GREEN_TERMINATION, cur + 1);
    }
    if (terminating === 0) {
      // The next phase only adds movements: nothing to clear.
      this.startGreen(i, next, nowMs, false);
      return;
    }
    this.target[i] = next;
    this.stage[i] = STAGE_YELLOW;
    this.stageStartMs[i] = nowMs;
    this.log?.push(nowMs, i, EV_PHASE_BEGIN_YELLOW, cur + 1);
  }

  /** True when a movement conflicting with m shows a permitted green now. */
  private conflictsWithPermitted(m: number): boolean {
    const net = this.net;
    for (let k = net.movConfStart[m]!; k < net.movConfStart[m + 1]!; k++) if (this.movState[net.movConf[k]!] === PERMITTED) return true;
    return false;
  }

  private endYellow(i: number, nowMs: number): void {
    const net = this.net;
    const p = net.interPhaseStart[i]! + this.phase[i]!;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++) {
      const m = net.phaseMovs[k]!;
      if (this.movState[m] === YELLOW) this.movState[m] = RED;
    }
    this.stage[i] = STAGE_ALL_RED;
    this.stageStartMs[i] = nowMs;
    if (this.log) {
      this.log.push(nowMs, i, EV_PHASE_END_YELLOW, this.phase[i]! + 1);
      this.log.push(nowMs, i, EV_PHASE_BEGIN_RED_CLEARANCE, this.phase[i]! + 1);
    }
  }

  private startGreen(i: number, next: number, nowMs: number, afterClearance: boolean): void {
    const net = this.net;
    const p = net.interPhaseStart[i]! + next;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++) {
      const m = net.phaseMovs[k]!;
      const want = net.phaseMovPermitted[k] === 1 ? PERMITTED : GREEN;
      if (this.movState[m] === RED || this.movState[m] === YELLOW) this.movGreenSinceMs[m] = nowMs;
      this.movState[m] = want;
    }
    if (this.log && afterClearance) this.log.push(nowMs, i, EV_PHASE_END_RED_CLEARANCE, this.phase[i]! + 1);
    this.phase[i] = next;
    this.target[i] = -1;
    this.stage[i] = STAGE_GREEN;
    this.stageStartMs[i] = nowMs;
    this.greenStartMs[i] = nowMs;
    this.log?.push(nowMs, i, EV_PHASE_BEGIN_GREEN, next + 1);
  }
}

/**
 * Phase changes per signal per hour over a run of `durationS`: the changes the
 * layer started (SignalLayer.changes) summed over the signals that have more
 * than one phase (a one-phase stand-in never changes), divided by their number
 * and the hours. 0 when there is no such signal.
 */
export function phaseChangesPerSignalHour(net: CompiledNetwork, changes: Int32Array, durationS: number): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < net.nInter; i++) {
    if (net.interType[i] !== INTER_SIGNAL || net.interPhaseStart[i + 1]! - net.interPhaseStart[i]! < 2) continue;
    n++;
    sum += changes[i]!;
  }
  return n && durationS > 0 ? Math.round((sum / n / (durationS / 3600)) * 1000) / 1000 : 0;
}
