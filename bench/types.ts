/** The benchmark report's shapes, and the arterial PCD reading both the suite and its charts use. */
import { loopChannels } from '../engine/signals/index.js';
import { eventRows, pcdDetectors, purdueCoordination, type Pcd } from '../report/index.js';
import type { Simulation } from '../sim/index.js';
import type { DecisionCostResult } from './decisions.js';
import type { ReplanLatencyResult } from './replan.js';
import type { ServeLoadResult } from './serve.js';
import type { MicroResult } from './micro.js';
import type { SumoBenchResult } from './sumo.js';

export interface SimSpeedResult {
  scenario: string;
  controller: string;
  durationS: number;
  intersections: number;
  trips: number;
  vehicleSteps: number;
  iterations: number;
  meanWallS: number;
  minWallS: number;
  vehicleStepsPerSecond: number;
  bestVehicleStepsPerSecond: number;
}

/** A controller on a scenario, over the seeds of a sweep (means; the 95 % intervals where there are several seeds). */
export interface ControllerResult {
  scenario: string;
  controller: string;
  /** The seeds summarised (one for fixed trips such as the CityFlow datasets). */
  seeds: number[];
  travelTimeMean: number;
  travelTimeCi95: [number, number] | null;
  delayMean: number;
  delayCi95: [number, number] | null;
  stopsMean: number;
  stopsCi95: [number, number] | null;
  throughputVph: number;
  /** Trips not completed by the end (mean over seeds). */
  unfinished: number;
  emergencyDelayS: number | null;
  /** Paired difference from fixed in mean travel time, seed by seed: percent, and whether its 95 % interval leaves out 0. */
  vsFixed?: { travelTimePct: number | null; significant: boolean };
  /** Summed over the seeds (must be 0). */
  safetyViolations: number;
  /** On an arterial: percent arrivals on green at its middle signal's main-street through phase, read from the event log (PCD). */
  aogPercent?: number;
}

/** The middle signal of an `arterial-N` run and the PCD of its E–W through phase, read from the run's event log. */
export function arterialPcd(sim: Simulation): { intersection: string; pcd: Pcd } {
  const net = sim.net;
  const n = net.intersectionIds.filter((id) => /^A\d+$/.test(id)).length;
  const i = Math.floor(n / 2);
  const ix = net.intersectionIds.indexOf(`A${i}`);
  const m = net.model.movementIndex.get(`A${i - 1}-A${i}>A${i}-A${i + 1}`);
  const phase = net.model.phases.find((q) => q.inter === ix && m !== undefined && q.movements.includes(m));
  if (!sim.eventLog || ix < 0 || !phase) throw new Error('arterialPcd needs an arterial-N run (N ≥ 3) with an event log');
  const pd = pcdDetectors(net, loopChannels(net), ix, net.interPhaseStart[ix]! + phase.local);
  return { intersection: `A${i}`, pcd: purdueCoordination(eventRows(sim.eventLog), ix, phase.local, pd.channels, pd.travelMs, pd.green) };
}

/** The same sweep at several job counts: wall time and speed-up against one job. */
export interface SweepSpeedResult {
  scenarios: string[];
  controllers: string[];
  seeds: number[];
  durationS: number | null;
  cells: number;
  jobs: number;
  wallS: number;
  /** The cells' own wall times added up: above the one-job figure when cells slow each other down. */
  cellSumS: number;
  speedup: number;
}

/**
 * The machine's own ceiling for the sweep's speed-up: the same 1-job sweep in
 * one process, then in `processes` processes at once (no threads shared):
 * speed-up = processes × one's wall time / the wall time of all of them;
 * and the same with V8 single-threaded.
 */
export interface SweepCeilingResult {
  processes: number;
  oneWallS: number;
  allWallS: number;
  speedup: number;
  /** The same under `node --single-threaded`, and the CLI's sweep at `processes` jobs under it against its 1-job process. */
  singleThreaded?: { oneWallS: number; allWallS: number; speedup: number; jobsWallS: number; jobsSpeedup: number };
}

export interface BenchReport {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  quick: boolean;
  simSpeed: SimSpeedResult[];
  controllers: ControllerResult[];
  replan: ReplanLatencyResult[];
  /** adaptive's own cost per simulated second by worker count (absent in reports from before it was measured). */
  decisions?: DecisionCostResult[];
  serve: ServeLoadResult[];
  micro: MicroResult[];
  /** SUMO import and co-simulation cost (absent in reports from before it was measured). */
  sumo?: SumoBenchResult;
  /** A sweep's speed by job count (absent in reports from before it was measured). */
  sweep?: SweepSpeedResult[];
  sweepCeiling?: SweepCeilingResult;
}
