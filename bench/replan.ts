/**
 * Latency of one full network re-plan (cycle, splits, offsets for every
 * signal) by network size and worker count, measured with tinybench.
 *
 * Input: the lane flows a live system would feed in — the network's design
 * volumes, perturbed by ±30 % per lane with a fixed seed, a fresh perturbation
 * each iteration (drawn outside the timed call), and the previous iteration's
 * plan as the plan in force, as in the adaptive controller. `workers: 0` is
 * the whole re-plan in the calling thread (replanInline); otherwise a
 * ReplanPool of that many worker threads, warmed up before timing.
 */
import { Bench } from 'tinybench';
import { buildOptNet, designLaneFlows, newPlanArrays, ReplanPool, replanInline, type OptNet, type PlanArrays } from '../engine/optimizer/index.js';
import { loadScenario } from '../scenarios/index.js';
import { prepare, Rng } from '../sim/index.js';

export interface ReplanLatencyResult {
  scenario: string;
  /** Signalised intersections re-planned. */
  signals: number;
  links: number;
  /** Worker threads (0: in the calling thread). */
  workers: number;
  iterations: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** Re-plans a pool had to retry or abandon during the benchmark (should be 0). */
  retried: number;
  abandoned: number;
}

/** The optimizer network of a built-in scenario (its demand is not needed: one simulated second). */
export function optNetOf(name: string): { opt: OptNet; base: Float64Array; signals: number } {
  const p = prepare(loadScenario(name), { durationS: 1 });
  const opt = buildOptNet(p.net);
  let signals = 0;
  for (let i = 0; i < opt.nInter; i++) if (opt.svcStart[i + 1]! > opt.svcStart[i]!) signals++;
  return { opt, base: designLaneFlows(p.net), signals };
}

export async function replanLatency(name: string, workerCounts: readonly number[], iterations: number, log: (l: string) => void = () => {}): Promise<ReplanLatencyResult[]> {
  const { opt, base, signals } = optNetOf(name);
  const out: ReplanLatencyResult[] = [];
  for (const workers of workerCounts) {
    log(`re-plan latency: ${name} (${signals} signals), ${workers === 0 ? 'in the calling thread' : `${workers} worker${workers > 1 ? 's' : ''}`}`);
    const rng = new Rng(7, workers);
    const flows = new Float64Array(base.length);
    const perturb = (): void => {
      for (let q = 0; q < base.length; q++) flows[q] = base[q]! * (0.7 + 0.6 * rng.next());
    };
    let prev: PlanArrays = newPlanArrays(opt);
    let next: PlanArrays = newPlanArrays(opt);
    replanInline(opt, base, undefined, prev);
    const pool = workers > 0 ? new ReplanPool(opt, { workers, taskTimeoutMs: 30_000 }) : undefined;
    let retried = 0;
    let abandoned = 0;
    const once = async (): Promise<void> => {
      if (pool) {
        const s = await pool.replan(flows, prev, next);
        retried += s.retried;
        if (s.abandoned) abandoned++;
      } else replanInline(opt, flows, prev, next);
      [prev, next] = [next, prev];
    };
    try {
      const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 3, warmupTime: 0, throws: true });
      bench.add(`${name} w${workers}`, once, { beforeEach: perturb });
      await bench.run();
      const lat = (bench.tasks[0]!.result as unknown as { latency?: { mean: number; p50: number; p99: number; min: number; max: number; samplesCount: number } }).latency;
      if (!lat) throw new Error(`re-plan benchmark ${name} produced no result`);
      out.push({
        scenario: name,
        signals,
        links: opt.nLinks,
        workers,
        iterations: lat.samplesCount,
        meanMs: lat.mean,
        p50Ms: lat.p50,
        p99Ms: lat.p99,
        minMs: lat.min,
        maxMs: lat.max,
        retried,
        abandoned,
      });
    } finally {
      await pool?.close();
    }
  }
  return out;
}
