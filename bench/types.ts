/** The benchmark report's shapes, and the arterial PCD reading both the suite and its charts use. */
import { loopChannels } from '../engine/signals/index.js';
import { eventRows, pcdDetectors, purdueCoordination, type Pcd } from '../report/index.js';
import type { Simulation } from '../sim/index.js';
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

export interface ControllerResult {
  scenario: string;
  controller: string;
  travelTimeMean: number;
  delayMean: number;
  stopsMean: number;
  throughputVph: number;
  unfinished: number;
  emergencyDelayS: number | null;
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

export interface BenchReport {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  quick: boolean;
  simSpeed: SimSpeedResult[];
  controllers: ControllerResult[];
  replan: ReplanLatencyResult[];
  serve: ServeLoadResult[];
  micro: MicroResult[];
  /** SUMO import and co-simulation cost (absent in reports from before it was measured). */
  sumo?: SumoBenchResult;
}
