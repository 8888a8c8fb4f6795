/**
 * The conflict monitor: an independent check of the displayed signal states,
 * like the malfunction management unit in a signal cabinet. It knows only the
 * conflict matrix and each movement's safety timings, watches every movement
 * every step, and counts:
 *  - conflictingGreens: per step, each pair of conflicting movements that are
 *    both not red (green or yellow);
 *  - minGreenViolations: a green ended (to yellow) before its minimum green;
 *  - clearanceViolations: a yellow shorter than required, a green that went
 *    straight to red, an illegal sequence (red→yellow, yellow→green), or a
 *    green that started before every conflicting movement had been red for
 *    its full red clearance.
 */
import type { CompiledNetwork } from '../network/compile.js';
import { GREEN, RED, YELLOW } from './signals.js';

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

  constructor(net: CompiledNetwork) {
    this.net = net;
    this.prev = new Uint8Array(net.nMov);
    this.greenStart = new Float64Array(net.nMov);
    this.yellowStart = new Float64Array(net.nMov);
    this.redStart = new Float64Array(net.nMov).fill(-Infinity);
  }

  /**
   * Minimum-green exemptions: a movement may end green before its minimum
   * when this returns true (used by emergency pre-emption, which may cut a
   * green down to its own minimum). Default: none.
   */
  minGreenOverride: ((movement: number, greenMs: number) => boolean) | undefined;

  /** Checks the states shown from `nowMs` on. */
  check(nowMs: number, state: Uint8Array): void {
    const net = this.net;
    const confStart = net.movConfStart;
    const conf = net.movConf;
    const n = net.nMov;
    for (let m = 0; m < n; m++) {
      const s = state[m]!;
      const p = this.prev[m]!;
      if (s !== p) {
        if (p === RED && s === GREEN) {
          for (let k = confStart[m]!; k < confStart[m + 1]!; k++) {
            const c = conf[k]!;
            if (state[c] !== RED || nowMs - this.redStart[c]! < net.movAllRedMs[c]!) {
              this.clearanceViolations++;
              break;
            }
          }
          this.greenStart[m] = nowMs;
        } else if (p === GREEN && s === YELLOW) {
          const green = nowMs - this.greenStart[m]!;
          if (green < net.movMinGreenMs[m]! && !(this.minGreenOverride?.(m, green) ?? false)) this.minGreenViolations++;
          this.yellowStart[m] = nowMs;
        } else if (p === YELLOW && s === RED) {
          if (nowMs - this.yellowStart[m]! < net.movYellowMs[m]!) this.clearanceViolations++;
          this.redStart[m] = nowMs;
        } else {
          // green→red skips the yellow; red→yellow and yellow→green are not legal sequences
          this.clearanceViolations++;
          if (s === RED) this.redStart[m] = nowMs;
          if (s === GREEN) this.greenStart[m] = nowMs;
          if (s === YELLOW) this.yellowStart[m] = nowMs;
        }
        this.prev[m] = s;
      }
      if (s !== RED) {
        for (let k = confStart[m]!; k < confStart[m + 1]!; k++) {
          const c = conf[k]!;
          if (c > m && state[c] !== RED) this.conflictingGreens++;
        }
      }
    }
  }

  counts(): SafetyCounts {
    return {
      conflictingGreens: this.conflictingGreens,
      minGreenViolations: this.minGreenViolations,
      clearanceViolations: this.clearanceViolations,
    };
  }
}
