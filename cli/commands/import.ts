import { writeFileSync } from 'node:fs';
import { importCityFlow } from '../../interop/cityflow/import.js';
import { validateScenario } from '../../scenarios/index.js';
import { InputError } from '../../scenarios/errors.js';
import { parse, positiveOption, UsageError } from '../args.js';

export const IMPORT_HELP = `Usage: greenwave import cityflow ROADNET.json FLOW.json -o OUT.json [options]

Converts a CityFlow roadnet and flow file into a greenwave scenario. CityFlow's
ids (intersections, roads, lanes <road>_<k>, vehicles flow_<i>_<k>), geometry,
laneLinks, lightphases (with their times, run by --controller cityflow-fixed)
and exact departure times are kept; greenwave adds yellow and all-red, a
protected/permitted split of each lightphase, and detectors. See
docs/CITYFLOW.md.

Options:
  -o, --out FILE   where to write the scenario (required)
  --duration S     simulated seconds (default 3600)
  --name NAME      scenario name (default cityflow:<folder of ROADNET>)
  -h, --help       this help
`;

export function importCommand(argv: string[]): number {
  const { values, positionals } = parse('import', argv, {
    out: { type: 'string', short: 'o' },
    duration: { type: 'string' },
    name: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(IMPORT_HELP);
    return 0;
  }
  const [format, roadnet, flow, ...rest] = positionals;
  if (format !== 'cityflow') throw new UsageError('import', `knows the format "cityflow", got ${format === undefined ? 'none' : `"${format}"`}; see greenwave import --help`);
  if (roadnet === undefined || flow === undefined || rest.length) throw new UsageError('import', 'cityflow expects ROADNET.json FLOW.json; see greenwave import --help');
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('import', 'needs -o OUT.json');
  const durationS = positiveOption('import', 'duration', values.duration);
  const opts: { durationS?: number; name?: string } = {};
  if (durationS !== undefined) opts.durationS = durationS;
  if (typeof values.name === 'string') opts.name = values.name;
  const imp = importCityFlow(roadnet, flow, opts);
  for (const w of imp.warnings) process.stderr.write(`warning: ${w}\n`);
  validateScenario(imp.scenario, out);
  try {
    writeFileSync(out, JSON.stringify(imp.scenario) + '\n');
  } catch (e) {
    throw new InputError(out, '', `cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const c = imp.counts;
  process.stdout.write(
    `imported ${c.intersections} intersections (${c.signals} signals), ${c.roads} roads, ${c.lanes} lanes, ${c.movements} movements, ` +
      `${c.flows} CityFlow flows (${c.vehicles} single vehicles) → ${out}\n`,
  );
  return 0;
}
