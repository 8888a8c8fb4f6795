import { writeFileSync } from 'node:fs';
import { importCityFlow } from '../../interop/cityflow/import.js';
import { importSumo, importSumoConfig } from '../../interop/sumo/index.js';
import type { ScenarioJson } from '../../scenarios/types.js';
import { validateScenario } from '../../scenarios/index.js';
import { InputError } from '../../scenarios/errors.js';
import { durationOption, parse, UsageError } from '../args.js';
import { checkOutFile } from '../outputs.js';

export const IMPORT_HELP = `Usage: greenwave import cityflow ROADNET.json FLOW.json -o OUT.json [options]
       greenwave import sumo NET.net.xml [ROUTES.rou.xml ...] -o OUT.json [options]
       greenwave import sumo CFG.sumocfg -o OUT.json [options]

Converts a CityFlow roadnet and flow file into a greenwave scenario. CityFlow's
ids (intersections, roads, lanes <road>_<k>, vehicles flow_<i>_<k>), geometry,
laneLinks, lightphases (with their times, run by --controller cityflow-fixed)
and exact departure times are kept; greenwave adds yellow and all-red, a
protected/permitted split of each lightphase, and detectors. See
docs/CITYFLOW.md.

SUMO: a net (and route files), or a .sumocfg naming them and the time window.
SUMO's ids (junctions, edges, lanes, vehicles), geometry (internal lanes as
the paths through junctions), connections, tlLogic programs (run by
--controller sumo-static) and demand (vehicles, routes, flows, trips) are
kept; lanes without passenger cars are left out with a warning. See
docs/SUMO.md.

Options:
  -o, --out FILE   where to write the scenario (required)
  --duration S     simulated seconds, ≤ 604800 (default 3600; SUMO: the config's
                   window)
  --name NAME      scenario name (default cityflow:<folder of ROADNET>,
                   sumo:<config or folder>)
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
  const [format, ...files] = positionals;
  if (format !== 'cityflow' && format !== 'sumo')
    throw new UsageError('import', `knows the formats "cityflow" and "sumo", got ${format === undefined ? 'none' : `"${format}"`}; see greenwave import --help`);
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('import', 'needs -o OUT.json');
  checkOutFile('import', '-o', out, files);
  const durationS = durationOption('import', values.duration);
  const opts: { durationS?: number; name?: string } = {};
  if (durationS !== undefined) opts.durationS = durationS;
  if (typeof values.name === 'string') opts.name = values.name;
  if (format === 'sumo') {
    if (files.length === 0) throw new UsageError('import', 'sumo expects NET.net.xml [ROUTES.rou.xml ...] or CFG.sumocfg; see greenwave import --help');
    const cfg = files[0]!.endsWith('.sumocfg');
    if (cfg && files.length > 1) throw new UsageError('import', 'sumo CFG.sumocfg takes no further files (the config names them)');
    const imp = cfg ? importSumoConfig(files[0]!, opts) : importSumo(files[0]!, files.slice(1), opts);
    for (const w of imp.warnings) process.stderr.write(`warning: ${w}\n`);
    write(out, imp.scenario);
    const c = imp.counts;
    process.stdout.write(
      `imported ${c.junctions} junctions (${c.signals} signals from ${c.tlLogics} tlLogics), ${c.roads} edges, ${c.lanes} lanes, ${c.movements} movements, ` +
        `${c.vehicles} vehicles, ${c.flows} flows, ${c.emergency} emergency vehicles; ${c.conflictDisagreements} conflict disagreements with SUMO → ${out}\n`,
    );
    return 0;
  }
  const [roadnet, flow, ...rest] = files;
  if (roadnet === undefined || flow === undefined || rest.length) throw new UsageError('import', 'cityflow expects ROADNET.json FLOW.json; see greenwave import --help');
  const imp = importCityFlow(roadnet, flow, opts);
  for (const w of imp.warnings) process.stderr.write(`warning: ${w}\n`);
  write(out, imp.scenario);
  const c = imp.counts;
  process.stdout.write(
    `imported ${c.intersections} intersections (${c.signals} signals), ${c.roads} roads, ${c.lanes} lanes, ${c.movements} movements, ` +
      `${c.flows} CityFlow flows (${c.vehicles} single vehicles) → ${out}\n`,
  );
  return 0;
}

/** Validates and writes a scenario file. */
function write(out: string, scenario: ScenarioJson): void {
  validateScenario(scenario, out);
  try {
    writeFileSync(out, JSON.stringify(scenario) + '\n');
  } catch (e) {
    throw new InputError(out, '', `cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
