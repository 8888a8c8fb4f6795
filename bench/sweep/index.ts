/**
 * Sweeps: every scenario × simulator × controller × seed as one cell, run in
 * a pool of worker threads (piscina, `jobs` of them), then summarised over
 * seeds (mean, sd, 95 % interval) with each controller's paired difference
 * from the baseline. The cells, their order and every number depend only on
 * the options, never on `jobs` or on which thread ran what: results are
 * placed by cell index and summed in seed order. Timings are kept apart in
 * `timing`.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { CONTROLLER_NAMES, GENERAL_CONTROLLERS } from '../../engine/controllers/index.js';
import { esmPoolFile } from '../../engine/optimizer/pool.js';
import { pairedDifference, summarize } from './stats.js';
import { sumoConfigOf } from './source.js';
import { SWEEP_METRICS, type CellOutcome, type CellResult, type SweepCell, type SweepGroup, type SweepResult, type SweepSim } from './types.js';

export * from './types.js';
export * from './stats.js';
export { sweepSource, sumoConfigOf, sumoDesignVolumes } from './source.js';
export { runCell } from './worker.js';

export interface SweepOptions {
  /** Scenarios as `run` takes them: built-in names, files, `cityflow:ROADNET,FLOW`, `cityflow:DATASET`, `sumo:CFG`. */
  scenarios: readonly string[];
  /** Default: the general controllers (fixed, actuated, max-pressure, adaptive). */
  controllers?: readonly string[];
  /** Default: 1–5. */
  seeds?: readonly number[];
  /** greenwave (default), sumo (sumo:CFG scenarios only) or both (SUMO for the sumo:CFG scenarios). */
  sim?: 'greenwave' | 'sumo' | 'both';
  /** The controller the others are compared with, seed by seed (default fixed; added to the controllers if missing). */
  baseline?: string;
  /** Worker threads (default: the machine's cores). */
  jobs?: number;
  /** Simulated seconds of every run (default: each scenario's). */
  durationS?: number;
  /** Called after each cell with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The compiled worker module (dist/bench/sweep/worker.js), also when running from the TypeScript sources. */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'worker.js');
  return join(dirname(here), '..', '..', 'dist', 'bench', 'sweep', 'worker.js');
}

/** The options with defaults filled in and checked; throws Error naming the option. */
export function resolveSweep(o: SweepOptions): { scenarios: string[]; controllers: string[]; seeds: number[]; sim: 'greenwave' | 'sumo' | 'both'; sims: SweepSim[]; baseline: string; jobs: number; durationS: number | undefined } {
  if (!o.scenarios.length) throw new Error('scenarios: give at least one');
  const baseline = o.baseline ?? 'fixed';
  const controllers = [...(o.controllers ?? GENERAL_CONTROLLERS)];
  for (const c of [...controllers, baseline]) if (!CONTROLLER_NAMES.includes(c)) throw new Error(`controllers: unknown controller "${c}"; known: ${CONTROLLER_NAMES.join(', ')}`);
  if (new Set(controllers).size !== controllers.length) throw new Error('controllers: each controller once');
  if (!controllers.includes(baseline)) controllers.unshift(baseline);
  const seeds = [...(o.seeds ?? [1, 2, 3, 4, 5])];
  if (!seeds.length || seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new Error('seeds: integers ≥ 0');
  if (new Set(seeds).size !== seeds.length) throw new Error('seeds: each seed once');
  const sim = o.sim ?? 'greenwave';
  const sims: SweepSim[] = sim === 'both' ? ['greenwave', 'sumo'] : [sim];
  if (sim === 'sumo') {
    const other = o.scenarios.find((s) => sumoConfigOf(s) === undefined);
    if (other !== undefined) throw new Error(`sim: SUMO runs sumo:CFG scenarios only; "${other}" is not one (use --sim both to run the others in greenwave's simulator)`);
  }
  const jobs = o.jobs ?? availableParallelism();
  if (!Number.isSafeInteger(jobs) || jobs < 1 || jobs > 256) throw new Error(`jobs: an integer from 1 to 256, got ${jobs}`);
  if (o.durationS !== undefined && !(Number.isFinite(o.durationS) && o.durationS > 0 && o.durationS <= 604800)) throw new Error(`durationS: seconds from 0 to 604800, got ${o.durationS}`);
  return { scenarios: [...o.scenarios], controllers, seeds, sim, sims, baseline, jobs, durationS: o.durationS };
}

/** The cells, in the sweep's fixed order: scenario, simulator (greenwave first; SUMO only for sumo:CFG), controller, seed. */
export function planCells(o: SweepOptions): SweepCell[] {
  return cellsOf(resolveSweep(o));
}

function cellsOf(r: ReturnType<typeof resolveSweep>): SweepCell[] {
  const cells: SweepCell[] = [];
  for (const scenario of r.scenarios)
    for (const sim of r.sims) {
      if (sim === 'sumo' && sumoConfigOf(scenario) === undefined) continue;
      for (const controller of r.controllers)
        for (const seed of r.seeds) cells.push({ index: cells.length, scenario, sim, controller, seed, ...(r.durationS !== undefined ? { durationS: r.durationS } : {}) });
    }
  return cells;
}

/** Summaries per scenario × simulator × controller, with the paired differences from the baseline. */
export function summarizeCells(cells: ReadonlyArray<SweepCell & CellOutcome>, baseline: string): SweepGroup[] {
  const groups: SweepGroup[] = [];
  const keyOf = (c: SweepCell): string => `${c.scenario}\u0000${c.sim}\u0000${c.controller}`;
  const byKey = new Map<string, Array<SweepCell & CellOutcome>>();
  for (const c of cells) {
    const k = keyOf(c);
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(c);
  }
  const valuesOf = (list: ReadonlyArray<SweepCell & CellOutcome>, m: (typeof SWEEP_METRICS)[number], seeds: readonly number[]): Array<number | null> =>
    seeds.map((s) => {
      const c = list.find((x) => x.seed === s);
      return c && c.ok ? c.metrics[m] : null;
    });
  for (const [, list] of byKey) {
    const first = list[0]!;
    const seeds = list.map((c) => c.seed);
    const metrics = Object.fromEntries(SWEEP_METRICS.map((m) => [m, summarize(valuesOf(list, m, seeds))])) as SweepGroup['metrics'];
    const g: SweepGroup = {
      scenario: first.scenario,
      sim: first.sim,
      controller: first.controller,
      seeds: list.filter((c) => c.ok).map((c) => c.seed),
      failed: list.filter((c) => !c.ok).map((c) => c.seed),
      metrics,
      safetyViolations: list.reduce((a, c) => a + (c.ok ? c.metrics.safetyViolations : 0), 0),
    };
    if (first.controller !== baseline) {
      const base = byKey.get(keyOf({ ...first, controller: baseline }));
      if (base) g.vsBaseline = Object.fromEntries(SWEEP_METRICS.map((m) => [m, pairedDifference(valuesOf(list, m, seeds), valuesOf(base, m, seeds))])) as NonNullable<SweepGroup['vsBaseline']>;
    }
    groups.push(g);
  }
  return groups;
}

/** Runs the sweep: every cell in the pool, then the summaries. A failing cell is reported in the result, never thrown. */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const r = resolveSweep(o);
  const cells = cellsOf(r);
  const t0 = performance.now();
  const results: CellResult[] = new Array(cells.length);
  const pool = new Piscina({ ...esmPoolFile(workerFile()), minThreads: Math.min(r.jobs, cells.length), maxThreads: Math.min(r.jobs, cells.length), idleTimeout: 1000 });
  let done = 0;
  try {
    await Promise.all(
      cells.map(async (c) => {
        let res: CellResult;
        try {
          res = (await pool.run(c)) as CellResult;
        } catch (e) {
          // the thread itself died (out of memory, say): the cell failed, the pool starts another thread
          res = { index: c.index, ok: false, error: (e instanceof Error ? e.message : String(e)).split('\n')[0]!, wallS: 0 };
        }
        results[c.index] = res;
        o.onProgress?.(++done, cells.length);
      }),
    );
  } finally {
    await pool.destroy();
  }
  const outcomes = cells.map((c) => {
    const res = results[c.index]!;
    const out: SweepCell & CellOutcome = res.ok ? { ...c, ok: true, metrics: res.metrics } : { ...c, ok: false, error: res.error };
    return out;
  });
  return {
    format: 'greenwave-sweep',
    version: 1,
    scenarios: r.scenarios,
    sims: r.sims,
    controllers: r.controllers,
    seeds: r.seeds,
    baseline: r.baseline,
    durationS: r.durationS ?? null,
    cells: outcomes,
    groups: summarizeCells(outcomes, r.baseline),
    timing: { jobs: r.jobs, wallS: Math.round(((performance.now() - t0) / 1000) * 1000) / 1000, cellWallS: cells.map((c) => Math.round(results[c.index]!.wallS * 1000) / 1000) },
  };
}
