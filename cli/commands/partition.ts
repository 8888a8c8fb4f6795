import { partitionNetwork, roadFlows } from '../../engine/distributed/partition.js';
import { prepare } from '../../sim/index.js';
import { durationOption, intOption, parse, UsageError } from '../args.js';
import { scenarioFromArgs } from '../scenarioArgs.js';

export const PARTITION_HELP = `Usage: greenwave partition SCENARIO --regions N [options]

Splits the signals of SCENARIO into N connected regions of similar size,
cutting the links that carry the least flow (the design volumes of the
scenario's demand: 4 × the busiest 15 minutes of each movement), for running
the city as N region engines over NATS (docs/DISTRIBUTED.md). Prints each
region's signals and the cut links with their flows; the same scenario and
seed always give the same regions.

Options:
  --regions N         number of regions (1 … the number of signals)
  --balance F         regions may differ from the mean size by this fraction
                      (default 0.1, and always by one signal)
  --seed N, --duration S, --cityflow, --sumo CFG   as for run (the demand
                      behind the flows)
  --json              one JSON object on stdout
  -h, --help          this help

Exit codes: 0 ok, 1 runtime failure, 2 bad input or usage.
`;

export function partitionCommand(argv: string[]): number {
  const { values, positionals } = parse('partition', argv, {
    regions: { type: 'string' },
    balance: { type: 'string' },
    seed: { type: 'string' },
    duration: { type: 'string' },
    cityflow: { type: 'boolean' },
    sumo: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(PARTITION_HELP);
    return 0;
  }
  const regions = intOption('partition', 'regions', values.regions, 1);
  if (regions === undefined) throw new UsageError('partition', '--regions N is required');
  let balance: number | undefined;
  if (values.balance !== undefined) {
    balance = Number(values.balance);
    if (typeof values.balance !== 'string' || !Number.isFinite(balance) || balance < 0 || balance > 1) throw new UsageError('partition', `--balance must be a number 0 … 1, got "${String(values.balance)}"`);
  }
  const seed = intOption('partition', 'seed', values.seed);
  const durationS = durationOption('partition', values.duration);
  if (!positionals.length && values.sumo === undefined) throw new UsageError('partition', 'needs a SCENARIO; see greenwave partition --help');
  const source = scenarioFromArgs('partition', positionals, values.cityflow === true, durationS, values.sumo as string | undefined);
  const p = prepare(source, { seed, durationS });
  const net = p.net;
  const nSignals = net.model.intersections.filter((n) => n.phases.length > 0 && n.type === 'signal').length;
  if (regions > nSignals) throw new UsageError('partition', `--regions ${regions}: ${source.file} has ${nSignals} signals, so at most ${nSignals} regions`);
  const flows = roadFlows(net);
  const part = partitionNetwork(net, regions, flows, balance !== undefined ? { balance } : {});
  const ids = net.intersectionIds;
  const round = (x: number): number => Math.round(x * 10) / 10;
  const result = {
    scenario: source.file,
    regions: part.signals.map((s, k) => ({
      index: k,
      signals: s.map((i) => ids[i]!),
      intersections: ids.filter((_, i) => part.regionOf[i] === k),
      internalFlowVph: round(flows.reduce((a, f, r) => a + (part.regionOf[net.roadFrom[r]!] === k && part.regionOf[net.roadTo[r]!] === k ? f : 0), 0)),
    })),
    cut: part.cut.map((c) => ({ road: net.roadIds[c.road]!, from: ids[c.from]!, to: ids[c.to]!, fromRegion: c.fromRegion, toRegion: c.toRegion, flowVph: round(c.flowVph) })),
    cutFlowVph: round(part.cutFlowVph),
    totalFlowVph: round(part.totalFlowVph),
  };
  if (values.json === true) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  }
  const lines = [`${source.file}: ${nSignals} signals in ${regions} regions; the cut carries ${result.cutFlowVph} of ${result.totalFlowVph} veh/h (${result.totalFlowVph ? ((100 * result.cutFlowVph) / result.totalFlowVph).toFixed(1) : '0'} %) on ${result.cut.length} roads`, ''];
  for (const r of result.regions) {
    const shown = r.signals.length > 12 ? `${r.signals.slice(0, 12).join(' ')} … (${r.signals.length - 12} more)` : r.signals.join(' ');
    lines.push(`region ${r.index}: ${r.signals.length} signals, ${r.internalFlowVph} veh/h inside: ${shown}`);
  }
  lines.push('', 'cut roads (from region → to region, veh/h):');
  const cut = [...result.cut].sort((a, b) => b.flowVph - a.flowVph || a.road.localeCompare(b.road));
  for (const c of cut.slice(0, 40)) lines.push(`  ${c.road.padEnd(28)} ${c.fromRegion} → ${c.toRegion}  ${c.flowVph}`);
  if (cut.length > 40) lines.push(`  … ${cut.length - 40} more (--json lists them all)`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
