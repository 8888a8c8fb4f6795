/**
 * Trips into the network: those due are released into their origin road's
 * insertion queue (an emergency vehicle's dispatch request goes out then),
 * and each queue lets vehicles in while a lane has room, at most one per lane
 * per step. Nothing teleports: a vehicle that cannot enter waits.
 */
import { safeSpeed, boundSpeed } from './carFollowing.js';
import { TRIP_ACTIVE, TRIP_FUTURE, TRIP_WAITING } from './demand.js';
import { MOVING_SPEED_MPS } from './advance.js';
import { dispatchEmergency, EV_DISPATCHED, setRoute } from './emergency.js';
import { laneHasMovement, type SimState } from './state.js';

/** Trip k joins the insertion queue of road r. */
function enqueue(s: SimState, k: number, r: number): void {
  s.waitNext[k] = -1;
  if (s.waitTail[r]! >= 0) s.waitNext[s.waitTail[r]!] = k;
  else s.waitHead[r] = k;
  s.waitTail[r] = k;
  s.tripState[k] = TRIP_WAITING;
  s.scheduled++;
  s.waitingToEnter++;
}

/** The trips due by t (and before the end) join their origin's queue; an emergency vehicle is dispatched then. */
export function release(s: SimState, t: number): void {
  const tr = s.trips;
  while (s.nextTrip < tr.n && tr.departMs[s.nextTrip]! <= t && tr.departMs[s.nextTrip]! < s.durationMs) {
    const k = s.nextTrip++;
    if (s.tripState[k] !== TRIP_FUTURE) continue; // a spare emergency trip, released when it was asked for
    enqueue(s, k, tr.routeRoads[tr.routeOff[k]!]!);
    if (s.priority && tr.emergencyIdx[k]! >= 0) dispatchEmergency(s, k, t);
  }
}

/** Every origin's queue lets vehicles in while there is room. */
export function spawn(s: SimState): void {
  const origins = s.trips.originRoads;
  for (let i = 0; i < origins.length; i++) spawnAt(s, origins[i]!);
  for (let i = 0; i < s.extraOrigins.length; i++) spawnAt(s, s.extraOrigins[i]!);
}

/** Lets the vehicles waiting at road r's entry in while there is room. */
function spawnAt(s: SimState, r: number): void {
  while (s.waitHead[r]! >= 0) {
    const k = s.waitHead[r]!;
    if (!insert(s, k, r)) break;
    s.waitHead[r] = s.waitNext[k]!;
    if (s.waitHead[r]! < 0) s.waitTail[r] = -1;
  }
}

/** Puts trip k on a lane of road r if one has room; at most one vehicle enters a lane per step. */
function insert(s: SimState, k: number, r: number): boolean {
  const net = s.net;
  const tr = s.trips;
  const ty = tr.vtype[k]!;
  const off = tr.routeOff[k]!;
  const mv0 = tr.routeMoves[off]!;
  const minGap = s.tMinGap[ty]!;
  let best = -1;
  let bestSpace = -Infinity;
  const first = net.roadFirstLane[r]!;
  for (let lane = first; lane < first + net.roadLanes[r]!; lane++) {
    if (s.laneInsertStamp[lane] === s.steps) continue;
    if (mv0 >= 0 && !laneHasMovement(s.net, lane, mv0)) continue;
    const tl = s.veh.tail[lane]!;
    const space = tl >= 0 ? s.veh.vPos[tl]! - s.veh.vLen[tl]! : net.drvLengthM[lane]!;
    if (space < minGap) continue;
    if (space > bestSpace) {
      bestSpace = space;
      best = lane;
    }
  }
  if (best < 0) return false;
  const v = s.veh.alloc();
  const dt = s.stepMs / 1000;
  const tl = s.veh.tail[best]!;
  let speed = Math.min(s.tMaxSpeed[ty]!, net.drvSpeedMps[best]!);
  const departSpeed = tr.departSpeedMps[k]!;
  if (departSpeed < speed) speed = departSpeed; // NaN (not given) compares false
  if (tl >= 0) {
    speed = Math.min(
      speed,
      safeSpeed(bestSpace - minGap, s.veh.vSpeed[tl]!, s.tDecel[ty]!, s.tTau[ty]!),
      boundSpeed(bestSpace, s.veh.vSpeed[tl]!, s.tEmDecel[s.veh.vType[tl]!]!, s.tEmDecel[ty]!, dt),
    );
  }
  s.veh.vTrip[v] = k;
  s.veh.vDrv[v] = best;
  s.veh.vPos[v] = 0;
  s.veh.vSpeed[v] = speed;
  s.veh.vNew[v] = speed;
  s.veh.vRouteIdx[v] = 0;
  s.veh.vNextLink[v] = -1;
  s.veh.vType[v] = ty;
  s.veh.vLen[v] = s.tLen[ty]!;
  s.veh.vMinGap[v] = minGap;
  s.veh.vCommitted[v] = 0;
  s.veh.vMoving[v] = speed > MOVING_SPEED_MPS ? 1 : 0;
  s.veh.append(best, v);
  s.laneInsertStamp[best] = s.steps;
  s.tripState[k] = TRIP_ACTIVE;
  s.tripVeh[k] = v;
  s.tripEnterMs[k] = s.nowMs;
  s.waitingToEnter--;
  s.inNetwork++;
  s.entered++;
  return true;
}

/**
 * An emergency vehicle asked for while running (the live service): takes a
 * spare emergency trip (prepare's spareEmergency), dispatches it from
 * fromRoad to toRoad now, and lets it enter at fromRoad. The dispatch may
 * throw (an unreachable destination); then nothing has changed. Returns
 * false when no spare trip is left.
 */
export function addEmergency(s: SimState, id: string, priority: number, fromRoad: number, toRoad: number): boolean {
  const tr = s.trips;
  const e = tr.emergency.findIndex((x) => x.id === '' && tr.departMs[x.trip] === Infinity);
  if (e < 0 || !s.priority) return false;
  const k = tr.emergency[e]!.trip;
  const info = tr.emergency[e] as { id: string; priority: number; trip: number };
  const a = s.priority.dispatch({ ev: e, id, priority, fromRoad, toRoad, timeMs: s.nowMs });
  info.id = id;
  info.priority = priority;
  (tr.departMs as Float64Array)[k] = s.nowMs;
  setRoute(s, k, a);
  s.evReported[e] = EV_DISPATCHED;
  enqueue(s, k, fromRoad);
  if (!s.extraOrigins.includes(fromRoad) && !tr.originRoads.includes(fromRoad)) s.extraOrigins.push(fromRoad);
  return true;
}
