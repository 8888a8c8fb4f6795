import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { resolveSweep, runSweep, sweepCsv, sweepSvg, sweepTable, type SweepOptions } from '../../bench/index.js';
import { GENERAL_CONTROLLERS } from '../../engine/controllers/index.js';
import { controllerName, durationOption, parse, UsageError } from '../args.js';
import { prepareOutDir } from '../outputs.js';
import { Progress } from '../progress.js';

export const SWEEP_HELP = `Usage: greenwave sweep SCENARIO[,SCENARIO...] [options]

Runs every scenario under every controller with every seed, in parallel
(worker threads), and prints for each scenario and controller the mean, the
standard deviation and the 95 % confidence interval over seeds of travel
time, delay, stops, throughput, emergency-vehicle travel time and phase
changes per signal-hour, with the paired difference from the baseline seed by
seed (its 95 % interval, and whether it is significant). The numbers do not
depend on --jobs. A cell that fails is reported with its error; the others
still run.

SCENARIO: a built-in name (default, single, arterial-N, grid-RxC), a scenario
file, cityflow:ROADNET.json,FLOW.json (a CityFlow pair), cityflow:DATASET (a
shipped dataset: hangzhou_4x4, jinan_3x4, synthetic_10x10), or sumo:CFG.sumocfg.

Options:
  --controllers a,b,c  controllers (default: ${GENERAL_CONTROLLERS.join(',')})
  --seeds LIST         seeds: 1-20, 1,5,9 or both (default: 1-5)
  --sim WHICH          greenwave (default), sumo (sumo:CFG scenarios only, driven
                       over TraCI, one SUMO per cell), or both
  --baseline NAME      the controller the others are compared with (default:
                       fixed; run too if not among --controllers)
  --duration S         simulated seconds of every run, ≤ 604800 (default: each
                       scenario's)
  --jobs N             worker threads (default: this machine's cores, ${availableParallelism()})
  --json               print the result as one JSON object on stdout, nothing else
  --out DIR            also write sweep.json, sweep.csv and sweep.svg (the means
                       with their intervals) there
  -h, --help           this help

Exit code: 0, 1 when a cell failed, 2 for bad usage.
`;

/** "1-5", "1,5,9", "1-3,7": the seeds, in the order given. */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError('sweep', `--seeds takes numbers and ranges like 1-20 or 1,5,9, got "${text}"`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a) throw new UsageError('sweep', `--seeds: "${part}" is not a range from low to high`);
    if (b - a > 10_000) throw new UsageError('sweep', `--seeds: "${part}" has more than 10,000 seeds`);
    for (let s = a; s <= b; s++) {
      if (out.includes(s)) throw new UsageError('sweep', `--seeds: seed ${s} is given twice`);
      out.push(s);
    }
  }
  return out;
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('sweep', argv, {
    controllers: { type: 'string' },
    seeds: { type: 'string' },
    sim: { type: 'string' },
    baseline: { type: 'string' },
    duration: { type: 'string' },
    jobs: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SWEEP_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('sweep', `expects SCENARIO[,SCENARIO...] as one argument, got ${positionals.length}; see greenwave sweep --help`);
  const scenarios = splitScenarios(positionals[0]!);
  const controllers = values.controllers === undefined ? undefined : (values.controllers as string).split(',').map((s) => s.trim()).filter(Boolean);
  if (controllers !== undefined && controllers.length === 0) throw new UsageError('sweep', '--controllers needs at least one controller name');
  for (const c of controllers ?? []) controllerName('--controllers', c);
  const baseline = values.baseline === undefined ? undefined : controllerName('--baseline', values.baseline as string);
  const sim = values.sim as string | undefined;
  if (sim !== undefined && sim !== 'greenwave' && sim !== 'sumo' && sim !== 'both') throw new UsageError('sweep', `--sim takes greenwave, sumo or both, got "${sim}"`);
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    const j = Number(values.jobs);
    if (!Number.isSafeInteger(j) || j < 1 || j > 256) throw new UsageError('sweep', `--jobs takes an integer from 1 to 256, got "${String(values.jobs)}"`);
    jobs = j;
  }
  const durationS = durationOption('sweep', values.duration);
  const opts: SweepOptions = {
    scenarios,
    ...(controllers ? { controllers } : {}),
    ...(values.seeds !== undefined ? { seeds: parseSeeds(values.seeds as string) } : {}),
    ...(sim ? { sim: sim as 'greenwave' | 'sumo' | 'both' } : {}),
    ...(baseline ? { baseline } : {}),
    ...(jobs ? { jobs } : {}),
    ...(durationS !== undefined ? { durationS } : {}),
  };
  try {
    resolveSweep(opts);
  } catch (e) {
    throw new UsageError('sweep', (e as Error).message);
  }
  const json = values.json === true;
  if (values.out !== undefined) prepareOutDir('sweep', '--out', values.out as string);
  const progress = new Progress('sweep', !json, 500);
  const r = await runSweep({ ...opts, onProgress: (done, total) => progress.update(done / total, `sweep ${done}/${total} cells`) });
  progress.done();
  const out = values.out as string | undefined;
  if (out !== undefined) {
    writeFileSync(join(out, 'sweep.json'), JSON.stringify(r, null, 2) + '\n');
    writeFileSync(join(out, 'sweep.csv'), sweepCsv(r));
    writeFileSync(join(out, 'sweep.svg'), sweepSvg(r));
  }
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    process.stdout.write(`greenwave sweep: ${r.cells.length} cells (${r.scenarios.length} scenarios × ${r.controllers.length} controllers × ${r.seeds.length} seeds${r.sims.length > 1 ? ', greenwave and SUMO' : r.sims[0] === 'sumo' ? ', in SUMO' : ''}) in ${r.timing.wallS.toFixed(1)} s with ${r.timing.jobs} jobs\n\n`);
    process.stdout.write(sweepTable(r));
    if (out !== undefined) process.stdout.write(`\nwrote ${join(out, 'sweep.json')}, sweep.csv and sweep.svg\n`);
  }
  return r.cells.some((c) => !c.ok) ? 1 : 0;
}

/** SCENARIO[,SCENARIO...]; a `cityflow:ROADNET,FLOW` pair keeps its comma. */
function splitScenarios(arg: string): string[] {
  const parts = arg.split(',').map((s) => s.trim());
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '') throw new UsageError('sweep', `an empty SCENARIO in "${arg}"`);
    if (p.startsWith('cityflow:') && /\.json$/i.test(p) && i + 1 < parts.length && /\.json$/i.test(parts[i + 1]!)) {
      out.push(`${p},${parts[++i]}`);
    } else out.push(p);
  }
  return out;
}
