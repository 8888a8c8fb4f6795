import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROLLER_NAMES } from '../../engine/controllers/index.js';
import { prepare, runPreparedAsync, tripId, TRIP_FUTURE, type RunResult } from '../../sim/index.js';
import { controllerName, durationOption, intOption, parse, UsageError, workersOption } from '../args.js';
import { prepareOutDir } from '../outputs.js';
import { scenarioFromArgs } from '../scenarioArgs.js';
import { runSummary } from '../format.js';
import { Progress } from '../progress.js';
import { timeSpaceSvg } from '../../engine/preemption/index.js';
import { DET_KIND_NAMES } from '../../engine/network/index.js';
import { loopChannels } from '../../engine/signals/index.js';
import { csvCell, eventRows, pcdDetectors, pcdSvg, purdueCoordination, splitMonitor, splitMonitorSvg } from '../../report/index.js';
import { InputError } from '../../scenarios/errors.js';
import type { ScenarioJson } from '../../scenarios/types.js';

export const RUN_HELP = `Usage: greenwave run SCENARIO [options]
       greenwave run --cityflow ROADNET.json FLOW.json [options]
       greenwave run --sumo CFG.sumocfg [options]

Simulates SCENARIO under one signal controller and prints a summary, or with
--json exactly one JSON object with the metrics.

SCENARIO is a scenario JSON file or a built-in name: default, single,
arterial-N (e.g. arterial-5), grid-RxC (e.g. grid-4x4). With --cityflow, a
CityFlow roadnet and flow file are imported on the fly (see greenwave import).

Options:
  --controller NAME   ${CONTROLLER_NAMES.join(', ')} (default: fixed)
  --seed N            random seed for the demand (default: the scenario's)
  --duration S        simulated seconds, ≤ 604800 (default: the scenario's)
  --workers N         worker threads for the adaptive controller's network
                      re-plans (default: 0, in the simulation's thread; the
                      results are identical either way)
  --no-preemption     emergency vehicles get no green wave (they are still
                      routed by the engine), for comparison
  --json              print the metrics as one JSON object on stdout
  --cityflow          SCENARIO is a CityFlow ROADNET.json and FLOW.json pair
  --sumo CFG          the scenario is a SUMO configuration (.sumocfg: its net,
                      routes and time window), imported on the fly
  --out DIR           also write metrics.json, events.csv (signal event log,
                      Indiana/ATSPM codes, pre-emption events included),
                      trips.csv (one row per vehicle, with its id: a
                      listed vehicle's own, FLOW.N for a flow's N-th
                      departure) and, per emergency vehicle,
                      timespace-ID.svg (distance along its route
                      against time, each signal's colour, its trajectory),
                      and detectors.csv (the event log's detector channels)
  --pcd ID[,ID...]    with --out: for these intersections also the Purdue
                      Coordination Diagram of every phase with advance loops
                      (pcd-ID-pN.svg, with its percent arrivals on green) and
                      the split monitor (split-ID.svg), drawn from the log
  -h, --help          this help

Exit codes: 0 ok, 1 runtime failure, 2 bad input or usage.
`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('run', argv, {
    controller: { type: 'string' },
    seed: { type: 'string' },
    duration: { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    'no-preemption': { type: 'boolean' },
    pcd: { type: 'string' },
    cityflow: { type: 'boolean' },
    sumo: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const controller = (values.controller as string | undefined) ?? 'fixed';
  controllerName('--controller', controller);
  const seed = intOption('run', 'seed', values.seed);
  const durationS = durationOption('run', values.duration);
  const workers = workersOption('run', values.workers);
  const json = values.json === true;
  const out = values.out as string | undefined;
  const pcd = values.pcd === undefined ? [] : String(values.pcd).split(',').filter(Boolean);
  if (pcd.length && out === undefined) throw new UsageError('run', '--pcd needs --out DIR');
  if (out !== undefined) prepareOutDir('run', '--out', out);

  const t0 = performance.now();
  const source = scenarioFromArgs('run', positionals, values.cityflow === true, durationS, values.sumo as string | undefined);
  const parseSeconds = (performance.now() - t0) / 1000;
  const p = prepare(source, { seed, durationS, parseSeconds });
  const progress = new Progress(`${controller}`, !json);
  const result = await runPreparedAsync(p, controller, { eventLog: out !== undefined, workers, preemption: values['no-preemption'] !== true, onProgress: (f) => progress.update(f) });
  progress.done();
  if (pcd.length) for (const id of pcd) if (!p.net.intersectionIds.includes(id)) throw new InputError(source.file, '', `--pcd: unknown intersection "${id}"`);
  if (out !== undefined) writeOutputs(out, result, pcd, source.scenario);
  process.stdout.write(json ? JSON.stringify(result.metrics) + '\n' : runSummary(result.metrics) + '\n');
  return 0;
}

function writeOutputs(dir: string, r: RunResult, pcd: string[], sc: ScenarioJson): void {
  const { sim, metrics } = r;
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  writeFileSync(join(dir, 'events.csv'), sim.eventLog!.toCsv(sim.net.intersectionIds));
  const tr = sim.trips;
  const rows = ['trip,emergency,departS,enterS,arriveS,travelTimeS,freeFlowS,stops,id'];
  for (let k = 0; k < tr.n; k++) {
    if (sim.tripState[k] === TRIP_FUTURE) continue;
    const dep = tr.departMs[k]! / 1000;
    const arr = sim.tripArriveMs[k]!;
    const end = Number.isNaN(arr) ? sim.nowMs : arr;
    const ev = tr.emergencyIdx[k]! >= 0 ? tr.emergency[tr.emergencyIdx[k]!]!.id : '';
    const enter = sim.tripEnterMs[k]!;
    rows.push(
      [k, csvCell(ev), dep, Number.isNaN(enter) ? '' : enter / 1000, Number.isNaN(arr) ? '' : arr / 1000, ((end - tr.departMs[k]!) / 1000).toFixed(3), tr.freeFlowS[k]!.toFixed(3), sim.tripStops[k], csvCell(tripId(sc, tr, k))].join(','),
    );
  }
  writeFileSync(join(dir, 'trips.csv'), rows.join('\n') + '\n');
  const net = sim.net;
  const ch = loopChannels(net);
  const detRows = ['SignalId,Channel,DetectorId,Kind,Lane,Movements'];
  for (let d = 0; d < net.nDet; d++) {
    if (ch.channel[d]! < 0) continue;
    const lane = net.detLane[d]!;
    const movs: string[] = [];
    for (let q = net.laneOutStart[lane]!; q < net.laneOutStart[lane + 1]!; q++) {
      const m = net.movementIds[net.linkMov[net.laneOut[q]! - net.nLanes]!]!;
      if (!movs.includes(m)) movs.push(m);
    }
    detRows.push([net.intersectionIds[ch.inter[d]!], ch.channel[d], net.detectorIds[d], DET_KIND_NAMES[net.detKind[d]!], net.laneIds[lane], movs.join(' ')].join(','));
  }
  writeFileSync(join(dir, 'detectors.csv'), detRows.join('\n') + '\n');
  if (pcd.length) {
    const rows = eventRows(sim.eventLog!);
    for (const id of pcd) {
      const ix = net.intersectionIds.indexOf(id);
      const names: string[] = [];
      for (let p = net.interPhaseStart[ix]!; p < net.interPhaseStart[ix + 1]!; p++) {
        const local = p - net.interPhaseStart[ix]!;
        names.push(net.phaseNames[p]!);
        const dets = pcdDetectors(net, ch, ix, p);
        if (dets.channels.length === 0) continue;
        const d = purdueCoordination(rows, ix, local, dets.channels, dets.travelMs, dets.green);
        writeFileSync(join(dir, `pcd-${safeName(id)}-p${local}.svg`), pcdSvg(d, `PCD ${id}, phase ${local} (${net.phaseNames[p]}), ${metrics.controller}${dets.kind === 'advance' ? ' (advance loops)' : ''}`));
      }
      writeFileSync(join(dir, `split-${safeName(id)}.svg`), splitMonitorSvg(splitMonitor(rows, ix), names, `Split monitor ${id}, ${metrics.controller}`));
    }
  }
  const mgr = sim.cabinet.preemption;
  for (const t of mgr.traces()) writeFileSync(join(dir, `timespace-${safeName(t.id)}.svg`), timeSpaceSvg(t, sim.nowMs, `${t.id} (priority ${t.priority}) under ${metrics.controller}${mgr.o.enabled ? '' : ', no pre-emption'}`));
}


/** A file-name-safe form of an id. */
const safeName = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_');
