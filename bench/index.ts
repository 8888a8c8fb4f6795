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
 *  - SUMO (bench/sumo.ts): importing a 100 MB net, and the co-simulation's
 *    own cost per step.
 * Writes bench/results/latest.json and returns a Markdown report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { Bench } from 'tinybench';
import { GENERAL_CONTROLLERS } from '../engine/controllers/index.js';
import { createSimulation, prepare, runPreparedAsync, type Prepared, type Simulation } from '../sim/index.js';
import { replanLatency, type ReplanLatencyResult } from './replan.js';
import { serveLoad, type ServeLoadResult } from './serve.js';
import { microBenchmarks, type MicroResult } from './micro.js';
import { publishResults } from './charts.js';
import { sumoBench, type SumoBenchResult } from './sumo.js';

export { replanLatency, type ReplanLatencyResult } from './replan.js';
export { serveLoad, type ServeLoadResult } from './serve.js';
export { microBenchmarks, type MicroResult } from './micro.js';
export { benchCharts, pcdCharts, publishResults } from './charts.js';
export { sumoBench, type SumoBenchResult } from './sumo.js';
export * from './types.js';
export * from './sources.js';
import { benchSource, CITYFLOW_DATASETS, defaultResultsDir, repoRoot } from './sources.js';
import { join } from 'node:path';
import type { BenchReport, ControllerResult, SimSpeedResult } from './types.js';
import { arterialPcd } from './types.js';

/** Parts of the suite. */
export const BENCH_PARTS = ['micro', 'speed', 'controllers', 'replan', 'serve', 'sumo'] as const;
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

async function controllerRuns(scenarios: string[], controllers: string[], durationS?: number): Promise<ControllerResult[]> {
  const out: ControllerResult[] = [];
  for (const s of scenarios) {
    const p = prepare(source(s), { durationS });
    const arterial = s.startsWith('arterial-');
    for (const c of s.startsWith('cityflow:') ? [...controllers, 'cityflow-fixed'] : controllers) {
      const { metrics: m, sim } = await runPreparedAsync(p, c, { eventLog: arterial });
      out.push({
        ...(arterial ? { aogPercent: arterialPcd(sim).pcd.aogPercent } : {}),
        scenario: s,
        controller: c,
        travelTimeMean: m.travelTime.mean,
        delayMean: m.delay.mean,
        stopsMean: m.stops.mean,
        throughputVph: m.throughput,
        unfinished: m.vehicles.inNetwork + m.vehicles.waitingToEnter,
        emergencyDelayS: m.emergency.length ? m.emergency.reduce((a, e) => a + e.delay, 0) / m.emergency.length : null,
        safetyViolations: m.safety.conflictingGreens + m.safety.minGreenViolations + m.safety.clearanceViolations,
      });
    }
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
    section(
      lines,
      'Controllers × scenarios (same demand and seed)',
      [],
      ['scenario', 'controller', 'mean travel time (s)', 'vs fixed', 'mean delay (s)', 'vs fixed', 'stops/veh', 'vs fixed', 'throughput (veh/h)', 'unfinished', 'emergency delay (s)', 'safety violations'],
      [false, false, true, true, true, true, true, true, true, true, true, true],
      r.controllers.map((c) => {
        const f = r.controllers.find((x) => x.scenario === c.scenario && x.controller === 'fixed');
        return [
          c.scenario,
          c.controller,
          c.travelTimeMean.toFixed(1),
          pc(c.travelTimeMean, f?.travelTimeMean),
          c.delayMean.toFixed(1),
          pc(c.delayMean, f?.delayMean),
          c.stopsMean.toFixed(2),
          pc(c.stopsMean, f?.stopsMean),
          c.throughputVph.toFixed(0),
          String(c.unfinished),
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
        ['Middle signal, main-street through phase; set-back count loops projected to the stop bar.'],
        ['scenario', 'controller', 'arrivals on green', 'mean travel time (s)'],
        [false, false, true, true],
        aog.map((c) => [c.scenario, c.controller, `${c.aogPercent!.toFixed(1)} %`, c.travelTimeMean.toFixed(1)]),
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
    controllers = await controllerRuns(scenarios, [...GENERAL_CONTROLLERS], quick ? 1800 : undefined);
  }
  const replan: ReplanLatencyResult[] = [];
  if (parts.has('replan')) {
    const cores = availableParallelism();
    const workers = opts.workers ?? [1, 2, ...(cores > 2 ? [cores] : [])];
    for (const net of quick ? ['grid-32x32'] : ['grid-32x32', 'grid-100x100'])
      replan.push(...(await replanLatency(net, [0, ...workers.filter((w) => w > 0)], quick ? 10 : 30, log)));
  }
  const micro: MicroResult[] = [];
  if (parts.has('micro')) {
    log('micro-benchmarks');
    micro.push(...(await microBenchmarks(quick)));
  }
  const serve: ServeLoadResult[] = [];
  if (parts.has('serve')) serve.push(await serveLoad(join(repoRoot(), 'dist', 'cli', 'main.js'), 'grid-32x32', 200, quick ? 10 : 60, log));
  const sumo: SumoBenchResult | undefined = parts.has('sumo') ? await sumoBench(quick, log) : undefined;
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
    serve,
    micro,
    ...(sumo ? { sumo } : {}),
  };
  const dir = opts.resultsDir ?? defaultResultsDir();
  mkdirSync(dir, { recursive: true });
  // A partial run (--only) does not overwrite the full report.
  const file = opts.only ? `latest-${BENCH_PARTS.filter((x) => parts.has(x)).join('-')}.json` : 'latest.json';
  writeFileSync(join(dir, file), JSON.stringify(report, null, 2) + '\n');
  // A full run also redraws the charts and the generated part of docs/RESULTS.md.
  if (!opts.only && !quick && !opts.resultsDir) await publishResults(report, markdown(report), repoRoot());
  return report;
}
