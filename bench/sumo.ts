/**
 * SUMO's part of the suite: importing a 100 MB SUMO net (a netgenerate grid,
 * made once in the system's temporary folder), timed and with its peak memory
 * in a fresh Node process; the co-simulation's own cost per step when
 * greenwave drives SUMO (grid4x4, 16 signals): the engine's work and SUMO's
 * step with its one TraCI round trip; and every controller on the four RESCO
 * scenarios and the two netgenerate grids in both simulators, one sweep over
 * seeds 1-5, as issue 15 asks where the seed matters (--quick: cologne1 and ingolstadt1, 300 s, seed 1). Needs Debian's sumo (netgenerate,
 * sumo); without them the part says so in its result and is not measured.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GENERAL_CONTROLLERS } from '../engine/controllers/index.js';
import { runSumoCosim } from '../interop/sumo/index.js';
import { repoRoot } from './sources.js';
import { runSweep } from './sweep/index.js';
import { sumoDesignVolumes } from './sweep/source.js';
import type { SweepGroup } from './sweep/types.js';

export interface SumoImportResult {
  /** The netgenerate command that made the net. */
  net: string;
  sizeMB: number;
  signals: number;
  lanes: number;
  /** Seconds of each run (a fresh process each). */
  seconds: number[];
  /** Peak resident memory of each run (MB). */
  peakMB: number[];
}

export interface SumoCosimCost {
  scenario: string;
  controller: string;
  steps: number;
  engineMsPerStep: number;
  roundTripMsPerStep: number;
}

/** One controller on one RESCO scenario, in each simulator: mean ± interval over seeds, the paired difference from sumo-static, phase changes. */
export interface TwoWorldRow {
  scenario: string;
  controller: string;
  seeds: number[];
  greenwave: TwoWorldFigures;
  sumo: TwoWorldFigures & { completed: number; scheduled: number; teleports: number; collisions: number };
}

export interface TwoWorldFigures {
  travelTimeMean: number;
  travelTimeCi95: [number, number] | null;
  /** vs sumo-static, paired by seed (absent for sumo-static itself). */
  vsStatic?: { percent: number | null; significant: boolean };
  phaseChangesPerSignalHour: number;
  safetyViolations: number;
}

export interface SumoBenchResult {
  /** Why nothing was measured (a program missing), else absent. */
  skipped?: string;
  import?: SumoImportResult;
  cosim?: SumoCosimCost;
  /** Every controller on the RESCO scenarios and the netgenerate grids in greenwave's simulator and in SUMO (one sweep, --sim both). */
  controllers?: TwoWorldRow[];
}

/** The RESCO scenarios shipped in scenarios/data/sumo/resco. */
export const RESCO_SCENARIOS = ['grid4x4', 'arterial4x4', 'cologne1', 'ingolstadt1'] as const;
/** The netgenerate grids with signals made for greenwave (scenarios/data/sumo/netgenerate). */
export const NETGENERATE_SCENARIOS = ['grid5x5', 'grid6x3'] as const;

/** `greenwave sweep sumo:…RESCO… --sim both --controllers sumo-static,… --baseline sumo-static --seeds 1-5`, as rows. */
async function twoWorlds(quick: boolean, jobs: number, log: (line: string) => void): Promise<TwoWorldRow[]> {
  const cfg = (set: string, n: string): string => `sumo:${join(repoRoot(), 'scenarios', 'data', 'sumo', set, n, `${n}.sumocfg`)}`;
  const scenarios = quick ? RESCO_SCENARIOS.slice(2).map((n) => cfg('resco', n)) : [...RESCO_SCENARIOS.map((n) => cfg('resco', n)), ...NETGENERATE_SCENARIOS.map((n) => cfg('netgenerate', n))];
  const controllers = ['sumo-static', ...GENERAL_CONTROLLERS];
  const seeds = quick ? [1] : [1, 2, 3, 4, 5];
  log(`controllers in both simulators: ${scenarios.length} SUMO scenarios × ${controllers.length} controllers × ${seeds.length} seeds × 2 simulators`);
  const r = await runSweep({ scenarios, controllers, seeds, sim: 'both', baseline: 'sumo-static', jobs, ...(quick ? { durationS: 300 } : {}) });
  const group = (sc: string, sim: 'greenwave' | 'sumo', c: string): SweepGroup => r.groups.find((g) => g.scenario === sc && g.sim === sim && g.controller === c)!;
  const figures = (g: SweepGroup): TwoWorldFigures => ({
    travelTimeMean: g.metrics.travelTimeS.mean ?? NaN,
    travelTimeCi95: g.metrics.travelTimeS.ci95,
    ...(g.vsBaseline ? { vsStatic: { percent: g.vsBaseline.travelTimeS.percent, significant: g.vsBaseline.travelTimeS.significant } } : {}),
    phaseChangesPerSignalHour: g.metrics.phaseChangesPerSignalHour.mean ?? NaN,
    safetyViolations: g.safetyViolations,
  });
  const rows: TwoWorldRow[] = [];
  for (const sc of scenarios)
    for (const c of controllers) {
      const g = group(sc, 'greenwave', c);
      const s = group(sc, 'sumo', c);
      const cells = r.cells.filter((x) => x.scenario === sc && x.sim === 'sumo' && x.controller === c);
      const failed = r.cells.filter((x) => x.scenario === sc && x.controller === c && !x.ok);
      if (failed.length) throw new Error(`bench: ${c} on ${sc} failed: ${failed.map((x) => (x.ok ? '' : x.error)).join('; ')}`);
      const ok = cells.flatMap((x) => (x.ok ? [x.metrics] : []));
      const mean = (f: (m: (typeof ok)[number]) => number): number => Math.round(ok.reduce((a, m) => a + f(m), 0) / ok.length);
      rows.push({
        scenario: sc.split('/').pop()!.replace(/\.sumocfg$/, ''),
        controller: c,
        seeds: g.seeds,
        greenwave: figures(g),
        sumo: { ...figures(s), completed: mean((m) => m.completed), scheduled: mean((m) => m.scheduled), teleports: Math.max(...ok.map((m) => m.teleports ?? 0)), collisions: ok.reduce((a, m) => a + (m.collisions ?? 0), 0) },
      });
    }
  return rows;
}

const has = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

/** The netgenerate grid of `n`×`n` junctions, 100 m blocks, 2 lanes, guessed signals: about 100 MB for n = 80. */
function gridNet(n: number): { file: string; command: string } {
  const file = join(tmpdir(), `greenwave-bench-grid${n}.net.xml`);
  const args = ['--grid', '--grid.number', String(n), '--grid.length', '100', '-L', '2', '--tls.guess', '-o', file];
  if (!existsSync(file)) execFileSync('netgenerate', args, { stdio: 'ignore' });
  return { file, command: `netgenerate ${args.slice(0, -2).join(' ')}` };
}

/** One import in a fresh Node process: seconds, peak RSS (MB), signals and lanes. */
function importOnce(file: string): { seconds: number; peakMB: number; signals: number; lanes: number } {
  const mod = pathToFileURL(join(repoRoot(), 'dist', 'interop', 'sumo', 'index.js')).href;
  const script =
    `const { importSumo } = await import(${JSON.stringify(mod)});` +
    `const t0 = performance.now(); const imp = importSumo(${JSON.stringify(file)}, []); const s = (performance.now() - t0) / 1000;` +
    `const sc = imp.scenario; process.stdout.write(JSON.stringify({ seconds: s, peakMB: process.resourceUsage().maxRSS / 1024, signals: Object.keys(imp.links.tls).length, lanes: sc.roads.reduce((a, r) => a + r.lanes, 0) }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as { seconds: number; peakMB: number; signals: number; lanes: number };
}

export async function sumoBench(quick: boolean, log: (line: string) => void, jobs = 1): Promise<SumoBenchResult> {
  const missing = ['sumo', 'netgenerate'].filter((p) => !has(p));
  if (missing.length) return { skipped: `${missing.join(' and ')} not found: install Debian's sumo (apt-get install sumo sumo-tools)` };
  const n = quick ? 30 : 80;
  log(`SUMO import: netgenerate grid ${n}×${n}`);
  const net = gridNet(n);
  const runs = Array.from({ length: quick ? 1 : 3 }, () => importOnce(net.file));
  const imp: SumoImportResult = {
    net: net.command,
    sizeMB: Math.round((statSync(net.file).size / 1e6) * 10) / 10,
    signals: runs[0]!.signals,
    lanes: runs[0]!.lanes,
    seconds: runs.map((r) => Math.round(r.seconds * 100) / 100),
    peakMB: runs.map((r) => Math.round(r.peakMB)),
  };
  const cfg = join(repoRoot(), 'scenarios', 'data', 'sumo', 'resco', 'grid4x4', 'grid4x4.sumocfg');
  log('SUMO co-simulation cost: grid4x4, fixed');
  process.env.SUMO_HOME ??= '/usr/share/sumo';
  const durationS = quick ? 300 : 1800;
  const r = await runSumoCosim({ cfg, controller: 'fixed', durationS, designVph: sumoDesignVolumes(cfg, { durationS }) });
  const controllers = await twoWorlds(quick, jobs, log);
  return { import: imp, cosim: { scenario: 'grid4x4 (RESCO)', controller: 'fixed', steps: r.cosim.steps, engineMsPerStep: r.cosim.engineMsPerStep, roundTripMsPerStep: r.cosim.roundTripMsPerStep }, controllers };
}
