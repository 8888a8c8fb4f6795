/**
 * Trips into the network: those due are released into their origin road's
 * insertion queue (an emergency vehicle's dispatch request goes out then),
 * and each queue lets vehicles in while a lane has room, at most one per lane
 * per step. Nothing teleports: a vehicle that cannot enter waits.
 */
import { safeSpeed, boundSpeed } from './carFollowing.js';
import { DEPART_LANE_FIRST, DEPART_RANDOM_FREE, TRIP_ACTIVE, TRIP_DONE, TRIP_FUTURE, TRIP_WAITING } from './demand.js';
import { MOVING_SPEED_MPS } from './advance.js';
import { STOP_LINE_OFFSET_M } from './follow.js';
import { dispatchEmergency, EV_ARRIVAL_REPORTED, EV_DISPATCHED, setRoute } from './emergency.js';
import { enteredLane } from './laneChange.js';
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

/** A number in [0, 1) from the seed, the trip, the step and the attempt: the same run gives the same positions. */
function hash01(seed: number, k: number, step: number, attempt: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ k, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ step, 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ attempt, 0x27d4eb2f) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/**
 * Whether a standing vehicle of type ty fits with its front at x on `lane`:
 * its rear on the lane and clear of the vehicles entering from links, a gap of
 * its minGap to the vehicle ahead, and room for the vehicle behind to stop.
 */
/** The rearmost vehicle on `lane` whose front is beyond x (−1: none). */
function leaderAt(s: SimState, lane: number, x: number): number {
  let leader = -1;
  for (let w = s.veh.head[lane]!; w >= 0 && s.veh.vPos[w]! > x; w = s.veh.vBehind[w]!) leader = w;
  return leader;
}

function fitsAt(s: SimState, lane: number, x: number, ty: number): boolean {
  const len = s.tLen[ty]!;
  const rear = x - len;
  if (rear < 0) return false;
  const veh = s.veh;
  const leader = leaderAt(s, lane, x);
  if (leader >= 0 && veh.vPos[leader]! - veh.vLen[leader]! - x < s.tMinGap[ty]!) return false;
  const w = leader >= 0 ? veh.vBehind[leader]! : veh.head[lane]!;
  if (w >= 0) {
    const vf = veh.vSpeed[w]!;
    const tf = veh.vType[w]!;
    return rear - veh.vPos[w]! >= veh.vMinGap[w]! + vf * s.tTau[tf]! + (vf * vf) / (2 * s.tDecel[tf]!);
  }
  // nothing behind on the lane: keep clear of the vehicles on links heading into it
  return s.laneResN[lane] === 0 || rear >= s.laneResM[lane]! + 30;
}

/** SUMO's departPos="random_free": a few random front positions on the lane, then the free gaps from its front back; -1 when none. */
function freeSpot(s: SimState, lane: number, k: number, ty: number): number {
  // no further than where a vehicle stops for the signal: one past the lane's end would leave it at once
  const L = s.net.drvLengthM[lane]! - STOP_LINE_OFFSET_M - 0.1;
  const len = s.tLen[ty]!;
  if (L < len) return -1;
  for (let a = 0; a < 3; a++) {
    const x = len + hash01(s.seed, k, s.steps, a * 64 + lane) * (L - len);
    if (fitsAt(s, lane, x, ty)) return x;
  }
  const veh = s.veh;
  if (veh.head[lane]! < 0) return fitsAt(s, lane, L, ty) ? L : -1;
  if (fitsAt(s, lane, L, ty)) return L;
  for (let w = veh.head[lane]!; w >= 0; w = veh.vBehind[w]!) {
    const x = veh.vPos[w]! - veh.vLen[w]! - s.tMinGap[ty]!;
    if (fitsAt(s, lane, x, ty)) return x;
  }
  return -1;
}

/** departPos random_free: the first of the road's lanes serving the first movement (from a random one on) with a free spot. */
function insertFree(s: SimState, k: number, r: number, ty: number, mv0: number): boolean {
  const net = s.net;
  const first = net.roadFirstLane[r]!;
  const n = net.roadLanes[r]!;
  const start = Math.floor(hash01(s.seed, k, s.steps, 255) * n);
  const only = s.trips.departLane[k] === DEPART_LANE_FIRST ? firstLane(s, r, mv0) : -1;
  for (let i = 0; i < n; i++) {
    const lane = first + ((start + i) % n);
    if (only >= 0 && lane !== only) continue;
    if (s.laneInsertStamp[lane] === s.steps) continue;
    if (mv0 >= 0 && !laneHasMovement(net, lane, mv0)) continue;
    const x = freeSpot(s, lane, k, ty);
    if (x < 0) continue;
    const leader = leaderAt(s, lane, x);
    place(s, k, lane, x, leader, leader >= 0 ? s.veh.vPos[leader]! - s.veh.vLen[leader]! - x : Infinity);
    return true;
  }
  return false;
}

/**
 * departLane "first": the rightmost lane of road r (greenwave's last) that serves the first movement
 * mv0. SUMO's default puts every vehicle on the rightmost lane and lets it change lanes from there;
 * entering the rightmost lane it would change to is the same without the change at the start.
 */
function firstLane(s: SimState, r: number, mv0: number): number {
  const net = s.net;
  const first = net.roadFirstLane[r]!;
  for (let lane = first + net.roadLanes[r]! - 1; lane >= first; lane--) if (mv0 < 0 || laneHasMovement(net, lane, mv0)) return lane;
  return -1;
}

/** Puts trip k on a lane of road r if one has room; at most one vehicle enters a lane per step. */
function insert(s: SimState, k: number, r: number): boolean {
  const net = s.net;
  const tr = s.trips;
  const ty = tr.vtype[k]!;
  const off = tr.routeOff[k]!;
  const mv0 = tr.routeMoves[off]!;
  const minGap = s.tMinGap[ty]!;
  if (tr.departPos[k] === DEPART_RANDOM_FREE) return insertFree(s, k, r, ty, mv0);
  let best = -1;
  let bestSpace = -Infinity;
  const first = net.roadFirstLane[r]!;
  const only = tr.departLane[k] === DEPART_LANE_FIRST ? firstLane(s, r, mv0) : -1;
  for (let lane = first; lane < first + net.roadLanes[r]!; lane++) {
    if (only >= 0 && lane !== only) continue;
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
  place(s, k, best, 0, s.veh.tail[best]!, bestSpace);
  return true;
}

/** Trip k's vehicle onto `lane` with its front at x, behind `leader` (−1: none) whose rear is `gap` m ahead. */
function place(s: SimState, k: number, lane: number, x: number, leader: number, gap: number): void {
  const net = s.net;
  const tr = s.trips;
  const ty = tr.vtype[k]!;
  const minGap = s.tMinGap[ty]!;
  const v = s.veh.alloc();
  const dt = s.stepMs / 1000;
  let speed = Math.min(s.tMaxSpeed[ty]!, net.drvSpeedMps[lane]!);
  const departSpeed = tr.departSpeedMps[k]!;
  if (departSpeed < speed) speed = departSpeed; // NaN (not given) compares false
  // mid-lane (random_free) a vehicle enters standing: the one behind was checked for room to stop behind it, not to follow it
  if (x > 0) speed = 0;
  if (leader >= 0) {
    speed = Math.min(
      speed,
      safeSpeed(gap - minGap, s.veh.vSpeed[leader]!, s.tDecel[ty]!, s.tTau[ty]!),
      boundSpeed(gap, s.veh.vSpeed[leader]!, s.tEmDecel[s.veh.vType[leader]!]!, s.tEmDecel[ty]!, dt),
    );
  }
  s.veh.vTrip[v] = k;
  s.veh.vDrv[v] = lane;
  s.veh.vPos[v] = x;
  s.veh.vSpeed[v] = speed;
  s.veh.vNew[v] = speed;
  s.veh.vRouteIdx[v] = 0;
  s.veh.vNextLink[v] = -1;
  s.veh.vType[v] = ty;
  s.veh.vLen[v] = s.tLen[ty]!;
  s.veh.vMinGap[v] = minGap;
  s.veh.vCommitted[v] = 0;
  s.veh.vMoving[v] = speed > MOVING_SPEED_MPS ? 1 : 0;
  s.veh.vWrongLane[v] = 0;
  s.veh.append(lane, v);
  enteredLane(s, v, lane);
  s.laneInsertStamp[lane] = s.steps;
  s.tripState[k] = TRIP_ACTIVE;
  s.tripVeh[k] = v;
  s.tripEnterMs[k] = s.nowMs;
  s.waitingToEnter--;
  s.inNetwork++;
  s.entered++;
}

/**
 * An emergency vehicle asked for while running (the live service): takes a
 * spare emergency trip (prepare's spareEmergency) that was never used or
 * whose vehicle has arrived (its arrival reported to the engine), dispatches
 * it from fromRoad to toRoad now, and lets it enter at fromRoad. The
 * dispatch may throw (an unreachable destination); then nothing has
 * changed. Returns false when every spare trip is on the road.
 */
export function addEmergency(s: SimState, id: string, priority: number, fromRoad: number, toRoad: number): boolean {
  const tr = s.trips;
  let e = -1;
  for (let x = 0; x < tr.emergency.length && e < 0; x++) {
    const info = tr.emergency[x]!;
    if (!info.spare) continue;
    if (info.id === '' || (s.tripState[info.trip] === TRIP_DONE && s.evReported[x] === EV_ARRIVAL_REPORTED)) e = x;
  }
  if (e < 0 || !s.priority) return false;
  const k = tr.emergency[e]!.trip;
  const info = tr.emergency[e] as { id: string; priority: number; trip: number };
  const a = s.priority.dispatch({ ev: e, id, priority, fromRoad, toRoad, timeMs: s.nowMs });
  if (s.tripState[k] === TRIP_DONE) {
    // reused: its last vehicle's trip stays in the live figures
    s.reusedTrips++;
    s.reusedTravelMs += s.tripArriveMs[k]! - tr.departMs[k]!;
    s.tripArriveMs[k] = NaN;
    s.tripEnterMs[k] = NaN;
    s.tripStops[k] = 0;
  }
  info.id = id;
  info.priority = priority;
  (tr.departMs as Float64Array)[k] = s.nowMs;
  setRoute(s, k, a);
  s.evReported[e] = EV_DISPATCHED;
  enqueue(s, k, fromRoad);
  if (!s.extraOrigins.includes(fromRoad) && !tr.originRoads.includes(fromRoad)) s.extraOrigins.push(fromRoad);
  return true;
}
