/**
 * Schedule-driven phase choice (after Surtrac: Xie, Smith and Barlow,
 * "Schedule-driven intersection control", Transportation Research Part C 24,
 * 2012). The vehicles a signal's detectors see approaching are grouped into
 * clusters per phase (the standing queue; the vehicles still moving towards
 * it), each with an arrival time, a count and the time the phase needs to
 * serve it. A forward dynamic programme over the order in which the phases
 * serve their clusters (each phase's clusters in arrival order) finds the
 * schedule with the least total delay, where every change of phase costs its
 * switching loss (yellow, all-red and start-up lost time) before the next
 * cluster can start. Only the schedule's first step is executed: keep the
 * green in force (its cluster comes first) or change to the phase whose
 * cluster does; the schedule is made again at the next decision.
 *
 * The state is (clusters served so far per phase, phase of the last one).
 * A partial schedule that reaches a state with less delay but a later finish
 * than another is not better than it (what follows costs more the later it
 * starts), so each state keeps the partial schedules no other beats in both
 * delay and finish (up to SCHEDULE_LABELS of them: exact as long as no state
 * has more, which the tests check against every order by brute force). The
 * search costs Π over phases (its clusters + 1) × phases states.
 */

/** At most this many phases (the state count grows as (clusters + 1)^phases); more: no schedule (−1). */
export const SCHEDULE_MAX_PHASES = 8;
/** Clusters per phase this search takes. */
export const SCHEDULE_CLUSTERS = 2;
/** Partial schedules kept per state (those not beaten in both delay and finish). */
export const SCHEDULE_LABELS = 6;

/**
 * Clusters per phase, SCHEDULE_CLUSTERS slots each (phase k's cluster j at
 * k·SCHEDULE_CLUSTERS + j), in arrival order; a count of 0 is no cluster.
 * Times in seconds from now.
 */
export interface ScheduleInput {
  phases: number;
  arrivalS: Float64Array;
  durationS: Float64Array;
  count: Float64Array;
  /** Each cluster's weight per second of delay (its count; more for vehicles that have waited long). */
  weight: Float64Array;
  /** Switching loss when each phase ends and another begins (s): its yellow and all-red and the start-up lost time. */
  switchLossS: Float64Array;
  /** The phase in force (its green is showing: its first cluster needs no change). */
  current: number;
}

/** Scratch for the search, reused between calls (sized for SCHEDULE_MAX_PHASES). */
export class ScheduleScratch {
  readonly delay: Float64Array;
  readonly finish: Float64Array;
  /** The phase whose cluster the partial schedule served first (−1: none yet). */
  readonly first: Int8Array;
  /** Partial schedules kept per state. */
  readonly labels: Uint8Array;
  /** Clusters per phase, and the powers of (clusters + 1) that index the states. */
  readonly n = new Int32Array(SCHEDULE_MAX_PHASES);
  readonly pow = new Int32Array(SCHEDULE_MAX_PHASES + 1);
  /** The served counts of the state being expanded, one digit per phase. */
  readonly digit = new Int32Array(SCHEDULE_MAX_PHASES + 1);
  constructor(states = (SCHEDULE_CLUSTERS + 1) ** SCHEDULE_MAX_PHASES * SCHEDULE_MAX_PHASES) {
    this.delay = new Float64Array(states * SCHEDULE_LABELS);
    this.finish = new Float64Array(states * SCHEDULE_LABELS);
    this.first = new Int8Array(states * SCHEDULE_LABELS);
    this.labels = new Uint8Array(states);
  }
}

const EPS = 1e-9;

/** Adds the partial schedule (d, f, fst) to state `to` unless one there beats it in both; drops those it beats. */
function offer(sc: ScheduleScratch, to: number, d: number, f: number, fst: number): void {
  const base = to * SCHEDULE_LABELS;
  let n = sc.labels[to]!;
  for (let i = 0; i < n; i++) if (sc.delay[base + i]! <= d + EPS && sc.finish[base + i]! <= f + EPS) return;
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (d <= sc.delay[base + i]! + EPS && f <= sc.finish[base + i]! + EPS) continue;
    sc.delay[base + w] = sc.delay[base + i]!;
    sc.finish[base + w] = sc.finish[base + i]!;
    sc.first[base + w] = sc.first[base + i]!;
    w++;
  }
  n = w;
  if (n === SCHEDULE_LABELS) {
    // full: the new one replaces the one with the most delay, if it has less
    let worst = 0;
    for (let i = 1; i < n; i++) if (sc.delay[base + i]! > sc.delay[base + worst]!) worst = i;
    if (sc.delay[base + worst]! <= d) return;
    n--;
    sc.delay[base + worst] = sc.delay[base + n]!;
    sc.finish[base + worst] = sc.finish[base + n]!;
    sc.first[base + worst] = sc.first[base + n]!;
  }
  sc.delay[base + n] = d;
  sc.finish[base + n] = f;
  sc.first[base + n] = fst;
  sc.labels[to] = n + 1;
}

/**
 * The phase whose cluster the least-delay schedule serves first (the current
 * phase when nothing waits or when serving it first is best); −1 where there
 * are more phases than SCHEDULE_MAX_PHASES.
 */
export function scheduleFirst(inp: ScheduleInput, scratch: ScheduleScratch): number {
  const P = inp.phases;
  if (P > SCHEDULE_MAX_PHASES) return -1;
  // clusters per phase (their counts > 0 come first)
  const n = scratch.n;
  let total = 0;
  for (let k = 0; k < P; k++) {
    let j = 0;
    while (j < SCHEDULE_CLUSTERS && inp.count[k * SCHEDULE_CLUSTERS + j]! > 0) j++;
    n[k] = j;
    total += j;
  }
  if (total === 0) return inp.current;
  // mixed-radix index of the served counts (phase k's digit runs 0..n[k]); × P + last phase
  const pow = scratch.pow;
  pow[0] = 1;
  for (let k = 0; k < P; k++) pow[k + 1] = pow[k]! * (n[k]! + 1);
  const nx = pow[P]!;
  const sc = scratch;
  const digit = sc.digit;
  digit.fill(0, 0, P);
  sc.labels.fill(0, 0, nx * P);
  offer(sc, inp.current, 0, 0, -1);
  let bestD = Infinity;
  let bestF = Infinity;
  let bestFirst = inp.current;
  // states in increasing index order: every transition adds a cluster, so it goes to a higher index
  for (let x = 0; x < nx; x++) {
    if (x > 0) for (let k = 0; ++digit[k]! > n[k]!; k++) digit[k] = 0;
    // (only the last state has every cluster served)
    const done = x === nx - 1;
    for (let s = 0; s < P; s++) {
      const id = x * P + s;
      const base = id * SCHEDULE_LABELS;
      for (let li = 0; li < sc.labels[id]!; li++) {
        const d0 = sc.delay[base + li]!;
        const t0 = sc.finish[base + li]!;
        const f0 = sc.first[base + li]!;
        if (done) {
          if (d0 < bestD - EPS || (Math.abs(d0 - bestD) <= EPS && t0 < bestF)) {
            bestD = d0;
            bestF = t0;
            bestFirst = f0 < 0 ? inp.current : f0;
          }
          continue;
        }
        for (let k = 0; k < P; k++) {
          const served = digit[k]!;
          if (served >= n[k]!) continue;
          const c = k * SCHEDULE_CLUSTERS + served;
          const ready = k === s ? t0 : t0 + inp.switchLossS[s]!;
          const begin = Math.max(ready, inp.arrivalS[c]!);
          offer(sc, (x + pow[k]!) * P + k, d0 + inp.weight[c]! * (begin - inp.arrivalS[c]!), begin + inp.durationS[c]!, f0 < 0 ? k : f0);
        }
      }
    }
  }
  return bestFirst;
}
