/**
 * The network optimizer (engine/optimizer): the plan it makes from lane flows,
 * and the worker pool that makes it in threads — same result as in one thread,
 * and a last good plan kept when workers die or overrun.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  arrivalsOnRed,
  buildOptNet,
  linkFlows,
  newPlanArrays,
  REPLAN_DEFAULTS,
  ReplanPool,
  replanInline,
  type OptNet,
  type PlanArrays,
} from '../engine/optimizer/index.js';
import { arterialScenario, builtinScenario, gridScenario } from '../scenarios/index.js';
import { TURN_CROSSINGS, turnCrossings } from '../scenarios/generators/grid.js';
import { replanLatency } from '../bench/replan.js';
import { SCHEDULE_CLUSTERS, SCHEDULE_MAX_PHASES, ScheduleScratch, scheduleFirst, type ScheduleInput } from '../engine/optimizer/schedule.js';
import { ScheduleBatch } from '../engine/optimizer/scheduleBatch.js';
import { Rng } from '../sim/rng.js';
import { prepared } from './helpers.js';

function gridOpt(rows: number, cols: number): OptNet {
  return buildOptNet(prepared(gridScenario({ rows, cols }), { durationS: 60 }).net);
}

/** Random lane flows (veh/h), 0..maxVph, from a seed. */
function randomFlows(opt: OptNet, seed: number, maxVph = 600): Float64Array {
  const rng = new Rng(seed);
  const f = new Float64Array(opt.nLanes);
  for (let q = 0; q < f.length; q++) f[q] = Math.round(rng.next() * maxVph);
  return f;
}

function samePlan(a: PlanArrays, b: PlanArrays): void {
  expect(Array.from(a.cycleMs)).toEqual(Array.from(b.cycleMs));
  expect(Array.from(a.greenMs)).toEqual(Array.from(b.greenMs));
  expect(Array.from(a.startMs)).toEqual(Array.from(b.startMs));
  expect(Array.from(a.offsetMs)).toEqual(Array.from(b.offsetMs));
}

describe('the re-plan (one thread)', () => {
  const opt = gridOpt(4, 4);
  const flows = randomFlows(opt, 7, 250);
  const plan = newPlanArrays(opt);
  replanInline(opt, flows, undefined, plan);

  it('gives every signal a cycle its greens and clearances fill exactly, greens within min and max', () => {
    let signals = 0;
    for (let i = 0; i < opt.nInter; i++) {
      const s0 = opt.svcStart[i]!;
      const s1 = opt.svcStart[i + 1]!;
      if (s1 === s0) continue;
      signals++;
      let t = 0;
      for (let k = s0; k < s1; k++) {
        const ph = opt.svc[k]!;
        expect(plan.startMs[ph], `start of phase ${ph}`).toBe(t);
        expect(plan.greenMs[ph]!).toBeGreaterThanOrEqual(opt.minGreenMs[ph]!);
        expect(plan.greenMs[ph]! % 1000).toBe(0);
        t += plan.greenMs[ph]! + opt.clearMs[ph]!;
      }
      expect(plan.cycleMs[i]).toBe(t);
      expect(plan.offsetMs[i]!).toBeGreaterThanOrEqual(0);
      expect(plan.offsetMs[i]!).toBeLessThan(plan.cycleMs[i]!);
    }
    expect(signals).toBe(16);
  });

  it('runs a connected group of signals on one cycle, the one its critical intersection needs', () => {
    const c = plan.cycleMs[0]!;
    for (let i = 0; i < opt.nInter; i++) if (opt.svcStart[i + 1]! > opt.svcStart[i]!) expect(plan.cycleMs[i]).toBe(c);
    // Doubling the flows on one intersection's approaches lengthens the common cycle.
    const busier = Float64Array.from(flows);
    for (let k = opt.svcStart[5]!; k < opt.svcStart[6]!; k++)
      for (let q = opt.phaseLaneStart[opt.svc[k]!]!; q < opt.phaseLaneStart[opt.svc[k]! + 1]!; q++) busier[opt.phaseLanes[q]!] = 750;
    const p2 = newPlanArrays(opt);
    replanInline(opt, busier, undefined, p2);
    expect(p2.cycleMs[0]!).toBeGreaterThan(c);
    expect(p2.cycleMs[15]).toBe(p2.cycleMs[0]);
  });

  it('gives the busier phase the longer green (equal degrees of saturation)', () => {
    // Single intersection: flows only on the lanes of the first service phase.
    const one = gridOpt(1, 1);
    const f = new Float64Array(one.nLanes).fill(100);
    const ph0 = one.svc[one.svcStart[0]!]!;
    for (let q = one.phaseLaneStart[ph0]!; q < one.phaseLaneStart[ph0 + 1]!; q++) f[one.phaseLanes[q]!] = 700;
    const p = newPlanArrays(one);
    replanInline(one, f, undefined, p);
    for (let k = one.svcStart[0]! + 1; k < one.svcStart[1]!; k++) expect(p.greenMs[ph0]!).toBeGreaterThan(p.greenMs[one.svc[k]!]!);
  });

  it('sets offsets that put the arterial platoons on green (a green wave)', () => {
    const art = buildOptNet(prepared(arterialScenario({ n: 5 }), { durationS: 60 }).net);
    expect(art.nLinks).toBe(8); // 4 blocks, both ways
    /** Arrivals on red with the plan's offsets, and with the same plan but every offset 0. */
    const onRed = (eastboundVph: number, westboundVph: number): [number, number] => {
      const f = new Float64Array(art.nLanes).fill(80);
      for (let k = 0; k < art.nLinks; k++)
        for (let q = art.linkLaneStart[k]!; q < art.linkLaneStart[k + 1]!; q++) f[art.linkLanes[q]!] = art.linkUp[k]! < art.linkDown[k]! ? eastboundVph : westboundVph;
      const p = newPlanArrays(art);
      replanInline(art, f, undefined, p);
      const zero = newPlanArrays(art);
      zero.cycleMs.set(p.cycleMs);
      zero.greenMs.set(p.greenMs);
      zero.startMs.set(p.startMs);
      const flow = linkFlows(art, f);
      return [arrivalsOnRed(art, flow, p), arrivalsOnRed(art, flow, zero)];
    };
    // One heavy direction: most of what arrived on red now arrives on green.
    const [oneWay, oneWayZero] = onRed(600, 80);
    expect(oneWay).toBeLessThan(0.5 * oneWayZero);
    // Both heavy: a two-way compromise, still better than none.
    const [twoWay, twoWayZero] = onRed(600, 600);
    expect(twoWay).toBeLessThan(0.9 * twoWayZero);
  });

  it('bounds the change from the previous plan, so plans do not swing', () => {
    const prev = newPlanArrays(opt);
    replanInline(opt, randomFlows(opt, 1, 150), undefined, prev);
    const next = newPlanArrays(opt);
    replanInline(opt, randomFlows(opt, 2, 900), prev, next);
    for (let i = 0; i < opt.nInter; i++) {
      if (prev.cycleMs[i] === 0) continue;
      expect(Math.abs(next.cycleMs[i]! - prev.cycleMs[i]!)).toBeLessThanOrEqual(REPLAN_DEFAULTS.maxCycleChangeMs);
    }
    // Same cycle: greens move at most maxGreenChangeMs (plus the one-second residual of rounding).
    const same = newPlanArrays(opt);
    const bounded = { ...REPLAN_DEFAULTS, maxCycleChangeMs: 0 };
    replanInline(opt, randomFlows(opt, 3, 900), prev, same, bounded);
    for (let ph = 0; ph < opt.nPhases; ph++)
      if (prev.greenMs[ph]! > 0) expect(Math.abs(same.greenMs[ph]! - prev.greenMs[ph]!)).toBeLessThanOrEqual(bounded.maxGreenChangeMs + 1000);
  });
});

describe('the re-plan in worker threads', () => {
  let pool: ReplanPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('gives exactly the one-thread plan, with any number of workers', async () => {
    const opt = gridOpt(6, 6);
    const flows = randomFlows(opt, 11);
    const prev = newPlanArrays(opt);
    replanInline(opt, randomFlows(opt, 12), undefined, prev);
    const ref = newPlanArrays(opt);
    replanInline(opt, flows, prev, ref);
    for (const workers of [1, 2, 3]) {
      pool = new ReplanPool(opt, { workers });
      const out = newPlanArrays(opt);
      const stats = await pool.replan(flows, prev, out);
      expect(stats.abandoned).toBe(false);
      expect(stats.retried).toBe(0);
      samePlan(out, ref);
      await pool.close();
      pool = undefined;
    }
  });

  it('retries the task of a worker killed mid-task on a fresh worker, and still gives the same plan', async () => {
    const opt = gridOpt(4, 4);
    const flows = randomFlows(opt, 5);
    const ref = newPlanArrays(opt);
    replanInline(opt, flows, undefined, ref);
    pool = new ReplanPool(opt, { workers: 2 });
    await pool.replan(flows, undefined, newPlanArrays(opt)); // workers up
    pool.debugDelayMs = 400;
    const out = newPlanArrays(opt);
    const pending = pool.replan(flows, undefined, out);
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.threads.length).toBeGreaterThan(0);
    const victim = pool.threads[0]!;
    await victim.terminate();
    const stats = await pending;
    expect(stats.retried).toBeGreaterThanOrEqual(1);
    expect(stats.abandoned).toBe(false);
    samePlan(out, ref);
    // The pool still works afterwards.
    pool.debugDelayMs = 0;
    const again = newPlanArrays(opt);
    expect((await pool.replan(flows, undefined, again)).abandoned).toBe(false);
    samePlan(again, ref);
  });

  it('retries a task that overruns its time budget', async () => {
    const opt = gridOpt(3, 3);
    const flows = randomFlows(opt, 9);
    const ref = newPlanArrays(opt);
    replanInline(opt, flows, undefined, ref);
    // a budget the retry meets even on a loaded 2-core machine (a fresh thread's start counts), the first attempt overruns it
    pool = new ReplanPool(opt, { workers: 2, taskTimeoutMs: 1500 });
    pool.debugDelayMs = 4000;
    const out = newPlanArrays(opt);
    const stats = await pool.replan(flows, undefined, out);
    expect(stats.retried).toBeGreaterThanOrEqual(1);
    expect(stats.abandoned).toBe(false);
    samePlan(out, ref);
  });

  it('abandons a re-plan whose task fails twice and keeps the previous plan', async () => {
    const opt = gridOpt(3, 3);
    const prev = newPlanArrays(opt);
    replanInline(opt, randomFlows(opt, 1), undefined, prev);
    pool = new ReplanPool(opt, { workers: 2, taskTimeoutMs: 200 });
    pool.debugDelayMs = 1000;
    pool.debugDelayAttempts = 2;
    const out = newPlanArrays(opt);
    const stats = await pool.replan(randomFlows(opt, 2, 900), prev, out);
    expect(stats.abandoned).toBe(true);
    samePlan(out, prev);
  });

  /** 40 schedule searches of 2 to 8 phases with up to SCHEDULE_CLUSTERS clusters each, and each one's answer from scheduleFirst alone. */
  function scheduleJobs(seed: number): { batch: ScheduleBatch; n: number; ref: number[] } {
    const rng = new Rng(seed);
    const n = 40;
    const batch = new ScheduleBatch(n);
    const ref: number[] = [];
    const scratch = new ScheduleScratch();
    for (let j = 0; j < n; j++) {
      const inp = batch.input(j);
      inp.phases = 2 + Math.floor(rng.next() * (SCHEDULE_MAX_PHASES - 1));
      inp.current = Math.floor(rng.next() * inp.phases);
      for (let k = 0; k < inp.phases; k++) {
        inp.switchLossS[k] = 4 + 4 * rng.next();
        const clusters = Math.floor(rng.next() * (SCHEDULE_CLUSTERS + 1));
        for (let c = 0; c < SCHEDULE_CLUSTERS; c++) {
          const q = k * SCHEDULE_CLUSTERS + c;
          inp.count[q] = c < clusters ? 1 + Math.floor(rng.next() * 12) : 0;
          inp.arrivalS[q] = c === 0 ? rng.next() * 20 : inp.arrivalS[q - 1]! + inp.durationS[q - 1]! + rng.next() * 20;
          inp.durationS[q] = 2 * inp.count[q]!;
          inp.weight[q] = inp.count[q]! * (1 + rng.next());
        }
      }
      batch.commit(j);
      const alone: ScheduleInput = { ...inp, arrivalS: inp.arrivalS.slice(), durationS: inp.durationS.slice(), count: inp.count.slice(), weight: inp.weight.slice(), switchLossS: inp.switchLossS.slice() };
      ref.push(scheduleFirst(alone, scratch));
    }
    return { batch, n, ref };
  }

  it("solves a network's schedule searches in shards, the calling thread taking one, with each answer the one-thread search gives", async () => {
    pool = new ReplanPool(gridOpt(3, 3), { workers: 2 });
    for (const seed of [1, 2, 3]) {
      const { batch, n, ref } = scheduleJobs(seed);
      await pool.schedules(batch, n, new ScheduleScratch(), 1);
      expect(Array.from({ length: n }, (_, j) => batch.first(j))).toEqual(ref);
    }
    // two shards to the workers each time, the third solved by the caller
    expect(pool.scheduleStats).toEqual({ shards: 6, retried: 0, solvedHere: 0 });
    // too little work for two shards: all of it in the calling thread, no message sent
    const { batch, n, ref } = scheduleJobs(4);
    expect(pool.schedules(batch, n, new ScheduleScratch(), Number.MAX_SAFE_INTEGER)).toBeUndefined();
    expect(Array.from({ length: n }, (_, j) => batch.first(j))).toEqual(ref);
    expect(pool.scheduleStats.shards).toBe(6);
  });

  it('solves in the calling thread a shard of schedule searches whose task fails twice, with the same answers', async () => {
    pool = new ReplanPool(gridOpt(3, 3), { workers: 2, taskTimeoutMs: 200 });
    pool.debugDelayMs = 1000;
    pool.debugDelayAttempts = 2;
    const { batch, n, ref } = scheduleJobs(5);
    await pool.schedules(batch, n, new ScheduleScratch(), 1);
    expect(Array.from({ length: n }, (_, j) => batch.first(j))).toEqual(ref);
    expect(pool.scheduleStats).toEqual({ shards: 0, retried: 2, solvedHere: 2 });
  });
});

describe('city-sized networks', () => {
  it('grid-100x100 is built in: 10,000 signals, and each entry sends at most what a road carries', () => {
    const sc = builtinScenario('grid-100x100')!;
    expect(sc.intersections.filter((n) => n.type === 'signal')).toHaveLength(10_000);
    // Per entry: the through flow plus turning flows at no more than TURN_CROSSINGS crossings.
    const byEntry = new Map<string, number>();
    for (const f of sc.demand.flows ?? []) {
      const entry = f.id.replace(/_.*$/, '');
      byEntry.set(entry, (byEntry.get(entry) ?? 0) + 1);
    }
    expect(byEntry.size).toBe(400);
    for (const n of byEntry.values()) expect(n).toBeLessThanOrEqual(1 + 2 * TURN_CROSSINGS);
    expect(turnCrossings(100)).toEqual([0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    expect(turnCrossings(4)).toEqual([0, 1, 2, 3]);
  });

  it('the re-plan benchmark times real re-plans of grid-32x32, in the calling thread and in a worker', async () => {
    const r = await replanLatency('grid-32x32', [0, 1], 3);
    expect(r.map((x) => x.workers)).toEqual([0, 1]);
    for (const x of r) {
      expect(x.signals).toBe(1024);
      expect(x.links).toBe(2 * (32 * 31 + 31 * 32));
      expect(x.iterations).toBe(3);
      expect(x.p50Ms).toBeGreaterThan(0);
      expect(x.p99Ms).toBeGreaterThanOrEqual(x.p50Ms);
      expect(x.abandoned).toBe(0);
    }
  });
});
