import { controllersFor, GENERAL_CONTROLLERS } from '../../engine/controllers/index.js';
import { prepare, runPreparedAsync, scenarioName, type RunMetrics } from '../../sim/index.js';
import { controllerName, durationOption, intOption, parse, UsageError, workersOption } from '../args.js';
import { scenarioFromArgs } from '../scenarioArgs.js';
import { compareTable, pctChange } from '../format.js';
import { Progress } from '../progress.js';

export const COMPARE_HELP = `Usage: greenwave compare SCENARIO [options]
       greenwave compare --cityflow ROADNET.json FLOW.json [options]
       greenwave compare --sumo CFG.sumocfg [options]

Runs several controllers on the same demand and seed and prints a table of
mean travel time, delay, stops and throughput, with the % change against the
fixed-time baseline.

Options:
  --controllers a,b,c  controllers to run (default: ${GENERAL_CONTROLLERS.join(',')},
                       and the scenario's own plan when it has one: cityflow-fixed,
                       or sumo-static for --sumo)
  --seed N             random seed for the demand (default: the scenario's)
  --duration S         simulated seconds, ≤ 604800 (default: the scenario's)
  --workers N          worker threads for the adaptive controller (default: 0)
  --no-preemption      emergency vehicles get no green wave (still routed)
  --json               print one JSON object: {scenario, seed, duration, results, changeVsFixed}
  --cityflow           SCENARIO is a CityFlow ROADNET.json and FLOW.json pair
  --sumo CFG           the scenario is a SUMO configuration (.sumocfg), imported
  -h, --help           this help
`;

export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('compare', argv, {
    controllers: { type: 'string' },
    seed: { type: 'string' },
    duration: { type: 'string' },
    workers: { type: 'string' },
    'no-preemption': { type: 'boolean' },
    json: { type: 'boolean' },
    cityflow: { type: 'boolean' },
    sumo: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(COMPARE_HELP);
    return 0;
  }
  const asked = values.controllers as string | undefined;
  const askedNames = (asked ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (asked !== undefined && askedNames.length === 0) throw new UsageError('compare', '--controllers needs at least one controller name');
  for (const n of askedNames) controllerName('--controller', n);
  const seed = intOption('compare', 'seed', values.seed);
  const durationS = durationOption('compare', values.duration);
  const workers = workersOption('compare', values.workers);
  const json = values.json === true;

  const t0 = performance.now();
  const source = scenarioFromArgs('compare', positionals, values.cityflow === true, durationS, values.sumo as string | undefined);
  const parseSeconds = (performance.now() - t0) / 1000;
  const p = prepare(source, { seed, durationS, parseSeconds });
  const names = asked !== undefined ? askedNames : controllersFor(p.net, values.sumo !== undefined ? 'sumo' : 'cityflow');
  const results: RunMetrics[] = [];
  for (const name of names) {
    const progress = new Progress(name, !json);
    results.push((await runPreparedAsync(p, name, { workers, preemption: values['no-preemption'] !== true, onProgress: (f) => progress.update(f) })).metrics);
    progress.done();
  }
  const base = results.find((r) => r.controller === 'fixed');
  if (json) {
    const changeVsFixed = base
      ? Object.fromEntries(
          results.map((r) => [
            r.controller,
            {
              travelTimePct: round1(pctChange(base.travelTime.mean, r.travelTime.mean)),
              delayPct: round1(pctChange(base.delay.mean, r.delay.mean)),
              stopsPct: round1(pctChange(base.stops.mean, r.stops.mean)),
              throughputPct: round1(pctChange(base.throughput, r.throughput)),
            },
          ]),
        )
      : null;
    process.stdout.write(JSON.stringify({ scenario: scenarioName(p), seed: p.seed, duration: p.durationS, results, changeVsFixed }) + '\n');
  } else {
    process.stdout.write(`greenwave compare ${scenarioName(p)}: seed ${p.seed}, ${p.durationS} s simulated, ${p.trips.n} trips\n\n`);
    process.stdout.write(compareTable(results) + '\n');
  }
  return 0;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
