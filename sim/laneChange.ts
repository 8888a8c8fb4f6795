/**
 * The step's lane-change phase: a vehicle on a lane from which its route
 * cannot go on (no link for the movement it takes at the lane's end, or
 * none into a lane that has the movement after) moves one lane towards the
 * nearest lane of its road that serves it, where the gap beside it is safe
 * for it and for the vehicle it moves in front of (SUMO's strategic lane
 * changes, looking two junctions ahead). Vehicle types with
 * laneChangeForSpeed also leave a lane whose vehicle ahead stands for a
 * freer neighbouring lane that serves their route as well (SUMO's
 * speed-gain changes; the SUMO importer sets it, greenwave's own drivers do
 * not). A vehicle that finds no gap beside a standing queue in the
 * lane it needs waits there for one, or stops behind that queue's last
 * vehicle, rather than driving on to the stop line of the wrong lane (SUMO's
 * drivers do the same: they fall in at the back of the queue they need). It
 * runs before follow, which applies those waits (applyHolds).
 *
 * greenwave's own networks never need it: a vehicle picks, at each
 * junction, a link into a lane from which its route goes on (follow.ts
 * chooseLink). Imported networks do: where every link of a movement ends on
 * one lane of the next road, the vehicles whose next turn is served only by
 * another lane must change along the road, or they stand at the stop line of
 * the wrong lane and block those behind them (arterial4x4's avenues). A
 * vehicle that found no gap before the stop line still takes the
 * neighbouring lane's link there (follow.ts sideLink).
 */
import { boundSpeed, safeSpeed } from './carFollowing.js';
import { HALTING_SPEED_MPS } from './detectors.js';
import { laneHasMovement, type SimState } from './state.js';

/** Room kept behind a vehicle changing into a lane's first metres, when vehicles are on links heading into that lane (m). */
const LINK_ENTRY_ROOM_M = 10;

/** Vehicle v has just entered lane d (from a link, or inserted): whether it will want to change lanes there (vWrongLane). */
export function enteredLane(s: SimState, v: number, d: number): void {
  const tr = s.trips;
  const veh = s.veh;
  const trip = veh.vTrip[v]!;
  const k = veh.vRouteIdx[v]!;
  const len = tr.routeLen[trip]!;
  let wrong = 0;
  if (k < len - 1 && s.net.roadLanes[s.net.laneRoad[d]!]! > 1) {
    const off = tr.routeOff[trip]!;
    if (!serves(s, d, tr.routeMoves[off + k]!, k + 2 < len ? tr.routeMoves[off + k + 1]! : -1)) wrong = 1;
  }
  s.wrongLaneN += wrong - veh.vWrongLane[v]!;
  veh.vWrongLane[v] = wrong;
}

/** Vehicle v leaves its lane (onto a link, or out of the network). */
export function leftLane(s: SimState, v: number): void {
  s.wrongLaneN -= s.veh.vWrongLane[v]!;
  s.veh.vWrongLane[v] = 0;
}

/** Moves the vehicles in a lane that does not serve their route one lane towards one that does, where the gap allows. */
export function changeLanes(s: SimState): void {
  s.laneHoldN = 0;
  if (s.wrongLaneN === 0 && !s.speedLc) return;
  const net = s.net;
  const veh = s.veh;
  const tr = s.trips;
  const occupied = veh.occupied;
  const nLanes = net.nLanes;
  let n = 0;
  // Candidates first (each vehicle at most once a step), then each change checked against the lanes as they are then.
  for (let w = 0; w < occupied.length && w << 5 < nLanes; w++) {
    for (let bits = occupied[w]!; bits !== 0; bits &= bits - 1) {
      const d = (w << 5) + (31 - Math.clz32(bits & -bits));
      if (d >= nLanes) break;
      for (let v = veh.head[d]!; v >= 0; v = veh.vBehind[v]!) {
        const wrong = veh.vWrongLane[v] === 1;
        if (!wrong && s.tSpeedLc[veh.vType[v]!] === 0) continue;
        const trip = veh.vTrip[v]!;
        const k = veh.vRouteIdx[v]!;
        const len = tr.routeLen[trip]!;
        if (k >= len - 1) continue;
        const off = tr.routeOff[trip]!;
        const mv = tr.routeMoves[off + k]!;
        const mvNext = k + 2 < len ? tr.routeMoves[off + k + 1]! : -1;
        const T = wrong ? towards(s, d, mv, mvNext) : faster(s, v, d, mv, mvNext);
        if (T < 0) continue;
        if (n + 2 > s.laneChangeScratch.length) s.laneChangeScratch = growInt32(s.laneChangeScratch);
        s.laneChangeScratch[n++] = v;
        s.laneChangeScratch[n++] = T;
      }
    }
  }
  const c = s.laneChangeScratch;
  for (let i = 0; i < n; i += 2) {
    const v = c[i]!;
    const T = c[i + 1]!;
    if (!fits(s, v, T)) {
      // (a speed-gain change that does not fit is simply not made)
      if (veh.vWrongLane[v] === 1) hold(s, v, T);
      continue;
    }
    veh.remove(veh.vDrv[v]!, v);
    veh.append(T, v);
    veh.vNextLink[v] = -1;
    enteredLane(s, v, T);
    s.laneChanges++;
  }
}

/** Speed-gain changes: the vehicle's own leader stands within SPEED_LC_NEAR_M, and the neighbouring lane offers SPEED_LC_GAIN_M more room ahead. */
export const SPEED_LC_NEAR_M = 30;
export const SPEED_LC_GAIN_M = 20;

/**
 * A speed-gain change (vehicle types with laneChangeForSpeed): where v's
 * vehicle ahead stands close, a neighbouring lane that also serves its route
 * (serves) with no vehicle ahead of v, or one SPEED_LC_GAIN_M further on
 * (SUMO's drivers leave a queue for a freer lane); −1: none.
 */
function faster(s: SimState, v: number, d: number, mv: number, mvNext: number): number {
  const veh = s.veh;
  const net = s.net;
  const lead = veh.vAhead[v]!;
  if (lead < 0 || veh.vSpeed[lead]! >= HALTING_SPEED_MPS) return -1;
  const x = veh.vPos[v]!;
  const room = veh.vPos[lead]! - veh.vLen[lead]! - x;
  if (room > SPEED_LC_NEAR_M) return -1;
  const r = net.laneRoad[d]!;
  const first = net.roadFirstLane[r]!;
  const end = first + net.roadLanes[r]!;
  for (let T = d - 1; T <= d + 1; T += 2) {
    if (T < first || T >= end || !serves(s, T, mv, mvNext)) continue;
    const leader = aheadOf(s, T, x);
    if (leader < 0 || veh.vPos[leader]! - veh.vLen[leader]! - x > room + SPEED_LC_GAIN_M) return T;
  }
  return -1;
}

/**
 * Vehicle v found no gap on lane T. Where T's vehicle ahead of it stands (a
 * queue), v goes no further than behind that vehicle's rear: it stops there
 * (or at once, beside the queue) and changes when a gap opens.
 */
function hold(s: SimState, v: number, T: number): void {
  const veh = s.veh;
  const x = veh.vPos[v]!;
  const leader = aheadOf(s, T, x);
  // (not behind one that wants to change lanes itself: two side by side, each wanting the other's lane, would wait for ever)
  if (leader < 0 || veh.vSpeed[leader]! >= HALTING_SPEED_MPS || veh.vWrongLane[leader] === 1) return;
  if (s.laneHoldN >= s.laneHoldVeh.length) {
    s.laneHoldVeh = growInt32(s.laneHoldVeh);
    const p = new Float64Array(s.laneHoldVeh.length);
    p.set(s.laneHoldAtM);
    s.laneHoldAtM = p;
  }
  s.laneHoldVeh[s.laneHoldN] = v;
  s.laneHoldAtM[s.laneHoldN++] = veh.vPos[leader]! - veh.vLen[leader]! - veh.vMinGap[v]!;
}

/** Follow's last word for the vehicles hold() stopped: no further than their waiting point. */
export function applyHolds(s: SimState): void {
  const veh = s.veh;
  const dt = s.stepMs / 1000;
  for (let i = 0; i < s.laneHoldN; i++) {
    const v = s.laneHoldVeh[i]!;
    const ty = veh.vType[v]!;
    const gap = s.laneHoldAtM[i]! - veh.vPos[v]!;
    const stop = Math.min(safeSpeed(gap, 0, s.tDecel[ty]!, s.tTau[ty]!), boundSpeed(Math.max(gap, 0) + 0.01, 0, 1, s.tEmDecel[ty]!, dt));
    // braking normally at most: a vehicle already beside the queue stops where it can
    veh.vNew[v] = Math.min(veh.vNew[v]!, Math.max(stop, veh.vSpeed[v]! - s.tDecel[ty]! * dt, 0));
  }
}

/**
 * Whether lane d takes a vehicle on: a link for movement mv into a lane from
 * which its route's next movement mvNext (−1: none, the route ends there)
 * has a link too.
 */
function serves(s: SimState, d: number, mv: number, mvNext: number): boolean {
  const net = s.net;
  for (let q = net.laneOutStart[d]!; q < net.laneOutStart[d + 1]!; q++) {
    const k = net.laneOut[q]! - net.nLanes;
    if (net.linkMov[k] === mv && (mvNext < 0 || laneHasMovement(net, net.linkToLane[k]!, mvNext))) return true;
  }
  return false;
}

/**
 * The lane next to d towards the nearest lane of d's road that serves the
 * vehicle (serves); where none does, towards the nearest with a link for mv
 * when d has none (−1: no change helps).
 */
function towards(s: SimState, d: number, mv: number, mvNext: number): number {
  const net = s.net;
  const r = net.laneRoad[d]!;
  const first = net.roadFirstLane[r]!;
  const end = first + net.roadLanes[r]!;
  let best = -1;
  let bestShift = Infinity;
  for (let l = first; l < end; l++) {
    const shift = Math.abs(l - d);
    if (l !== d && shift < bestShift && serves(s, l, mv, mvNext)) {
      bestShift = shift;
      best = l;
    }
  }
  if (best < 0 && !laneHasMovement(net, d, mv))
    for (let l = first; l < end; l++) {
      const shift = Math.abs(l - d);
      if (l !== d && shift < bestShift && laneHasMovement(net, l, mv)) {
        bestShift = shift;
        best = l;
      }
    }
  return best < 0 ? -1 : best > d ? d + 1 : d - 1;
}

/**
 * Whether vehicle v fits on lane T beside its position: its front far enough
 * behind T's vehicle ahead to follow it (braking normally), its rear far
 * enough ahead of T's vehicle behind for that one to follow it, and clear of
 * vehicles about to enter T from links.
 */
function fits(s: SimState, v: number, T: number): boolean {
  const veh = s.veh;
  const dt = s.stepMs / 1000;
  const x = veh.vPos[v]!;
  const rear = x - veh.vLen[v]!;
  const ty = veh.vType[v]!;
  const leader = aheadOf(s, T, x);
  const follower = leader >= 0 ? veh.vBehind[leader]! : veh.head[T]!;
  const speed = veh.vSpeed[v]!;
  if (leader >= 0) {
    const gap = veh.vPos[leader]! - veh.vLen[leader]! - x - veh.vMinGap[v]!;
    if (gap < 0 || safeSpeed(gap, veh.vSpeed[leader]!, s.tDecel[ty]!, s.tTau[ty]!) < speed - s.tDecel[ty]! * dt) return false;
  }
  if (follower >= 0) {
    const fty = veh.vType[follower]!;
    const gap = rear - veh.vPos[follower]! - veh.vMinGap[follower]!;
    if (gap < 0 || safeSpeed(gap, speed, s.tDecel[fty]!, s.tTau[fty]!) < veh.vSpeed[follower]! - s.tDecel[fty]! * dt) return false;
  } else if (s.laneResN[T]! > 0 && rear < s.laneResM[T]! + LINK_ENTRY_ROOM_M) return false;
  return true;
}

/** The rearmost vehicle on lane T whose front is at or beyond x (−1: none); the one behind it, or T's front vehicle when none is, is the vehicle behind x. */
function aheadOf(s: SimState, T: number, x: number): number {
  const veh = s.veh;
  let w = veh.tail[T]!;
  while (w >= 0 && veh.vPos[w]! < x) w = veh.vAhead[w]!;
  return w;
}

function growInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(Math.max(64, a.length * 2));
  b.set(a);
  return b;
}
