/**
 * High-resolution controller event log, Indiana enumerations (as used by
 * ATSPM): one row per event with signal, time (0.1 s), code and parameter.
 * Stored flat in a growable Float64Array: no object per event.
 */

import { DET_LANE_AREA, type CompiledNetwork } from '../network/compile.js';

export const EV_PHASE_BEGIN_GREEN = 1;
export const EV_PHASE_GAP_OUT = 4;
export const EV_PHASE_MAX_OUT = 5;
export const EV_PHASE_FORCE_OFF = 6;
export const EV_PHASE_GREEN_TERMINATION = 7;
export const EV_PHASE_BEGIN_YELLOW = 8;
export const EV_PHASE_END_YELLOW = 9;
export const EV_PHASE_BEGIN_RED_CLEARANCE = 10;
export const EV_PHASE_END_RED_CLEARANCE = 11;
export const EV_PHASE_INACTIVE = 12;
export const EV_OVERLAP_BEGIN_GREEN = 61;
export const EV_OVERLAP_BEGIN_YELLOW = 63;
export const EV_OVERLAP_BEGIN_RED_CLEARANCE = 64;
export const EV_DETECTOR_OFF = 81;
export const EV_DETECTOR_ON = 82;
export const EV_PREEMPT_CALL_ON = 102;
export const EV_PREEMPT_CALL_OFF = 104;
export const EV_PREEMPT_ENTRY = 105;
export const EV_PREEMPT_DWELL = 107;
export const EV_PREEMPT_EXIT = 111;
export const EV_COORD_PATTERN_CHANGE = 131;
export const EV_CYCLE_LENGTH_CHANGE = 132;
export const EV_OFFSET_CHANGE = 133;

/**
 * Loop detectors' channels in the event log: per intersection (the one whose
 * stop line the loop's lane leads to), channels 1, 2, … in detector order.
 * Lane-area detectors (cameras) have none (−1).
 */
export function loopChannels(net: CompiledNetwork): { inter: Int32Array; channel: Int32Array } {
  const inter = new Int32Array(net.nDet).fill(-1);
  const channel = new Int32Array(net.nDet).fill(-1);
  const next = new Int32Array(net.nInter).fill(1);
  for (let d = 0; d < net.nDet; d++) {
    if (net.detKind[d] === DET_LANE_AREA) continue;
    const i = net.roadTo[net.laneRoad[net.detLane[d]!]!]!;
    inter[d] = i;
    channel[d] = next[i]!++;
  }
  return { inter, channel };
}

export interface Overlap {
  inter: number;
  /** Its number at the intersection, 1, 2, … (NEMA's overlaps A, B, …): the event log's parameter. */
  number: number;
  /** Its movements, and the local phases that serve all of them (its parents). */
  movements: number[];
  phases: number[];
}

/**
 * Overlaps, as a NEMA controller has them: a movement served (protected) by
 * two or more phases is green through a change between two of them, while
 * neither phase is green in the log. Such movements, grouped by the same set
 * of parent phases, are logged as overlaps (61 green, 63 yellow, 64 red), so
 * that the log shows when they were green. `movOverlap`: per movement, its
 * overlap's index in `list`, or −1.
 */
export function overlaps(net: CompiledNetwork): { list: Overlap[]; movOverlap: Int32Array } {
  let found = overlapsOf.get(net);
  if (!found) overlapsOf.set(net, (found = findOverlaps(net)));
  return found;
}

const overlapsOf = new WeakMap<CompiledNetwork, { list: Overlap[]; movOverlap: Int32Array }>();

function findOverlaps(net: CompiledNetwork): { list: Overlap[]; movOverlap: Int32Array } {
  const movOverlap = new Int32Array(net.nMov).fill(-1);
  const list: Overlap[] = [];
  for (let i = 0; i < net.nInter; i++) {
    const parents = new Map<number, number[]>();
    const p0 = net.interPhaseStart[i]!;
    for (let p = p0; p < net.interPhaseStart[i + 1]!; p++)
      for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) {
        const m = net.phaseMovs[k]!;
        const l = parents.get(m) ?? [];
        if (!l.includes(p - p0)) l.push(p - p0);
        parents.set(m, l);
      }
    const byKey = new Map<string, number>();
    for (const [m, ps] of [...parents].sort((a, b) => a[0] - b[0])) {
      if (ps.length < 2) continue;
      const key = ps.join(',');
      let o = byKey.get(key);
      if (o === undefined) {
        o = list.length;
        list.push({ inter: i, number: byKey.size + 1, movements: [], phases: ps });
        byKey.set(key, o);
      }
      list[o]!.movements.push(m);
      movOverlap[m] = o;
    }
  }
  return { list, movOverlap };
}

export class EventLog {
  private buf = new Float64Array(4 * 4096);
  private n = 0;

  get length(): number {
    return this.n;
  }

  /** Appends one event. `inter` is the intersection index, `param` the phase (1-based), detector or value. */
  push(tMs: number, inter: number, code: number, param: number): void {
    if ((this.n + 1) * 4 > this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const o = this.n * 4;
    this.buf[o] = tMs;
    this.buf[o + 1] = inter;
    this.buf[o + 2] = code;
    this.buf[o + 3] = param;
    this.n++;
  }

  /** Drops the events before tMs (they are appended in time order): a live log keeps a window, not the whole run. */
  dropBefore(tMs: number): void {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.buf[mid * 4]! < tMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return;
    this.buf.copyWithin(0, lo * 4, this.n * 4);
    this.n -= lo;
  }

  /** Event k as [tMs, inter, code, param]. */
  get(k: number): [number, number, number, number] {
    const o = k * 4;
    return [this.buf[o]!, this.buf[o + 1]!, this.buf[o + 2]!, this.buf[o + 3]!];
  }

  /** CSV in the ATSPM layout: SignalId,Timestamp(s, 0.1 s resolution),EventCode,EventParam. */
  toCsv(signalIds: readonly string[]): string {
    const rows = ['SignalId,TimestampS,EventCode,EventParam'];
    for (let k = 0; k < this.n; k++) {
      const [t, i, c, p] = this.get(k);
      rows.push(`${signalIds[i]},${(Math.round(t / 100) / 10).toFixed(1)},${c},${p}`);
    }
    return rows.join('\n') + '\n';
  }
}
