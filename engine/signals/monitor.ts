/**
 * The conflict monitor: an independent check of the displayed signal states,
 * like the malfunction management unit in a signal cabinet. It knows only the
 * conflict matrix and each movement's safety timings, watches every movement
 * every step, and counts:
 *  - conflictingGreens: per step, each pair of conflicting movements that are
 *    both not red (green, permitted green or yellow), unless one of them is a
 *    permitted green, or the yellow that ends one, and the other a protected
 *    green or yellow (the permitted one yields, as at a green ball or a
 *    flashing yellow arrow and the steady yellow after it);
 *  - minGreenViolations: a green ended (to yellow) before its minimum green
 *    (or, when pre-emption cut it, before the floor the cut allowed);
 *  - clearanceViolations: a yellow shorter than required, a green that went
 *    straight to red, an illegal sequence (red→yellow, yellow→green), or a
 *    green that started while a conflicting movement was still green or
 *    yellow, or red for less than its red clearance (a conflicting permitted
 *    green may continue under a new protected green, and a permitted green may
 *    start under a conflicting protected green).
 */
import type { CompiledNetwork } from '../network/compile.js';
import { GREEN, PERMITTED, RED, YELLOW } from './signals.js';

export interface SafetyCounts {
  conflictingGreens: number;
  minGreenViolations: number;
  clearanceViolations: number;
}

export class ConflictMonitor {
  conflictingGreens = 0;
  minGreenViolations = 0;
  clearanceViolations = 0;

  private readonly net: CompiledNetwork;
  private readonly prev: Uint8Array;
  private readonly greenStart: Float64Array;
  private readonly yellowStart: Float64Array;
  private readonly redStart: Float64Array;
  /** 1 while a movement's yellow ends a permitted green (seen by the monitor itself: PERMITTED → YELLOW). */
  private readonly yieldingYellow: Uint8Array;
  /** Conflicting pairs in the states last seen. */
  private pairsShown = 0;

  constructor(net: CompiledNetwork) {
    this.net = net;
    this.prev = new Uint8Array(net.nMov);
    this.greenStart = new Float64Array(net.nMov);
    this.yellowStart = new Float64Array(net.nMov);
    this.redStart = new Float64Array(net.nMov).fill(-Infinity);
    this.yieldingYellow = new Uint8Array(net.nMov);
  }

  /**
   * Checks the states shown from `nowMs` on. `cutGreenFloorMs` is the signal
   * layer's record of why each intersection's last green ended (its
   * `cutGreenFloorMs`): a green that pre-emption cut may end below its
   * minimum, never below the floor recorded with the cut, like the
   * pre-emption input of a cabinet's malfunction management unit. Without
   * it, every green must run its minimum.
   */
  check(nowMs: number, state: Uint8Array, cutGreenFloorMs?: Float64Array): void {
    const net = this.net;
    const confStart = net.movConfStart;
    const conf = net.movConf;
    const n = net.nMov;
    let changed = false;
    for (let m = 0; m < n; m++) {
      const s = state[m]!;
      const p = this.prev[m]!;
      if (s !== p) {
        const greenNow = s === GREEN || s === PERMITTED;
        const greenBefore = p === GREEN || p === PERMITTED;
        if (greenNow && (p === RED || (p === PERMITTED && s === GREEN))) {
          // A green starts (or a permitted green becomes protected): conflicting traffic must have cleared.
          for (let k = confStart[m]!; k < confStart[m + 1]!; k++) {
            const c = conf[k]!;
            const sc = state[c]!;
            const ok =
              (sc === RED && nowMs - this.redStart[c]! >= net.movAllRedMs[c]!) ||
              (sc === PERMITTED && s === GREEN) ||
              (sc === GREEN && s === PERMITTED);
            if (!ok) {
              this.clearanceViolations++;
              break;
            }
          }
          if (p === RED) this.greenStart[m] = nowMs;
        } else if (greenBefore && greenNow) {
          // protected → permitted: it yields from now on, nothing to check
        } else if (greenBefore && s === YELLOW) {
          // the yellow that ends a permitted green still yields
          this.yieldingYellow[m] = p === PERMITTED ? 1 : 0;
          const green = nowMs - this.greenStart[m]!;
          if (green < net.movMinGreenMs[m]!) {
            const floor = cutGreenFloorMs ? cutGreenFloorMs[net.movInter[m]!]! : -1;
            if (floor < 0 || green < floor) this.minGreenViolations++;
          }
          this.yellowStart[m] = nowMs;
        } else if (p === YELLOW && s === RED) {
          if (nowMs - this.yellowStart[m]! < net.movYellowMs[m]!) this.clearanceViolations++;
          this.redStart[m] = nowMs;
        } else {
          // green→red skips the yellow; red→yellow and yellow→green are not legal sequences
          this.clearanceViolations++;
          if (s === RED) this.redStart[m] = nowMs;
          if (greenNow) this.greenStart[m] = nowMs;
          if (s === YELLOW) this.yellowStart[m] = nowMs;
        }
        this.prev[m] = s;
        changed = true;
      }
    }
    // Conflicting pairs shown now. They can only change when some state does, so the pairs are
    // recounted then; every step adds the pairs shown during it.
    if (changed) {
      let pairs = 0;
      for (let m = 0; m < n; m++) {
        const s = state[m]!;
        if (s === RED) continue;
        for (let k = confStart[m]!; k < confStart[m + 1]!; k++) {
          const c = conf[k]!;
          if (c <= m) continue;
          const sc = state[c]!;
          if (sc === RED) continue;
          // a permitted green (or the yellow that ends one) yields to a protected green or yellow
          const ym = s === PERMITTED || (s === YELLOW && this.yieldingYellow[m] === 1);
          const yc = sc === PERMITTED || (sc === YELLOW && this.yieldingYellow[c] === 1);
          if (ym !== yc) continue;
          pairs++;
        }
      }
      this.pairsShown = pairs;
    }
    this.conflictingGreens += this.pairsShown;
  }

  counts(): SafetyCounts {
    return {
      conflictingGreens: this.conflictingGreens,
      minGreenViolations: this.minGreenViolations,
      clearanceViolations: this.clearanceViolations,
    };
  }
}
