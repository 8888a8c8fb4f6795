/**
 * The schedule search behind adaptive's switching at a price
 * (engine/optimizer/schedule.ts): hand-made cases, and the least delay
 * against every order of serving the clusters, found by brute force.
 */
import { describe, expect, it } from 'vitest';
import { SCHEDULE_CLUSTERS, ScheduleScratch, scheduleFirst, type ScheduleInput } from '../engine/optimizer/schedule.js';

type Cluster = [arrivalS: number, durationS: number, count: number];

function input(phases: Cluster[][], current: number, lossS = 6): ScheduleInput {
  const n = phases.length * SCHEDULE_CLUSTERS;
  const inp: ScheduleInput = {
    phases: phases.length,
    arrivalS: new Float64Array(n),
    durationS: new Float64Array(n),
    count: new Float64Array(n),
    weight: new Float64Array(n),
    switchLossS: new Float64Array(phases.length).fill(lossS),
    current,
  };
  phases.forEach((cs, k) =>
    cs.forEach(([a, d, c], j) => {
      inp.arrivalS[k * SCHEDULE_CLUSTERS + j] = a;
      inp.durationS[k * SCHEDULE_CLUSTERS + j] = d;
      inp.count[k * SCHEDULE_CLUSTERS + j] = c;
      inp.weight[k * SCHEDULE_CLUSTERS + j] = c;
    }),
  );
  return inp;
}

/** Least total delay over every order (each phase's clusters in their order), and the first phase of each order that reaches it. */
function brute(phases: Cluster[][], current: number, lossS: number): { best: number; firsts: Set<number> } {
  let best = Infinity;
  let firsts = new Set<number>();
  const served = phases.map(() => 0);
  const total = phases.reduce((a, c) => a + c.length, 0);
  const go = (t: number, last: number, delay: number, first: number, done: number): void => {
    if (done === total) {
      if (delay < best - 1e-9) {
        best = delay;
        firsts = new Set([first]);
      } else if (Math.abs(delay - best) <= 1e-9) firsts.add(first);
      return;
    }
    phases.forEach((cs, k) => {
      if (served[k]! >= cs.length) return;
      const [a, d, c] = cs[served[k]!]!;
      const begin = Math.max(k === last ? t : t + lossS, a);
      served[k]!++;
      go(begin + d, k, delay + c * (begin - a), first < 0 ? k : first, done + 1);
      served[k]!--;
    });
  };
  go(0, current, 0, -1, 0);
  return { best, firsts: total === 0 ? new Set([current]) : firsts };
}

describe('the schedule search (least delay, a price on every change)', () => {
  const scratch = new ScheduleScratch();

  it('keeps the green in force when nothing waits, and changes when only another phase has vehicles', () => {
    expect(scheduleFirst(input([[], [], []], 1), scratch)).toBe(1);
    expect(scheduleFirst(input([[], [[0, 4, 2]], []], 0), scratch)).toBe(1);
  });

  it('keeps a green whose platoon arrives in 3 s rather than pay a change for a short queue, and not for a long one', () => {
    // current phase 0: 8 vehicles arriving in 3 s; phase 1: 2 halting; a change costs 6 s each way
    expect(scheduleFirst(input([[[3, 8, 8]], [[0, 4, 2]]], 0), scratch)).toBe(0);
    // the same platoon against 20 halting vehicles: serving them first costs the platoon less than they would wait
    expect(scheduleFirst(input([[[12, 8, 8]], [[0, 20, 20]]], 0), scratch)).toBe(1);
  });

  it('finds the least delay of every order (brute force on random cases)', () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < Number(process.env.TRIALS ?? 300); trial++) {
      const P = 2 + Math.floor(rnd() * 3);
      const phases: Cluster[][] = Array.from({ length: P }, () => {
        const cs: Cluster[] = [];
        const n = Math.floor(rnd() * (SCHEDULE_CLUSTERS + 1));
        let a = 0;
        for (let j = 0; j < n; j++) {
          a += Math.floor(rnd() * 15);
          const c = 1 + Math.floor(rnd() * 10);
          cs.push([a, c * 2, c]);
        }
        return cs;
      });
      const current = Math.floor(rnd() * P);
      const loss = 3 + Math.floor(rnd() * 6);
      const { firsts } = brute(phases, current, loss);
      const got = scheduleFirst(input(phases, current, loss), scratch);
      expect(firsts.has(got), JSON.stringify({ phases, current, loss, got, firsts: [...firsts] })).toBe(true);
    }
  });

  it('declines a signal with more phases than it searches', () => {
    expect(scheduleFirst(input(Array.from({ length: 9 }, () => []), 0), scratch)).toBe(-1);
  });
});
