/**
 * Reading the high-resolution event log the way ATSPM tools do: phase
 * intervals, the Purdue Coordination Diagram (arrivals at the set-back count
 * loops, projected to the stop bar, against each cycle's green) with its
 * percent arrivals on green,
 * and the split monitor (green per phase per cycle, and how each ended).
 * Input: rows of [tMs, intersection, code, param], as EventLog.get gives or as
 * parsed from events.csv.
 */
import {
  EV_DETECTOR_ON,
  EV_PHASE_BEGIN_GREEN,
  EV_PHASE_FORCE_OFF,
  EV_PHASE_GAP_OUT,
  EV_PHASE_GREEN_TERMINATION,
  EV_PHASE_MAX_OUT,
  EV_OVERLAP_BEGIN_GREEN,
  EV_OVERLAP_BEGIN_RED_CLEARANCE,
  EV_OVERLAP_BEGIN_YELLOW,
  EV_PREEMPT_ENTRY,
  overlaps,
  type EventLog,
} from '../engine/signals/eventlog.js';
import { DET_ADVANCE, DET_COUNT, type CompiledNetwork } from '../engine/network/compile.js';

export type EventRow = readonly [tMs: number, inter: number, code: number, param: number];

/** Every row of an event log. */
export function eventRows(log: EventLog): EventRow[] {
  const out: EventRow[] = [];
  for (let k = 0; k < log.length; k++) out.push(log.get(k));
  return out;
}

/** Rows of an events.csv (SignalId,TimestampS,EventCode,EventParam) with the signal ids mapped to indices. */
export function parseEventsCsv(text: string, signalIds: readonly string[]): EventRow[] {
  const idx = new Map(signalIds.map((s, i) => [s, i]));
  const rows: EventRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l) continue;
    const [sig, t, c, p] = l.split(',');
    const inter = idx.get(sig!);
    if (inter === undefined) throw new Error(`events.csv line ${i + 1}: unknown signal "${sig}"`);
    rows.push([Math.round(Number(t) * 1000), inter, Number(c), Number(p)]);
  }
  return rows;
}

export interface PhaseInterval {
  /** Local phase index (0-based; the log's parameter is 1-based). */
  phase: number;
  startMs: number;
  /** End of green (the termination event), or NaN if still green at the end of the log. */
  endMs: number;
}

/** The green intervals of every phase of one intersection, in time order (begin green … green termination). */
export function phaseIntervals(rows: readonly EventRow[], inter: number): PhaseInterval[] {
  const out: PhaseInterval[] = [];
  let open: PhaseInterval | undefined;
  for (const [t, i, c, p] of rows) {
    if (i !== inter) continue;
    if (c === EV_PHASE_BEGIN_GREEN) {
      open = { phase: p - 1, startMs: t, endMs: NaN };
      out.push(open);
    } else if (c === EV_PHASE_GREEN_TERMINATION && open && open.phase === p - 1) {
      open.endMs = t;
      open = undefined;
    }
  }
  return out;
}

export interface PcdCycle {
  /** Cycle start: the end of the phase's previous green (its yellow and red follow), ms. */
  startMs: number;
  /** Green start and end within the cycle (ms from startMs); NaN if the phase got no green. */
  greenStartMs: number;
  greenEndMs: number;
  /** Arrivals (detector on events projected to the stop bar), ms from startMs. */
  arrivalsMs: number[];
  /** Per arrival: whether its movement was green (the cycle's own green, or another phase's that serves it). */
  onGreen: boolean[];
}

export interface Pcd {
  inter: number;
  phase: number;
  channels: number[];
  cycles: PcdCycle[];
  arrivals: number;
  arrivalsOnGreen: number;
  /** Percent arrivals on green (AOG). */
  aogPercent: number;
}

/** What is green for an arrival: phases (local indices) and overlaps (numbers), either one green. */
export interface PcdGreen {
  phases: number[];
  overlaps: number[];
}

export interface PcdDetectors {
  /** Event-log channels of the loops whose on events are the phase's arrivals. */
  channels: number[];
  /**
   * Per channel: whose greens are green for its arrivals. For each of the
   * phase's movements leaving the loop's lane: the phase itself when it is
   * the movement's only phase (NEMA), else the movement's overlap (its
   * number at the intersection), which the log shows green also through a
   * change between two of its phases.
   */
  green: PcdGreen[];
  /** Per channel: free-flow travel time from the loop to the stop bar (ms), added to each on event. */
  travelMs: number[];
  /** The kind of loop used: the set-back count loops where the phase's lanes have them, else the advance loops. */
  kind: 'count' | 'advance';
}

/**
 * The loops a PCD of phase p (global index) at intersection ix reads, as
 * ATSPM configures them: on every lane that carries one of the phase's
 * protected movements, the set-back count loop (the advance loop if no lane
 * has one), with the time to travel from it to the stop bar at the lane's
 * speed limit, by which each arrival is projected to the stop bar.
 */
export function pcdDetectors(net: CompiledNetwork, ch: { inter: Int32Array; channel: Int32Array }, ix: number, p: number): PcdDetectors {
  const movs = new Set<number>();
  for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) movs.add(net.phaseMovs[k]!);
  const byKind = new Map<number, number[]>([
    [DET_COUNT, []],
    [DET_ADVANCE, []],
  ]);
  for (let d = 0; d < net.nDet; d++) {
    const list = byKind.get(net.detKind[d]!);
    if (!list || ch.inter[d] !== ix) continue;
    const lane = net.detLane[d]!;
    for (let q = net.laneOutStart[lane]!; q < net.laneOutStart[lane + 1]!; q++)
      if (movs.has(net.linkMov[net.laneOut[q]! - net.nLanes]!)) {
        list.push(d);
        break;
      }
  }
  const kind = byKind.get(DET_COUNT)!.length > 0 ? 'count' : 'advance';
  const dets = byKind.get(kind === 'count' ? DET_COUNT : DET_ADVANCE)!;
  const ov = overlaps(net);
  const green = dets.map((d): PcdGreen => {
    const lane = net.detLane[d]!;
    const phases = new Set<number>();
    const ovs = new Set<number>();
    for (let q = net.laneOutStart[lane]!; q < net.laneOutStart[lane + 1]!; q++) {
      const m = net.linkMov[net.laneOut[q]! - net.nLanes]!;
      if (!movs.has(m)) continue;
      const o = ov.movOverlap[m]!;
      if (o >= 0) ovs.add(ov.list[o]!.number);
      else phases.add(p - net.interPhaseStart[ix]!);
    }
    return { phases: [...phases], overlaps: [...ovs].sort((a, b) => a - b) };
  });
  return {
    channels: dets.map((d) => ch.channel[d]!),
    green,
    // from the loop's upstream edge (a vehicle's front turns it on there) to the stop line
    travelMs: dets.map((d) => Math.round(((net.drvLengthM[net.detLane[d]!]! - net.detStartM[d]!) / net.drvSpeedMps[net.detLane[d]!]!) * 1000)),
    kind,
  };
}

/**
 * The Purdue Coordination Diagram of one phase: its cycles (each from the
 * end of one of its greens to the end of the next), the green within each
 * (at the top of the cycle), and the arrivals at the given detector channels
 * (their on events, each plus its channel's travelMs to the stop bar, 0 if
 * not given) placed in the cycle.
 */
export function purdueCoordination(
  rows: readonly EventRow[],
  inter: number,
  phase: number,
  channels: readonly number[],
  travelMs: readonly number[] = [],
  green?: readonly PcdGreen[],
): Pcd {
  const param = phase + 1;
  const chIdx = new Map(channels.map((c, k) => [c, k]));
  // green intervals keyed by phase parameter (1, 2, …) and by −overlap number; per channel, the keys that are green for it
  const keysOf = channels.map((_, k) => (green?.[k] ? [...green[k]!.phases.map((q) => q + 1), ...green[k]!.overlaps.map((o) => -o)] : [param]));
  const greens = new Map<number, Array<[number, number]>>([[param, []]]);
  for (const keys of keysOf) for (const q of keys) greens.set(q, []);
  const open = new Map<number, number>();
  const close = (key: number, t: number): void => {
    const s = open.get(key);
    if (s !== undefined) greens.get(key)!.push([s, t]);
    open.delete(key);
  };
  const redStarts: number[] = [];
  const arrivals: Array<[number, number]> = [];
  for (const [t, i, c, p] of rows) {
    if (i !== inter) continue;
    if (c === EV_DETECTOR_ON) {
      const k = chIdx.get(p);
      if (k !== undefined) arrivals.push([t + (travelMs[k] ?? 0), k]);
    } else if (c === EV_PHASE_BEGIN_GREEN && greens.has(p)) open.set(p, t);
    else if (c === EV_PHASE_GREEN_TERMINATION && greens.has(p)) {
      close(p, t);
      if (p === param) redStarts.push(t);
    } else if (c === EV_OVERLAP_BEGIN_GREEN && greens.has(-p)) open.set(-p, t);
    else if ((c === EV_OVERLAP_BEGIN_YELLOW || c === EV_OVERLAP_BEGIN_RED_CLEARANCE) && greens.has(-p)) close(-p, t);
  }
  for (const [p, s] of open) greens.get(p)!.push([s, Infinity]);
  arrivals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const own = greens.get(param)!;
  const cycles: PcdCycle[] = [];
  for (let k = 0; k + 1 < redStarts.length; k++) {
    const a = redStarts[k]!;
    const b = redStarts[k + 1]!;
    const g = own.find(([s]) => s >= a && s < b);
    cycles.push({ startMs: a, greenStartMs: g ? g[0] - a : NaN, greenEndMs: g ? Math.min(g[1], b) - a : NaN, arrivalsMs: [], onGreen: [] });
  }
  let onGreen = 0;
  let ci = 0;
  for (const [t, k] of arrivals) {
    let isGreen = false;
    for (const q of keysOf[k]!) if (within(greens.get(q)!, t)) isGreen = true;
    if (isGreen) onGreen++;
    while (ci + 1 < cycles.length && t >= cycles[ci + 1]!.startMs) ci++;
    const c = cycles[ci];
    if (c && t >= c.startMs) {
      c.arrivalsMs.push(t - c.startMs);
      c.onGreen.push(isGreen);
    }
  }
  const n = arrivals.length;
  return { inter, phase, channels: [...channels], cycles, arrivals: n, arrivalsOnGreen: onGreen, aogPercent: n ? (100 * onGreen) / n : 0 };
}

/** True if t lies in one of the time-ordered, disjoint intervals [start, end). */
function within(iv: ReadonlyArray<readonly [number, number]>, t: number): boolean {
  let lo = 0;
  let hi = iv.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (iv[mid]![1] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo < iv.length && t >= iv[lo]![0];
}

export interface SplitRecord {
  phase: number;
  startMs: number;
  greenMs: number;
  /** How the green ended: gap-out, max-out, force-off, pre-empted, or plain (the controller chose another phase). */
  end: 'gap-out' | 'max-out' | 'force-off' | 'preempt' | 'change' | 'running';
}

/** The split monitor of one intersection: every green, its length and how it ended. */
export function splitMonitor(rows: readonly EventRow[], inter: number): SplitRecord[] {
  const out: SplitRecord[] = [];
  const open = new Map<number, SplitRecord>();
  let reason: SplitRecord['end'] = 'change';
  let preemptAt = -Infinity;
  for (const [t, i, c, p] of rows) {
    if (i !== inter) continue;
    if (c === EV_PREEMPT_ENTRY) preemptAt = t;
    if (c === EV_PHASE_BEGIN_GREEN) {
      const r: SplitRecord = { phase: p - 1, startMs: t, greenMs: NaN, end: 'running' };
      open.set(p, r);
      out.push(r);
    } else if (c === EV_PHASE_GAP_OUT) reason = 'gap-out';
    else if (c === EV_PHASE_MAX_OUT) reason = 'max-out';
    else if (c === EV_PHASE_FORCE_OFF) reason = 'force-off';
    else if (c === EV_PHASE_GREEN_TERMINATION) {
      const r = open.get(p);
      if (r) {
        r.greenMs = t - r.startMs;
        r.end = t - preemptAt < 1 ? 'preempt' : reason;
        open.delete(p);
      }
      reason = 'change';
    }
  }
  return out;
}
