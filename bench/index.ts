/**
 * The benchmark suite behind `greenwave bench` and `npm run bench`:
 *  - simulator speed (vehicle-steps per second) on grids of growing size with
 *    heavy demand, measured with tinybench (each iteration a full run on a
 *    fresh simulation; building the simulation is not timed);
 *  - controllers × scenarios: mean travel time, delay, stops, throughput and
 *    emergency-vehicle delay on the same demand and seed;
 *  - the latency of one full network re-plan (bench/replan.ts) on city-sized
 *    grids, in the calling thread and by worker count;
 *  - the live service under load (bench/serve.ts): 200 clients on a
 *    1,024-signal grid, state frames at 1 Hz, delivery latency and memory;
 *  - SUMO (bench/sumo.ts): importing a 100 MB net, the co-simulation's
 *    own cost per step, and every controller on the RESCO scenarios and netgenerate grids in
 *    greenwave's simulator and in SUMO (one sweep, --sim both).
 * Writes bench/results/latest.json (a quick or partial run: latest-quick.json,
 * latest-PARTS.json, latest-quick-PARTS.json) and returns a Markdown report.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { Bench } from 'tinybench';
import { GENERAL_CONTROLLERS } from '../engine/controllers/index.js';
import { createSimulation, prepare, runPreparedAsync, type Prepared, type Simulation } from '../sim/index.js';
import { decisionCost, type DecisionCostResult } from './decisions.js';
import { replanLatency, type ReplanLatencyResult } from './replan.js';
import { serveLoad, type ServeLoadResult } from './serve.js';
import { microBenchmarks, type MicroResult } from './micro.js';
import { publishResults } from './charts.js';
import { sumoBench, type SumoBenchResult, type TwoWorldFigures } from './sumo.js';

export { replanLatency, type ReplanLatencyResult } from './replan.js';
export { decisionCost, type DecisionCostResult } from './decisions.js';
export { serveLoad, type ServeLoadResult } from './serve.js';
export { microBenchmarks, type MicroResult } from './micro.js';
export { benchCharts, pcdCharts, publishResults } from './charts.js';
export { sumoBench, type SumoBenchResult } from './sumo.js';
export * from './types.js';
export * from './sources.js';
export * from './sweep/index.js';
export { sweepTable, sweepCsv, sweepSvg, METRIC_LABELS, meanPm, deltaPm } from './sweep/output.js';
import { benchSource, CITYFLOW_DATASETS, defaultResultsDir, repoRoot } from './sources.js';
import { join } from 'node:path';
import type { BenchReport, ControllerResult, SimSpeedResult, SweepCeilingResult, SweepSpeedResult } from './types.js';
import { runSweep } from './sweep/index.js';
import { arterialPcd } from './types.js';

/** Parts of the suite. */
export const BENCH_PARTS = ['micro', 'speed', 'controllers', 'sweep', 'replan', 'serve', 'sumo'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchOptions {
  quick?: boolean;
  /** Where to write latest.json (default: bench/results next to the package). */
  resultsDir?: string;
  log?: (line: string) => void;
  /** Only these parts (default: all). */
  only?: readonly BenchPart[];
  /** Worker counts for the re-plan benchmark (default: 1, 2 and the machine's cores if more; 0 = the calling thread is always measured). */
  workers?: readonly number[];
}

const source = benchSource;

async function simSpeed(name: string, durationS: number, iterations: number, controller = 'fixed'): Promise<SimSpeedResult> {
  const p: Prepared = prepare(source(name), { durationS });
  let sim: Simulation | undefined;
  let vehicleSteps = 0;
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add(name, () => {
    sim!.run();
    vehicleSteps = sim!.vehicleSteps;
  }, {
    beforeEach: () => {
      sim = createSimulation(p, controller);
    },
  });
  await bench.run();
  const task = bench.tasks[0]!;
  const res = task.result as unknown as { latency?: { mean: number; min: number; samplesCount: number } };
  const lat = res.latency;
  if (!lat) throw new Error(`benchmark ${name} produced no result`);
  return {
    scenario: name,
    controller,
    durationS,
    intersections: p.net.nInter - p.model.intersections.filter((n) => n.type === 'boundary').length,
    trips: p.trips.n,
    vehicleSteps,
    iterations: lat.samplesCount,
    meanWallS: lat.mean / 1000,
    minWallS: lat.min / 1000,
    vehicleStepsPerSecond: Math.round(vehicleSteps / (lat.mean / 1000)),
    bestVehicleStepsPerSecond: Math.round(vehicleSteps / (lat.min / 1000)),
  };
}

/**
 * Controllers × scenarios from sweeps: seeds 1–5 (1–2 with --quick) where the
 * demand is random, the data's one seed for the CityFlow datasets (fixed
 * trips; their own plan, cityflow-fixed, too). The arterial's arrivals on
 * green come from one more run of seed 1 with the event log on.
 */
async function controllerRuns(scenarios: string[], controllers: string[], quick: boolean, jobs: readonly number[], durationS?: number): Promise<ControllerResult[]> {
  const random = scenarios.filter((s) => !s.startsWith('cityflow:'));
  const fixedTrips = scenarios.filter((s) => s.startsWith('cityflow:'));
  const j = Math.max(...jobs.filter((x) => x > 0), 1);
  const sweeps = [
    ...(random.length ? [await runSweep({ scenarios: random, controllers, seeds: quick ? [1, 2] : [1, 2, 3, 4, 5], jobs: j, ...(durationS !== undefined ? { durationS } : {}) })] : []),
    ...(fixedTrips.length ? [await runSweep({ scenarios: fixedTrips, controllers: [...controllers, 'cityflow-fixed'], seeds: [1], jobs: j, ...(durationS !== undefined ? { durationS } : {}) })] : []),
  ];
  const out: ControllerResult[] = [];
  for (const r of sweeps)
    for (const g of r.groups) {
      const cells = r.cells.filter((c) => c.scenario === g.scenario && c.controller === g.controller);
      const ok = cells.flatMap((c) => (c.ok ? [c.metrics] : []));
      if (!ok.length) throw new Error(`bench: every run of ${g.controller} on ${g.scenario} failed: ${cells.map((c) => (c.ok ? '' : c.error)).join('; ')}`);
      const mean = (f: (m: (typeof ok)[number]) => number): number => Math.round((ok.reduce((a, m) => a + f(m), 0) / ok.length) * 1000) / 1000;
      const ev = ok.filter((m) => m.emergencyDelayS !== null);
      const res: ControllerResult = {
        scenario: g.scenario,
        controller: g.controller,
        seeds: g.seeds,
        travelTimeMean: g.metrics.travelTimeS.mean!,
        travelTimeCi95: g.metrics.travelTimeS.ci95,
        delayMean: g.metrics.delayS.mean!,
        delayCi95: g.metrics.delayS.ci95,
        stopsMean: g.metrics.stops.mean!,
        stopsCi95: g.metrics.stops.ci95,
        throughputVph: g.metrics.throughputVph.mean!,
        unfinished: mean((m) => m.scheduled - m.completed),
        emergencyDelayS: ev.length ? Math.round((ev.reduce((a, m) => a + m.emergencyDelayS!, 0) / ev.length) * 1000) / 1000 : null,
        ...(g.vsBaseline ? { vsFixed: { travelTimePct: g.vsBaseline.travelTimeS.percent, significant: g.vsBaseline.travelTimeS.significant } } : {}),
        safetyViolations: g.safetyViolations,
      };
      out.push(res);
    }
  // the coordinated arterial's arrivals on green, read from one run's event log (seed 1)
  for (const s of random.filter((x) => x.startsWith('arterial-'))) {
    const p = prepare(source(s), { seed: 1, ...(durationS !== undefined ? { durationS } : {}) });
    for (const c of out.filter((x) => x.scenario === s)) {
      const { sim } = await runPreparedAsync(p, c.controller, { eventLog: true });
      c.aogPercent = arterialPcd(sim).pcd.aogPercent;
    }
  }
  return out;
}

/**
 * The machine's ceiling for a parallel sweep, and where it goes: the 1-job
 * sweep as separate processes of the CLI, one alone and then `n` at once;
 * the same with V8 single-threaded (`--single-threaded`: it compiles and
 * collects on the thread that runs the code, so a 1-job run cannot borrow an
 * idle core for that); and the CLI's own sweep at 1 and `n` jobs under that
 * flag.
 */
async function sweepCeiling(n: number, durationS: number | undefined, log: (line: string) => void): Promise<SweepCeilingResult> {
  const cli = join(repoRoot(), 'dist', 'cli', 'main.js');
  const args = (jobs: number): string[] => [cli, 'sweep', 'default,arterial-5', '--controllers', 'fixed,actuated,max-pressure,adaptive', '--seeds', '1-5', '--jobs', String(jobs), '--json', ...(durationS !== undefined ? ['--duration', String(durationS)] : [])];
  const once = (node: readonly string[], jobs = 1): Promise<void> =>
    new Promise((res, rej) => {
      const child = spawn(process.execPath, [...node, ...args(jobs)], { stdio: ['ignore', 'ignore', 'ignore'] });
      child.on('error', rej);
      child.on('close', (code) => (code === 0 ? res() : rej(new Error(`bench: greenwave sweep exited ${code}`))));
    });
  const timed = async (f: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const st = ['--single-threaded'];
  log(`sweep ceiling: 1 process, then ${n} at once; the same with V8 single-threaded; the sweep at 1 and ${n} jobs single-threaded`);
  const oneWallS = await timed(() => once([]));
  const allWallS = await timed(() => Promise.all(Array.from({ length: n }, () => once([]))));
  const stOneWallS = await timed(() => once(st));
  const stAllWallS = await timed(() => Promise.all(Array.from({ length: n }, () => once(st))));
  const stJobsWallS = await timed(() => once(st, n));
  return {
    processes: n,
    oneWallS: r2(oneWallS),
    allWallS: r2(allWallS),
    speedup: r2((n * oneWallS) / allWallS),
    singleThreaded: { oneWallS: r2(stOneWallS), allWallS: r2(stAllWallS), speedup: r2((n * stOneWallS) / stAllWallS), jobsWallS: r2(stJobsWallS), jobsSpeedup: r2(stOneWallS / stJobsWallS) },
  };
}

/** The same 2 scenarios × 4 controllers × 5 seeds sweep (2 seeds with --quick) at each job count (1 first): wall time and speed-up. */
async function sweepSpeed(jobs: readonly number[], quick: boolean, log: (line: string) => void): Promise<SweepSpeedResult[]> {
  // the issue's fixed experiment: 2 scenarios × 4 controllers × 5 seeds = 40 runs
  const scenarios = ['default', 'arterial-5'];
  const controllers = ['fixed', 'actuated', 'max-pressure', 'adaptive'];
  const seeds = quick ? [1, 2] : [1, 2, 3, 4, 5];
  const durationS = quick ? 300 : undefined;
  const out: SweepSpeedResult[] = [];
  for (const j of [1, ...jobs.filter((x) => x > 1)]) {
    log(`sweep speed: ${scenarios.join(',')} × ${controllers.length} controllers × ${seeds.length} seeds, ${j} job${j > 1 ? 's' : ''}`);
    const r = await runSweep({ scenarios, controllers, seeds, jobs: j, ...(durationS !== undefined ? { durationS } : {}) });
    const failed = r.cells.find((c) => !c.ok);
    if (failed && !failed.ok) throw new Error(`bench: sweep cell failed: ${failed.error}`);
    const one = out[0]?.wallS ?? r.timing.wallS;
    out.push({ scenarios, controllers, seeds, durationS: durationS ?? null, cells: r.cells.length, jobs: j, wallS: r.timing.wallS, cellSumS: Math.round(r.timing.cellWallS.reduce((a, b) => a + b, 0) * 1000) / 1000, speedup: Math.round((one / r.timing.wallS) * 100) / 100 });
  }
  return out;
}

const M = (x: number): string => `${(x / 1e6).toFixed(2)} M`;

/** A Markdown section: heading, optional lines of text, then a table (right-aligned columns marked by `right`). */
function section(lines: string[], heading: string, text: string[], header: string[], right: boolean[], rows: string[][]): void {
  lines.push(`### ${heading}`, '', ...text.flatMap((t) => [t, '']));
  lines.push(`| ${header.join(' | ')} |`, `|${right.map((x) => (x ? '---:' : '---')).join('|')}|`);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('');
}

export function markdown(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`greenwave bench${r.quick ? ' --quick' : ''} — ${r.date}, Node ${r.node}, ${r.cpu} (${r.cores} cores)`, '');
  if (r.micro?.length) {
    const ns = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} ms` : x >= 1e3 ? `${(x / 1e3).toFixed(2)} µs` : `${x.toFixed(1)} ns`);
    section(lines, 'Micro-benchmarks (tinybench)', [], ['what', 'per', 'mean', 'p99', 'samples'], [false, false, true, true, true], r.micro.map((m) => [m.name, m.unit, ns(m.meanNs), ns(m.p99Ns), String(m.samples)]));
  }
  if (r.simSpeed.length) {
    section(
      lines,
      'Simulator speed (one core)',
      [],
      ['scenario', 'controller', 'intersections', 'trips', 'simulated s', 'vehicle-steps', 'wall s (mean of n)', 'vehicle-steps/s (mean)', 'best', 'CityFlow, same data'],
      [false, false, true, true, true, true, true, true, true, true],
      r.simSpeed.map((s) => {
        const cf = CITYFLOW_DATASETS.find((d) => `cityflow:${d.name}` === s.scenario);
        const ref = cf ? `${M(cf.cityflowVehicleStepsPerS)} (greenwave ${(s.vehicleStepsPerSecond / cf.cityflowVehicleStepsPerS).toFixed(2)}×)` : '–';
        return [s.scenario, s.controller, String(s.intersections), String(s.trips), String(s.durationS), M(s.vehicleSteps), `${s.meanWallS.toFixed(2)} (n=${s.iterations})`, M(s.vehicleStepsPerSecond), M(s.bestVehicleStepsPerSecond), ref];
      }),
    );
  }
  if (r.controllers.length) {
    const pc = (x: number, base: number | undefined): string => (base ? `${x >= base ? '+' : ''}${(((x - base) / base) * 100).toFixed(1)} %` : '–');
    const pm = (mean: number, ci: [number, number] | null, d: number): string => (ci ? `${mean.toFixed(d)} ± ${((ci[1] - ci[0]) / 2).toFixed(d)}` : mean.toFixed(d));
    const seedText = (c: ControllerResult): string => (c.seeds.length > 1 ? `${c.seeds[0]}–${c.seeds[c.seeds.length - 1]}` : String(c.seeds[0] ?? '–'));
    section(
      lines,
      'Controllers × scenarios (sweeps: same demand per seed)',
      [
        'Mean ± half the 95 % interval over seeds where the demand is random; the CityFlow datasets are fixed trips (one seed is the data). "vs fixed" for travel time is the paired difference seed by seed, * where its interval leaves out 0; the other "vs fixed" columns compare the means.',
      ],
      ['scenario', 'controller', 'seeds', 'mean travel time (s)', 'vs fixed', 'mean delay (s)', 'vs fixed', 'stops/veh', 'vs fixed', 'throughput (veh/h)', 'unfinished', 'emergency delay (s)', 'safety violations'],
      [false, false, false, true, true, true, true, true, true, true, true, true, true],
      r.controllers.map((c) => {
        const f = r.controllers.find((x) => x.scenario === c.scenario && x.controller === 'fixed');
        const vs = c.vsFixed && c.vsFixed.travelTimePct !== null ? `${c.vsFixed.travelTimePct >= 0 ? '+' : ''}${c.vsFixed.travelTimePct.toFixed(1)} %${c.vsFixed.significant ? ' *' : ''}` : pc(c.travelTimeMean, f?.travelTimeMean);
        return [
          c.scenario,
          c.controller,
          seedText(c),
          pm(c.travelTimeMean, c.travelTimeCi95 ?? null, 1),
          c.controller === 'fixed' ? '–' : vs,
          pm(c.delayMean, c.delayCi95 ?? null, 1),
          c.controller === 'fixed' ? '–' : pc(c.delayMean, f?.delayMean),
          pm(c.stopsMean, c.stopsCi95 ?? null, 2),
          c.controller === 'fixed' ? '–' : pc(c.stopsMean, f?.stopsMean),
          c.throughputVph.toFixed(0),
          c.unfinished.toFixed(c.seeds.length > 1 ? 1 : 0),
          c.emergencyDelayS === null ? '–' : c.emergencyDelayS.toFixed(1),
          String(c.safetyViolations),
        ];
      }),
    );
    const aog = r.controllers.filter((c) => c.aogPercent !== undefined);
    if (aog.length)
      section(
        lines,
        'Arrivals on green on the coordinated arterial (PCD from the event log)',
        ['Middle signal, main-street through phase; set-back count loops projected to the stop bar; one run (seed 1) with the event log on. Travel time: the mean over the sweep\'s seeds.'],
        ['scenario', 'controller', 'arrivals on green (seed 1)', 'mean travel time (s)'],
        [false, false, true, true],
        aog.map((c) => [c.scenario, c.controller, `${c.aogPercent!.toFixed(1)} %`, c.travelTimeMean.toFixed(1)]),
      );
  }
  if (r.sweep?.length) {
    const w = r.sweep[0]!;
    section(
      lines,
      `A sweep by job count (\`greenwave sweep ${w.scenarios.join(',')} --controllers ${w.controllers.join(',')} --seeds 1-5 --jobs N\`)`,
      [`${w.scenarios.length} scenarios × ${w.controllers.length} controllers × ${w.seeds.length} seeds = ${w.cells} runs${w.durationS ? ` of ${w.durationS} s` : ''}; "cells' own time" adds up each run's wall time (above the 1-job figure when runs slow each other down).`],
      ['jobs', 'wall s', "cells' own time s", 'speed-up vs 1 job'],
      [true, true, true, true],
      r.sweep.map((x) => [String(x.jobs), x.wallS.toFixed(2), x.cellSumS.toFixed(1), `${x.speedup.toFixed(2)}×`]),
    );
    const c = r.sweepCeiling;
    if (c)
      lines.push(
        `The machine's own ceiling for this work: the 1-job sweep as a separate process took ${c.oneWallS.toFixed(2)} s alone and ${c.allWallS.toFixed(2)} s for ${c.processes} at once, a speed-up of ${c.speedup.toFixed(2)}× with no threads shared.`,
        '',
        ...(c.singleThreaded
          ? [
              `With V8 single-threaded (\`node --single-threaded\`: compilation and garbage collection on the thread that runs the code, so a 1-job run cannot borrow an idle core for them): ${c.singleThreaded.oneWallS.toFixed(2)} s alone and ${c.singleThreaded.allWallS.toFixed(2)} s for ${c.processes} at once (${c.singleThreaded.speedup.toFixed(2)}×); the sweep itself ${c.singleThreaded.jobsWallS.toFixed(2)} s at ${c.processes} jobs against ${c.singleThreaded.oneWallS.toFixed(2)} s at 1 (${c.singleThreaded.jobsSpeedup.toFixed(2)}×).`,
              '',
            ]
          : []),
      );
  }
  if (r.replan.length) {
    section(
      lines,
      'One full network re-plan (cycle, splits, offsets of every signal)',
      [],
      ['network', 'signals', 'links', 'workers', 'iterations', 'p50 ms', 'p99 ms', 'mean ms', 'min ms', 'speed-up vs 1 worker (p50)'],
      [false, true, true, false, true, true, true, true, true, true],
      r.replan.map((x) => {
        const one = r.replan.find((y) => y.scenario === x.scenario && y.workers === 1);
        const sp = one && x.workers > 0 ? `${(one.p50Ms / x.p50Ms).toFixed(2)}×` : '–';
        return [x.scenario, String(x.signals), String(x.links), x.workers === 0 ? 'none (calling thread)' : String(x.workers), String(x.iterations), x.p50Ms.toFixed(1), x.p99Ms.toFixed(1), x.meanMs.toFixed(1), x.minMs.toFixed(1), sp];
      }),
    );
  }
  if (r.decisions?.length) {
    const d = r.decisions;
    section(
      lines,
      "adaptive's decisions by worker count (the controller's own time per simulated second: schedule searches, re-plans, every decision)",
      [`After a warm-up, each simulated second is one sample; the vehicles' own stepping is not counted.`],
      ['network', 'signals', 'workers', 'seconds', 'mean ms per second', 'p50 ms', 'p99 ms', 'µs per signal-second', 'speed-up vs none (mean)'],
      [false, true, false, true, true, true, true, true, true],
      d.map((x) => {
        const none = d.find((y) => y.scenario === x.scenario && y.workers === 0)!;
        return [x.scenario, String(x.signals), x.workers === 0 ? 'none (calling thread)' : String(x.workers), String(x.seconds), x.meanMs.toFixed(2), x.p50Ms.toFixed(2), x.p99Ms.toFixed(2), x.usPerSignalSecond.toFixed(1), x.workers === 0 ? '–' : `${(none.meanMs / x.meanMs).toFixed(2)}×`];
      }),
    );
  }
  if (r.serve?.length)
    section(
      lines,
      'Live service under load (`greenwave serve`, state frames at 1 Hz)',
      [],
      ['network', 'signals', 'clients', 'seconds', 'frames delivered', 'p50 ms', 'p99 ms', 'max ms', 'server RSS start → end (max) MB', 'frames dropped'],
      [false, true, true, true, true, true, true, true, false, true],
      r.serve.map((x) => [x.network, String(x.signals), String(x.clients), String(x.seconds), String(x.frames), String(x.p50Ms), String(x.p99Ms), String(x.maxMs), `${x.rssStartMB} → ${x.rssEndMB} (${x.rssMaxMB})`, String(x.dropped)]),
    );
  if (r.sumo?.skipped) lines.push('### SUMO', '', `Not measured: ${r.sumo.skipped}.`, '');
  if (r.sumo?.import) {
    const i = r.sumo.import;
    section(
      lines,
      'SUMO: importing a net (`importSumo`, a fresh process per run)',
      [`\`${i.net}\``],
      ['size', 'signals', 'lanes', 'seconds (each run)', 'peak memory MB (each run)'],
      [true, true, true, false, false],
      [[`${i.sizeMB} MB`, String(i.signals), String(i.lanes), i.seconds.map((x) => x.toFixed(2)).join(', '), i.peakMB.join(', ')]],
    );
  }
  if (r.sumo?.controllers?.length) {
    const rows = r.sumo.controllers;
    const tt = (f: TwoWorldFigures): string => (f.travelTimeCi95 ? `${f.travelTimeMean.toFixed(1)} ± ${((f.travelTimeCi95[1] - f.travelTimeCi95[0]) / 2).toFixed(1)}` : f.travelTimeMean.toFixed(1));
    const vs = (f: TwoWorldFigures): string => (f.vsStatic && f.vsStatic.percent !== null ? `${f.vsStatic.percent >= 0 ? '+' : ''}${f.vsStatic.percent.toFixed(1)} %${f.vsStatic.significant ? ' *' : ''}` : '–');
    section(
      lines,
      'Controllers in both simulators (RESCO scenarios and netgenerate grids, `greenwave sweep … --sim both`)',
      [
        `Seeds ${rows[0]!.seeds.join(', ')}: in SUMO its \`--seed\`, in greenwave's simulator the drivers'; the trips are the files'. Mean ± half the 95 % interval; "vs sumo-static" is the paired difference seed by seed, * where its interval leaves out 0. SUMO's completed trips (mean) of those due, its most teleports in a run and its collisions; safety violations over both simulators.`,
      ],
      ['scenario', 'controller', 'greenwave: travel time (s)', 'vs sumo-static', 'SUMO: travel time (s)', 'vs sumo-static', 'SUMO: completed', 'phase changes/signal-h (greenwave / SUMO)', 'SUMO teleports (max) / collisions', 'safety violations'],
      [false, false, true, true, true, true, true, true, true, true],
      rows.map((x) => [
        x.scenario,
        x.controller,
        tt(x.greenwave),
        vs(x.greenwave),
        tt(x.sumo),
        vs(x.sumo),
        `${x.sumo.completed} / ${x.sumo.scheduled}`,
        `${x.greenwave.phaseChangesPerSignalHour.toFixed(0)} / ${x.sumo.phaseChangesPerSignalHour.toFixed(0)}`,
        `${x.sumo.teleports} / ${x.sumo.collisions}`,
        String(x.greenwave.safetyViolations + x.sumo.safetyViolations),
      ]),
    );
  }
  if (r.sumo?.cosim) {
    const c = r.sumo.cosim;
    section(
      lines,
      "SUMO: the co-simulation's cost per step (`greenwave sumo`)",
      [],
      ['scenario', 'controller', 'steps', 'engine ms/step', 'SUMO step + TraCI round trip ms/step'],
      [false, false, true, true, true],
      [[c.scenario, c.controller, String(c.steps), c.engineMsPerStep.toFixed(3), c.roundTripMsPerStep.toFixed(3)]],
    );
  }
  return lines.join('\n');
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const quick = opts.quick === true;
  const log = opts.log ?? (() => {});
  const parts = new Set<BenchPart>(opts.only ?? BENCH_PARTS);
  const cores = availableParallelism();
  /** Worker counts for the re-plan benchmark and jobs for the sweep. */
  const jobsList = opts.workers ?? [1, 2, ...(cores > 2 ? [cores] : [])];
  // CityFlow's datasets run CityFlow's own fixed-time plan, as CityFlow's reference figures do.
  const speedCases: Array<[string, number, string]> = quick
    ? [
        ['grid-4x4', 900, 'fixed'],
        ['grid-10x10@light', 900, 'fixed'],
        ['grid-10x10', 900, 'fixed'],
        ['cityflow:hangzhou_4x4', 900, 'cityflow-fixed'],
      ]
    : [
        ['grid-4x4@light', 3600, 'fixed'],
        ['grid-4x4', 3600, 'fixed'],
        ['grid-10x10@light', 3600, 'fixed'],
        ['grid-10x10', 3600, 'fixed'],
        ['grid-16x16', 3600, 'fixed'],
        ['grid-32x32@light', 1800, 'fixed'],
        ['grid-32x32', 1800, 'fixed'],
        ...CITYFLOW_DATASETS.map((d) => [`cityflow:${d.name}`, 3600, 'cityflow-fixed'] as [string, number, string]),
        ['cityflow:hangzhou_4x4@x2', 3600, 'cityflow-fixed'],
      ];
  const simSpeedResults: SimSpeedResult[] = [];
  for (const [name, dur, controller] of parts.has('speed') ? speedCases : []) {
    log(`simulator speed: ${name}, ${dur} s, ${controller}`);
    simSpeedResults.push(await simSpeed(name, dur, quick ? 1 : name.startsWith('grid-32x32') ? 2 : 5, controller));
  }
  const scenarios = quick
    ? ['single', 'arterial-5', 'default']
    : ['single', 'arterial-5', 'grid-4x4', 'default', ...CITYFLOW_DATASETS.map((d) => `cityflow:${d.name}`)];
  let controllers: ControllerResult[] = [];
  if (parts.has('controllers')) {
    log(`controllers × scenarios: ${scenarios.join(', ')}`);
    controllers = await controllerRuns(scenarios, [...GENERAL_CONTROLLERS], quick, jobsList, quick ? 1800 : undefined);
  }
  const sweep: SweepSpeedResult[] = parts.has('sweep') ? await sweepSpeed(jobsList, quick, log) : [];
  const ceilingJobs = Math.max(...jobsList);
  const sweepCeil = parts.has('sweep') && ceilingJobs > 1 ? await sweepCeiling(ceilingJobs, quick ? 300 : undefined, log) : undefined;
  const replan: ReplanLatencyResult[] = [];
  if (parts.has('replan')) {
    const workers = jobsList;
    for (const net of quick ? ['grid-32x32'] : ['grid-32x32', 'grid-100x100'])
      replan.push(...(await replanLatency(net, [0, ...workers.filter((w) => w > 0)], quick ? 10 : 30, log)));
  }
  const decisions: DecisionCostResult[] = [];
  if (parts.has('replan')) {
    // a city of simple signals, and a network of 8-phase ones whose schedule searches are large
    const counts = [0, ...jobsList.filter((w) => w > 0)];
    decisions.push(...(await decisionCost('grid-32x32', counts, quick ? 120 : 600, quick ? 10 : 60, log)));
    decisions.push(...(await decisionCost('cityflow:jinan_3x4', counts, quick ? 300 : 600, quick ? 20 : 300, log)));
  }
  const micro: MicroResult[] = [];
  if (parts.has('micro')) {
    log('micro-benchmarks');
    micro.push(...(await microBenchmarks(quick)));
  }
  const serve: ServeLoadResult[] = [];
  if (parts.has('serve')) serve.push(await serveLoad(join(repoRoot(), 'dist', 'cli', 'main.js'), 'grid-32x32', 200, quick ? 4 : 60, log));
  const sumo: SumoBenchResult | undefined = parts.has('sumo') ? await sumoBench(quick, log, Math.max(...jobsList.filter((x) => x > 0), 1)) : undefined;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const report: BenchReport = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpu,
    cores: cpus().length,
    quick,
    simSpeed: simSpeedResults,
    controllers,
    replan,
    ...(decisions.length ? { decisions } : {}),
    serve,
    micro,
    ...(sumo ? { sumo } : {}),
    ...(sweep.length ? { sweep } : {}),
    ...(sweepCeil ? { sweepCeiling: sweepCeil } : {}),
  };
  const dir = opts.resultsDir ?? defaultResultsDir();
  mkdirSync(dir, { recursive: true });
  // A quick or partial run (--quick, --only) does not overwrite the full report behind the README's tables.
  const tag = [...(quick ? ['quick'] : []), ...(opts.only ? BENCH_PARTS.filter((x) => parts.has(x)) : [])];
  const file = tag.length ? `latest-${tag.join('-')}.json` : 'latest.json';
  writeFileSync(join(dir, file), JSON.stringify(report, null, 2) + '\n');
  // A full run also redraws the charts and the generated part of docs/RESULTS.md.
  if (!opts.only && !quick && !opts.resultsDir) await publishResults(report, markdown(report), repoRoot());
  return report;
}
