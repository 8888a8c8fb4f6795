import { markdown, runBench } from '../../bench/index.js';
import { parse, UsageError } from '../args.js';

export const BENCH_HELP = `Usage: greenwave bench [--quick] [--json]

Runs the benchmark suite: simulator speed (vehicle-steps per second) on grids
of growing size with heavy demand, and every controller on the built-in
scenarios. Writes bench/results/latest.json and prints a Markdown report.

Options:
  --quick     shorter runs and fewer cases (about a minute)
  --json      print the JSON report instead of Markdown
  -h, --help  this help
`;

export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('bench', argv, {
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError('bench', `takes no arguments, got "${positionals.join(' ')}"`);
  const json = values.json === true;
  const report = await runBench({ quick: values.quick === true, log: json ? undefined : (l) => process.stderr.write(`… ${l}\n`) });
  process.stdout.write(json ? JSON.stringify(report) + '\n' : markdown(report));
  return 0;
}
