/**
 * Run metrics, exactly as SPEC §4.
 *
 * Travel time is CityFlow's definition: for every vehicle whose scheduled
 * departure is within the run, (arrival time, or the end of the run if it has
 * not arrived) minus its scheduled departure; waiting to enter counts.
 * Delay is travel time minus free-flow time; for a vehicle still travelling at
 * the end it is the time so far minus the free-flow time of the distance
 * covered so far (waiting to enter is all delay).
 */
import { TRIP_ACTIVE, TRIP_DONE, TRIP_FUTURE } from './demand.js';
import type { Simulation } from './simulation.js';

export interface EmergencyMetrics {
  id: string;
  travelTime: number;
  freeFlowTime: number;
  delay: number;
  stops: number;
}

export interface RunMetrics {
  scenario: string;
  controller: string;
  seed: number;
  duration: number;
  vehicles: { scheduled: number; entered: number; completed: number; inNetwork: number; waitingToEnter: number };
  travelTime: { mean: number; p50: number; p95: number };
  delay: { mean: number };
  stops: { mean: number };
  throughput: number;
  emergency: EmergencyMetrics[];
  safety: { conflictingGreens: number; minGreenViolations: number; clearanceViolations: number };
  /** Detector faults the health monitor flagged (events), and detectors still flagged at the end. */
  detectors: { faults: number; faultyAtEnd: number };
  sim: { steps: number; loadSeconds: number; wallSeconds: number; vehicleSteps: number; vehicleStepsPerSecond: number };
}

const r3 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);

/** Linear-interpolated percentile of a sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const x = (p / 100) * (n - 1);
  const i = Math.floor(x);
  const f = x - i;
  return i + 1 < n ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

/** Free-flow time (s) of the part of its route that trip k's vehicle v has covered. */
function freeFlowSoFar(sim: Simulation, v: number): number {
  const tr = sim.trips;
  const net = sim.net;
  const trip = sim.vTrip[v]!;
  const off = tr.routeOff[trip]!;
  const k = sim.vRouteIdx[v]!;
  let t = 0;
  for (let q = 0; q < k; q++) t += net.roadFreeFlowS[tr.routeRoads[off + q]!]! + net.movFreeFlowS[tr.routeMoves[off + q]!]!;
  const d = sim.vDrv[v]!;
  if (d < net.nLanes) return t + sim.vPos[v]! / net.drvSpeedMps[d]!;
  return t + net.roadFreeFlowS[tr.routeRoads[off + k]!]! + sim.vPos[v]! / net.drvSpeedMps[d]!;
}

export function computeMetrics(
  sim: Simulation,
  info: { scenario: string; controller: string; seed: number; loadSeconds: number },
): RunMetrics {
  const tr = sim.trips;
  const end = sim.nowMs;
  const tts: number[] = [];
  let delaySum = 0;
  let stopSum = 0;
  for (let k = 0; k < tr.n; k++) {
    const dep = tr.departMs[k]!;
    if (dep >= sim.durationMs) continue;
    const state = sim.tripState[k]!;
    if (state === TRIP_FUTURE) continue;
    const arr = sim.tripArriveMs[k]!;
    const tt = ((state === TRIP_DONE ? arr : end) - dep) / 1000;
    tts.push(tt);
    let delay: number;
    if (state === TRIP_DONE) delay = tt - tr.freeFlowS[k]!;
    else if (state === TRIP_ACTIVE) delay = tt - freeFlowSoFar(sim, sim.tripVeh[k]!);
    else delay = tt;
    delaySum += delay;
    stopSum += sim.tripStops[k]!;
  }
  const n = tts.length;
  const sorted = Float64Array.from(tts).sort();
  const mean = n ? tts.reduce((a, b) => a + b, 0) / n : 0;
  // Emergency vehicles scheduled within the run (one due after the end is not reported).
  const emergency = tr.emergency.filter((e) => tr.departMs[e.trip]! < sim.durationMs).map((e) => {
    const k = e.trip;
    const dep = tr.departMs[k]!;
    const state = sim.tripState[k]!;
    const tt = state === TRIP_FUTURE ? 0 : ((state === TRIP_DONE ? sim.tripArriveMs[k]! : end) - dep) / 1000;
    let delay = 0;
    if (state === TRIP_DONE) delay = tt - tr.freeFlowS[k]!;
    else if (state === TRIP_ACTIVE) delay = tt - freeFlowSoFar(sim, sim.tripVeh[k]!);
    else delay = tt;
    return { id: e.id, travelTime: r3(tt), freeFlowTime: r3(tr.freeFlowS[k]!), delay: r3(delay), stops: sim.tripStops[k]! };
  });
  const durationS = sim.durationMs / 1000;
  return {
    scenario: info.scenario,
    controller: info.controller,
    seed: info.seed,
    duration: durationS,
    vehicles: {
      scheduled: sim.scheduled,
      entered: sim.entered,
      completed: sim.completed,
      inNetwork: sim.inNetwork,
      waitingToEnter: sim.waitingToEnter,
    },
    travelTime: { mean: r3(mean), p50: r3(percentile(sorted, 50)), p95: r3(percentile(sorted, 95)) },
    delay: { mean: r3(n ? delaySum / n : 0) },
    stops: { mean: r3(n ? stopSum / n : 0) },
    throughput: r3((sim.completed / durationS) * 3600),
    emergency,
    safety: sim.monitor.counts(),
    detectors: { faults: sim.health.events, faultyAtEnd: sim.health.faultyNow() },
    sim: {
      steps: sim.steps,
      loadSeconds: r3(info.loadSeconds),
      wallSeconds: r3(sim.wallSeconds),
      vehicleSteps: sim.vehicleSteps,
      vehicleStepsPerSecond: Math.round(sim.wallSeconds > 0 ? sim.vehicleSteps / sim.wallSeconds : 0),
    },
  };
}
