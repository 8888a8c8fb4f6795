/**
 * The pre-emption manager's record of an emergency vehicle: its route with the
 * signals on it (shared by the routing, the lead times and the manager's state
 * machine), and the trace it leaves.
 */
import type { CompiledNetwork } from '../network/compile.js';
import type { DispatchRequest } from './types.js';

/** One signal on an emergency vehicle's route. */
export interface RouteSignal {
  inter: number;
  /** Index in the route of the road whose end it controls. */
  k: number;
  movement: number;
  /** Local phase serving the movement. */
  phase: number;
  /** Free-flow seconds from the route start to the stop line; distance (m) likewise. */
  ffAtS: number;
  distM: number;
  /** Cameras on the approach lanes that carry the movement. */
  cams: number[];
  called: boolean;
  callMs: number;
  passed: boolean;
  /** Display changes of the vehicle's movement: [tMs, state, tMs, state, …]. */
  states: number[];
}

/** An emergency vehicle as the manager knows it: from its dispatch request and position reports. */
export interface Vehicle {
  ev: number;
  id: string;
  priority: number;
  dispatchMs: number;
  roads: number[];
  moves: number[];
  /** Per route road: free-flow seconds and metres from the route start to its start. */
  ffStartS: number[];
  distStartM: number[];
  lengthM: number;
  signals: RouteSignal[];
  /** Index of the first signal not yet passed. */
  next: number;
  k: number;
  onLink: boolean;
  ffNowS: number;
  reportMs: number;
  done: boolean;
  arrivedMs: number;
  trajectory: number[];
  reroutes: number;
}

/** A vehicle just dispatched: no route yet (setRoute gives it one), last heard of at the dispatch. */
export function newVehicle(req: DispatchRequest): Vehicle {
  return {
    ev: req.ev,
    id: req.id,
    priority: req.priority,
    dispatchMs: req.timeMs,
    roads: [],
    moves: [],
    ffStartS: [],
    distStartM: [],
    lengthM: 0,
    signals: [],
    next: 0,
    k: 0,
    onLink: false,
    ffNowS: 0,
    reportMs: req.timeMs,
    done: false,
    arrivedMs: NaN,
    trajectory: [],
    reroutes: 0,
  };
}

/** The record of one emergency vehicle's run (its time-space diagram is drawn from it). */
export interface EmergencyTrace {
  id: string;
  priority: number;
  roads: number[];
  signals: Array<{ inter: number; id: string; distM: number; states: number[]; callMs: number; passed: boolean }>;
  /** Position reports received: [tMs, distance along the route (m)], flat. */
  trajectory: number[];
  /** Route length (m), dispatch and arrival time (ms; NaN if not arrived). */
  lengthM: number;
  dispatchMs: number;
  arrivedMs: number;
  reroutes: number;
}

/** What happened to vehicle v: route, signals with their display changes, reports. */
export function traceOf(v: Vehicle, net: CompiledNetwork): EmergencyTrace {
  return {
    id: v.id,
    priority: v.priority,
    roads: v.roads,
    signals: v.signals.map((s) => ({ inter: s.inter, id: net.intersectionIds[s.inter]!, distM: s.distM, states: s.states, callMs: s.callMs, passed: s.passed })),
    trajectory: v.trajectory,
    lengthM: v.lengthM,
    dispatchMs: v.dispatchMs,
    arrivedMs: v.arrivedMs,
    reroutes: v.reroutes,
  };
}
