/**
 * The cost of adaptive's decisions by worker count: a network runs under
 * adaptive in greenwave's simulator, and a wrapper times what the controller
 * itself takes every simulated second (its beforeStep, schedule searches in
 * the worker threads included, until they are done, and every decision). The
 * vehicles' own stepping is not counted. After a warm-up (queues built up,
 * the first network plan in force), each measured second is one sample.
 */
import { controllerFactory, type Controller, type ControllerContext } from '../engine/controllers/index.js';
import { INTER_SIGNAL } from '../engine/network/index.js';
import { createSimulation, percentile, prepare } from '../sim/index.js';
import { benchSource } from './sources.js';

export interface DecisionCostResult {
  scenario: string;
  signals: number;
  /** Worker threads (0: in the calling thread). */
  workers: number;
  warmupS: number;
  /** Simulated seconds measured (one sample each). */
  seconds: number;
  /** The controller's wall time per simulated second, over the measured seconds. */
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** meanMs per signal, in µs: the cost of one signal-second of decisions. */
  usPerSignalSecond: number;
}

/** Wraps a controller and adds the wall time of each of its calls to `into` (a promise counts until it settles). */
function timed(inner: Controller, into: { ms: number }): Controller {
  return {
    name: inner.name,
    beforeStep(nowMs) {
      const t0 = performance.now();
      const r = inner.beforeStep?.(nowMs);
      if (!r) {
        into.ms += performance.now() - t0;
        return;
      }
      return r.then(() => {
        into.ms += performance.now() - t0;
      });
    },
    decide(ix, nowMs) {
      const t0 = performance.now();
      const next = inner.decide(ix, nowMs);
      into.ms += performance.now() - t0;
      return next;
    },
    timingPlans: () => inner.timingPlans?.(),
    fallback: (ix) => inner.fallback?.(ix),
    close: () => inner.close?.(),
  };
}

export async function decisionCost(name: string, workerCounts: readonly number[], warmupS: number, seconds: number, log: (l: string) => void = () => {}): Promise<DecisionCostResult[]> {
  const out: DecisionCostResult[] = [];
  for (const workers of workerCounts) {
    log(`adaptive's decisions: ${name}, ${workers === 0 ? 'in the calling thread' : `${workers} worker${workers > 1 ? 's' : ''}`}`);
    const p = prepare(benchSource(name), { durationS: warmupS + seconds + 1, seed: 1 });
    let signals = 0;
    for (let i = 0; i < p.net.nInter; i++) if (p.net.interType[i] === INTER_SIGNAL) signals++;
    const acc = { ms: 0 };
    const adaptive = controllerFactory('adaptive', { workers });
    const sim = createSimulation(p, (ctx: ControllerContext) => timed(adaptive(ctx), acc));
    const perStep = Math.round(1000 / p.net.stepMs);
    const samples: number[] = [];
    try {
      for (let s = 0; s < warmupS + seconds; s++) {
        acc.ms = 0;
        for (let k = 0; k < perStep; k++) await sim.stepAsync();
        if (s >= warmupS) samples.push(acc.ms);
      }
    } finally {
      await sim.controller.close?.();
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    out.push({
      scenario: name,
      signals,
      workers,
      warmupS,
      seconds,
      meanMs: mean,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1]!,
      usPerSignalSecond: (mean * 1000) / signals,
    });
  }
  return out;
}
