import { BENCH_PARTS, markdown, runBench, type BenchPart } from '../../bench/index.js';
import { parse, UsageError } from '../args.js';

export const BENCH_HELP = `Usage: greenwave bench [--quick] [--only PARTS] [--workers LIST] [--results DIR] [--json]

Runs the benchmark suite: micro-benchmarks of the hot paths (a simulation
step per vehicle, a controller decision, encoding state and plans); simulator
speed (vehicle-steps per second) on grids of growing size with light and heavy
demand and on the CityFlow datasets; every controller on the built-in
scenarios (sweeps over seeds 1-5, mean ± 95 % interval) and the datasets; one
sweep at 1, 2, … jobs; the latency of one full network re-plan on
grid-32x32 (1,024 signals) and grid-100x100 (10,000 signals) in the calling
thread and by worker count; greenwave serve with 200 clients on 1,024
signals; and SUMO: importing a 100 MB net, the co-simulation's cost per
step, and every controller on the RESCO scenarios in greenwave's simulator
and in SUMO, seeds 1-5 (skipped, with a notice, without Debian's sumo). Writes
bench/results/latest.json (latest-quick.json with --quick, latest-PARTS.json
with --only: a quick or partial run never replaces the full record) and prints a
Markdown report; a full run also redraws the charts in docs/results/ and the
generated section of docs/RESULTS.md.

Options:
  --quick         shorter runs and fewer cases (a few minutes)
  --only PARTS    some of micro,speed,controllers,sweep,replan,serve,sumo (default: all)
  --workers LIST  worker counts for the re-plan benchmark and job counts for
                  the sweep benchmark, e.g. 1,2,4,8,16
                  (default: 1, 2, and this machine's cores when more)
  --results DIR   write the JSON report there instead of bench/results
                  (and leave docs/ alone)
  --json          print the JSON report instead of Markdown
  -h, --help      this help
`;

export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('bench', argv, {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    results: { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError('bench', `takes no arguments, got "${positionals.join(' ')}"`);
  const json = values.json === true;
  let only: BenchPart[] | undefined;
  if (values.only !== undefined) {
    only = String(values.only)
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean) as BenchPart[];
    const bad = only.find((x) => !BENCH_PARTS.includes(x));
    if (bad !== undefined || only.length === 0) throw new UsageError('bench', `--only takes some of ${BENCH_PARTS.join(',')}, got "${String(values.only)}"`);
  }
  let workers: number[] | undefined;
  if (values.workers !== undefined) {
    workers = String(values.workers)
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
      .map((x) => Number(x));
    if (workers.length === 0 || workers.some((w) => !Number.isInteger(w) || w < 1 || w > 256))
      throw new UsageError('bench', `--workers takes worker counts from 1 to 256 separated by commas, got "${String(values.workers)}"`);
  }
  const resultsDir = values.results as string | undefined;
  const report = await runBench({ quick: values.quick === true, only, workers, ...(resultsDir ? { resultsDir } : {}), log: json ? undefined : (l) => process.stderr.write(`… ${l}\n`) });
  process.stdout.write(json ? JSON.stringify(report) + '\n' : markdown(report));
  return 0;
}
