/**
 * One sweep cell, in a worker thread of the sweep's pool (piscina): the
 * scenario resolved from its string (cached per thread and seed-free parts
 * only), one run in greenwave's simulator or in SUMO, and its figures. Any
 * failure becomes the cell's error; the thread carries on with the next.
 */
import { runSumoCosim } from '../../interop/sumo/index.js';
import { phaseChangesPerSignalHour } from '../../engine/signals/index.js';
import type { ScenarioSource } from '../../scenarios/index.js';
import { prepare, runPreparedAsync } from '../../sim/index.js';
import { designVolumes, sumoConfigOf, sweepSource } from './source.js';
import type { CellMetrics, CellResult, SweepCell } from './types.js';

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Scenarios already read in this thread, by spec and duration (reading a CityFlow or SUMO file is the slow part of a small run). */
const sources = new Map<string, ScenarioSource>();

function source(cell: SweepCell): ScenarioSource {
  const key = `${cell.scenario}\u0000${cell.durationS ?? ''}`;
  let s = sources.get(key);
  if (!s) sources.set(key, (s = sweepSource(cell.scenario, cell.durationS)));
  return s;
}

async function greenwaveCell(cell: SweepCell): Promise<CellMetrics> {
  const p = prepare(source(cell), { seed: cell.seed, ...(cell.durationS !== undefined ? { durationS: cell.durationS } : {}) });
  // the controller's re-plans in the cell's own thread: the sweep's pool is the parallelism (results are the same either way)
  const { metrics: m, sim } = await runPreparedAsync(p, cell.controller, { workers: 0 });
  const ev = m.emergency;
  return {
    travelTimeS: m.travelTime.mean,
    delayS: m.delay.mean,
    stops: m.stops.mean,
    throughputVph: r3((m.vehicles.completed / p.durationS) * 3600),
    emergencyTravelTimeS: ev.length ? r3(ev.reduce((a, e) => a + e.travelTime, 0) / ev.length) : null,
    emergencyDelayS: ev.length ? r3(ev.reduce((a, e) => a + e.delay, 0) / ev.length) : null,
    phaseChangesPerSignalHour: phaseChangesPerSignalHour(p.net, sim.signals.changes, p.durationS),
    scheduled: m.vehicles.scheduled,
    completed: m.vehicles.completed,
    safetyViolations: m.safety.conflictingGreens + m.safety.minGreenViolations + m.safety.clearanceViolations,
  };
}

async function sumoCell(cell: SweepCell): Promise<CellMetrics> {
  const cfg = sumoConfigOf(cell.scenario);
  if (cfg === undefined) throw new Error(`"${cell.scenario}" is not a SUMO configuration (sumo:CFG): only those run in SUMO`);
  const dur = cell.durationS !== undefined ? { durationS: cell.durationS } : {};
  // the design volumes from the scenario this thread has already read (cached, like greenwave cells')
  const r = await runSumoCosim({ cfg, controller: cell.controller, seed: cell.seed, designVph: designVolumes(source(cell), { seed: cell.seed, ...dur }), ...dur });
  const ev = r.emergency.filter((e) => e.travelTime !== null);
  return {
    travelTimeS: r.travelTime.mean,
    delayS: r.delay.mean,
    stops: r.stops.mean,
    throughputVph: r3((r.vehicles.completed / r.duration) * 3600),
    emergencyTravelTimeS: ev.length ? r3(ev.reduce((a, e) => a + e.travelTime!, 0) / ev.length) : null,
    emergencyDelayS: ev.length ? r3(ev.reduce((a, e) => a + e.delay!, 0) / ev.length) : null,
    phaseChangesPerSignalHour: r.signals.phaseChangesPerSignalHour,
    scheduled: r.vehicles.scheduled,
    completed: r.vehicles.completed,
    safetyViolations: r.safety.conflictingGreens + r.safety.minGreenViolations + r.safety.clearanceViolations,
    teleports: r.sumo.teleports,
    collisions: r.sumo.collisions,
  };
}

/** Runs one cell; never throws: a failure is the cell's error (its first line). */
export async function runCell(cell: SweepCell): Promise<CellResult> {
  const t0 = performance.now();
  try {
    const metrics = cell.sim === 'sumo' ? await sumoCell(cell) : await greenwaveCell(cell);
    return { index: cell.index, ok: true, metrics, wallS: (performance.now() - t0) / 1000 };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 500);
    return { index: cell.index, ok: false, error: msg, wallS: (performance.now() - t0) / 1000 };
  }
}

export default runCell;
