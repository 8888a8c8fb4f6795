/**
 * Emergency vehicles in the simulator: the dispatch request when one is due
 * (answered with the route it is to drive), its position reports every
 * reportPeriodS while on the road (answered with a new route when it is
 * re-routed), and its arrival. The engine knows nothing else of the vehicle.
 */
import { routeFreeFlowS } from '../engine/network/index.js';
import type { RouteAnswer } from '../engine/preemption/index.js';
import { TRIP_ACTIVE, TRIP_DONE } from './demand.js';
import type { SimState } from './state.js';

/** SimState.evReported: dispatched (followed by position reports), then its arrival reported. */
export const EV_DISPATCHED = 1;
export const EV_ARRIVAL_REPORTED = 2;

/** An emergency vehicle is due: its dispatch request, answered with the route it will drive. */
export function dispatchEmergency(s: SimState, k: number, t: number): void {
  const tr = s.trips;
  const e = tr.emergencyIdx[k]!;
  const off = tr.routeOff[k]!;
  const info = tr.emergency[e]!;
  const a = s.priority!.dispatch({ ev: e, id: info.id, priority: info.priority, fromRoad: tr.routeRoads[off]!, toRoad: tr.routeRoads[off + tr.routeLen[k]! - 1]!, timeMs: t });
  setRoute(s, k, a);
  s.evReported[e] = EV_DISPATCHED;
}

/** Replaces trip k's route (the part already driven must be unchanged). */
export function setRoute(s: SimState, k: number, a: RouteAnswer): void {
  const tr = s.trips;
  if (a.roads.length > tr.routeCap[k]!) throw new Error(`route of ${a.roads.length} roads does not fit trip ${k}`);
  const off = tr.routeOff[k]!;
  for (let q = 0; q < a.roads.length; q++) {
    tr.routeRoads[off + q] = a.roads[q]!;
    tr.routeMoves[off + q] = a.moves[q]!;
  }
  tr.routeLen[k] = a.roads.length;
  (tr.freeFlowS as Float64Array)[k] = routeFreeFlowS({ roadS: s.net.roadFreeFlowS, movS: s.net.movFreeFlowS }, a.roads, a.moves);
}

/** Position reports of the emergency vehicles on the road (every reportPeriodS), and their arrivals. */
export function reportEmergencies(s: SimState, nowMs: number): void {
  const tr = s.trips;
  const net = s.net;
  const due = nowMs % s.reportEveryMs === 0;
  for (let e = 0; e < tr.emergency.length; e++) {
    if (s.evReported[e] !== EV_DISPATCHED) continue;
    const k = tr.emergency[e]!.trip;
    const st = s.tripState[k];
    if (st === TRIP_DONE) {
      s.priority!.arrived(e, s.tripArriveMs[k]!);
      s.evReported[e] = EV_ARRIVAL_REPORTED;
      continue;
    }
    if (st !== TRIP_ACTIVE || !due) continue;
    const v = s.tripVeh[k]!;
    const d = s.veh.vDrv[v]!;
    const onLink = d >= net.nLanes;
    const road = onLink ? tr.routeRoads[tr.routeOff[k]! + s.veh.vRouteIdx[v]!]! : net.laneRoad[d]!;
    const a = s.priority!.report({ ev: e, timeMs: nowMs, road, onLink, posM: s.veh.vPos[v]!, speedMps: s.veh.vSpeed[v]! });
    if (a) setRoute(s, k, a);
  }
}
