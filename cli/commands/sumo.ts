import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sumoDesignVolumes } from '../../bench/index.js';
import { runSumoCosim } from '../../interop/sumo/cosim.js';
import { CONTROLLER_NAMES } from '../../engine/controllers/index.js';
import { controllerName, durationOption, intOption, parse, UsageError } from '../args.js';
import { prepareOutDir } from '../outputs.js';
import { Progress } from '../progress.js';

export const SUMO_HELP = `Usage: greenwave sumo CFG.sumocfg [options]

Drives SUMO itself with greenwave's engine, in lock-step over TraCI: SUMO
moves the vehicles; greenwave's detectors are placed in SUMO at greenwave's
positions, their readings feed the engine every step, and every signal shows
what greenwave's signal layer decides. Prints SUMO's own trip figures (travel
time = duration + departDelay, vehicles still driving or still waiting to be
inserted counted to the end),
greenwave's safety counters and SUMO's teleports and collisions. Needs
Debian's sumo (apt-get install sumo sumo-tools). See docs/SUMO.md.

Options:
  --controller NAME   ${CONTROLLER_NAMES.join(', ')} (default: sumo-static,
                      the net's own programs shown by greenwave)
  --seed N            SUMO's random seed (default 1)
  --duration S        simulated seconds, ≤ 604800 (default: the config's window)
  --gui               open sumo-gui to watch
  --no-preemption     emergency vehicles get no green wave
  --json              print one JSON object
  --out DIR           keep the run's files in DIR: metrics.json (the JSON
                      above), SUMO's own tripinfo.xml and statistics.xml,
                      greenwave-detectors.add.xml (greenwave's detectors as
                      SUMO placed them) and events.csv (greenwave's signal
                      event log, Indiana/ATSPM codes, as run --out writes it)
  -h, --help          this help

Exit codes: 0 ok, 1 SUMO failed during the run, 2 bad input or usage (SUMO not installed included).
`;

export async function sumoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('sumo', argv, {
    controller: { type: 'string' },
    seed: { type: 'string' },
    duration: { type: 'string' },
    gui: { type: 'boolean' },
    json: { type: 'boolean' },
    'no-preemption': { type: 'boolean' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SUMO_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('sumo', `expects one CFG.sumocfg, got ${positionals.length}; see greenwave sumo --help`);
  const controller = controllerName('--controller', (values.controller as string | undefined) ?? 'sumo-static');
  const seed = intOption('sumo', 'seed', values.seed);
  const durationS = durationOption('sumo', values.duration);
  const json = values.json === true;
  const out = values.out as string | undefined;
  if (out !== undefined) prepareOutDir('sumo', '--out', out);
  // the design volumes of the demand, as greenwave's own runs compute them (bad files: exit 2 here)
  const designVph = sumoDesignVolumes(positionals[0]!, { ...(seed !== undefined ? { seed } : {}), ...(durationS !== undefined ? { durationS } : {}) });
  const progress = new Progress('sumo', !json);
  let r;
  try {
    r = await runSumoCosim({
      cfg: positionals[0]!,
      controller,
      designVph,
      ...(seed !== undefined ? { seed } : {}),
      ...(durationS !== undefined ? { durationS } : {}),
      gui: values.gui === true,
      preemption: values['no-preemption'] !== true,
      onProgress: (f) => progress.update(f),
      ...(out !== undefined ? { outDir: out } : {}),
    });
  } catch (e) {
    progress.done();
    const msg = (e as Error).message;
    if (/not found: install Debian's sumo/.test(msg)) throw new UsageError('sumo', msg);
    process.stderr.write(`error: ${msg.split('\n').slice(0, 6).join('\n')}\n`);
    return 1;
  }
  progress.done();
  if (out !== undefined) writeFileSync(join(out, 'metrics.json'), JSON.stringify(r, null, 2) + '\n');
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else
    process.stdout.write(
      `${r.scenario} in SUMO under ${r.controller} (seed ${r.seed}, ${r.duration} s)\n` +
        `  vehicles      ${r.vehicles.scheduled} scheduled, ${r.vehicles.inserted} inserted, ${r.vehicles.completed} completed, ${r.vehicles.unfinished} still driving, ${r.vehicles.waitingToEnter} waiting to enter\n` +
        `  travel time   mean ${r.travelTime.mean.toFixed(1)} s, p50 ${r.travelTime.p50.toFixed(1)} s, p95 ${r.travelTime.p95.toFixed(1)} s\n` +
        `  delay         mean ${r.delay.mean.toFixed(1)} s\n` +
        r.emergency
          .map((e) =>
            e.travelTime === null
              ? `  emergency     ${e.id}: not inserted by the end\n`
              : `  emergency     ${e.id}: travel ${e.travelTime.toFixed(1)} s (free flow ${e.freeFlowTime === null ? '–' : e.freeFlowTime.toFixed(1)} s), delay ${e.delay!.toFixed(1)} s, ${e.stops} stops\n`,
          )
          .join('') +
        `  safety        ${r.safety.conflictingGreens} conflicting greens, ${r.safety.minGreenViolations} short greens, ${r.safety.clearanceViolations} short clearances; SUMO: ${r.sumo.teleports} teleports, ${r.sumo.collisions} collisions\n` +
        `  co-simulation ${r.cosim.steps} steps in ${r.cosim.wallSeconds.toFixed(1)} s: engine ${r.cosim.engineMsPerStep.toFixed(3)} ms/step, SUMO step + TraCI ${r.cosim.roundTripMsPerStep.toFixed(3)} ms/step\n`,
    );
  return 0;
}
