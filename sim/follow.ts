/**
 * The step's decide phase: every vehicle's next speed from the state at t
 * (Krauss car-following behind its leader, the lane ahead and its merges,
 * the stop line: signal, yellow dilemma, permitted movements that yield, no
 * blocking the box). It writes only vNew (and a vehicle's chosen link and
 * yellow commitment); advance applies the speeds.
 */
import { GREEN, PERMITTED, YELLOW } from '../engine/signals/index.js';
import { approachSpeed, boundSpeed, safeSpeed } from './carFollowing.js';
import { HALTING_SPEED_MPS } from './detectors.js';
import { laneHasMovement, type SimState } from './state.js';
import { COMMITTED_ON_YELLOW, RAN_RED } from './vehicles.js';

/** Vehicles stop with their front this far before the stop line (m). */
export const STOP_LINE_OFFSET_M = 1.5;
/** A driver standing at the stop line starts this long after the green appears (perception-reaction, s). */
export const START_REACTION_S = 1.5;

/**
 * Yellow: a driver stops if it can do so at the ITE comfortable deceleration
 * (3.05 m/s²) and is more than YELLOW_GO_TTSL_S from the stop line at its
 * speed; otherwise it is committed and proceeds (it reaches the line within
 * the yellow, which the ITE formula sizes for exactly this).
 */
export const YELLOW_STOP_DECEL_MPS2 = 3.05;
export const YELLOW_GO_TTSL_S = 2;

/**
 * Permitted movements: a vehicle waits for a gap when a vehicle with right of
 * way would reach its stop line within CRITICAL_GAP_S (or stands within
 * YIELD_NEAR_M of it on green), or one is inside the intersection on a
 * conflicting path. 4.5 s is in the range of HCM critical gaps for turns.
 */
export const CRITICAL_GAP_S = 4.5;
export const YIELD_NEAR_M = 10;

/** A vehicle taking a neighbouring lane's link at the stop line (sideLink) reaches the line at no more than this (m/s). */
export const SIDE_LINK_SPEED_MPS = 3;

// The helpers below lower vNew[v], the speed being decided for v, in place: returning a
// double from a function that is not inlined would allocate a heap number per call.

/**
 * Chooses the lane link a vehicle on `lane` takes: to an exit lane from which
 * its route continues, preferring the smallest sideways shift, then the
 * emptier lane.
 */
export function chooseLink(s: SimState, v: number, lane: number): number {
  const net = s.net;
  const tr = s.trips;
  const trip = s.veh.vTrip[v]!;
  const off = tr.routeOff[trip]!;
  const k = s.veh.vRouteIdx[v]!;
  const mv = tr.routeMoves[off + k]!;
  const mvNext = k + 2 < tr.routeLen[trip]! ? tr.routeMoves[off + k + 1]! : -1;
  const li = net.laneIndex[lane]!;
  let best = -1;
  let bestScore = Infinity;
  for (let q = net.laneOutStart[lane]!; q < net.laneOutStart[lane + 1]!; q++) {
    const link = net.laneOut[q]!;
    if (net.linkMov[link - net.nLanes] !== mv) continue;
    const T = net.linkToLane[link - net.nLanes]!;
    // Route first, then the least sideways shift (vehicles keep their lane through the box), then the emptier lane.
    let score = 2 * Math.abs(net.laneIndex[T]! - li) + 0.5 * (s.veh.count[T]! + s.laneResN[T]!);
    if (mvNext >= 0 && !laneHasMovement(s.net, T, mvNext)) score += 1e9;
    if (score < bestScore) {
      bestScore = score;
      best = link;
    }
  }
  return best >= 0 ? best : sideLink(s, lane, mv, li);
}

/**
 * No link of `lane` serves movement mv (its route needs another lane of the
 * road, and the vehicle found no gap to change into it along the road,
 * sim/laneChange.ts): the link
 * of mv from the nearest lane of the same road, taken as a lane change at the
 * stop line (counted in SimState.lateLaneChanges). Imported networks (SUMO)
 * can need it; greenwave's own never do.
 */
function sideLink(s: SimState, lane: number, mv: number, li: number): number {
  const net = s.net;
  const r = net.laneRoad[lane]!;
  let best = -1;
  let bestShift = Infinity;
  for (let l = net.roadFirstLane[r]!; l < net.roadFirstLane[r]! + net.roadLanes[r]!; l++)
    for (let q = net.laneOutStart[l]!; q < net.laneOutStart[l + 1]!; q++) {
      const link = net.laneOut[q]!;
      if (net.linkMov[link - net.nLanes] !== mv) continue;
      const shift = Math.abs(net.laneIndex[l]! - li);
      if (shift < bestShift) {
        bestShift = shift;
        best = link;
      }
    }
  if (best < 0) throw new Error(`no lane of road ${net.roadIds[r]} serves movement ${mv}`);
  s.lateLaneChanges++;
  return best;
}

/**
 * Constrains a head vehicle entering lane T at distance D (m, from its front
 * to T's start), coming through link `via`: T's last vehicle, T's speed
 * limit, and vehicles on other links into T that are nearer the merge point.
 */
function intoLane(s: SimState, v: number, T: number, via: number): void {
  const D = s.distScratch[0]!;
  const ty = s.veh.vType[v]!;
  const b = s.tDecel[ty]!;
  const tau = s.tTau[ty]!;
  const minGap = s.veh.vMinGap[v]!;
  const eD = s.tEmDecel[ty]!;
  const dt = s.stepMs / 1000;
  const net = s.net;
  let vn = s.veh.vNew[v]!;
  vn = Math.min(vn, approachSpeed(D, Math.min(net.drvSpeedMps[T]!, s.tMaxSpeed[ty]!), b, dt));
  const tl = s.veh.tail[T]!;
  if (tl >= 0) {
    const gap = D + s.veh.vPos[tl]! - s.veh.vLen[tl]!;
    vn = Math.min(vn, safeSpeed(gap - minGap, s.veh.vSpeed[tl]!, b, tau), boundSpeed(gap, s.veh.vSpeed[tl]!, s.tEmDecel[s.veh.vType[tl]!]!, eD, dt));
  }
  // T shorter than the stopping distance (imported nets' few-metre edges): its stop line is in
  // reach before the vehicle is on T, where stopLine would see it too late.
  const LT = net.drvLengthM[T]!;
  const speed = s.veh.vSpeed[v]!;
  if (D + LT < speed * (tau + dt) + (speed * speed) / (2 * b) + STOP_LINE_OFFSET_M + 2) {
    vn = Math.min(vn, beyondShortLane(s, v, D + LT, b, tau));
    // and, T being empty, the last vehicle on the link it will take from T (it may cross T in one step)
    if (tl < 0) vn = Math.min(vn, leaderBeyondShortLane(s, v, T, D + LT, minGap, b, tau, eD, dt));
  }
  const i1 = net.laneInStart[T + 1]!;
  for (let q = net.laneInStart[T]!; q < i1; q++) {
    const other = net.laneIn[q]!;
    if (other === via) continue;
    const L = net.drvLengthM[other]!;
    // The rearmost vehicle on the other link that is nearer the merge than v.
    for (let w = s.veh.tail[other]!; w >= 0; w = s.veh.vAhead[w]!) {
      const dw = L - s.veh.vPos[w]!;
      if (dw < D || (dw === D && other < via)) {
        const gap = D - dw - s.veh.vLen[w]!;
        vn = Math.min(vn, safeSpeed(gap - minGap, s.veh.vSpeed[w]!, b, tau), boundSpeed(gap, s.veh.vSpeed[w]!, s.tEmDecel[s.veh.vType[w]!]!, eD, dt));
        break;
      }
    }
  }
  s.veh.vNew[v] = vn;
}

/**
 * The speed that stops vehicle v at the stop line of the short lane ahead of it (its end `distEnd`
 * away) when the movement it takes there is red, or yellow and it can still stop comfortably;
 * Infinity otherwise (green, permitted, committed, or the lane is the route's last).
 */
function beyondShortLane(s: SimState, v: number, distEnd: number, b: number, tau: number): number {
  const tr = s.trips;
  const trip = s.veh.vTrip[v]!;
  const k = s.veh.vRouteIdx[v]! + 1; // the route index of the lane ahead
  if (k >= tr.routeLen[trip]! - 1) return Infinity;
  const st = s.signals.movState[tr.routeMoves[tr.routeOff[trip]! + k]!];
  if (st === GREEN || st === PERMITTED) return Infinity;
  const speed = s.veh.vSpeed[v]!;
  if (st === YELLOW && speed * speed > 2 * Math.min(b, YELLOW_STOP_DECEL_MPS2) * Math.max(distEnd, 0)) return Infinity; // too close to stop: it goes
  return safeSpeed(distEnd - STOP_LINE_OFFSET_M, 0, b, tau);
}

/**
 * The speed that keeps vehicle v behind the last vehicle on the links out of the short, empty lane T
 * ahead of it (T's end `distEnd` away) that serve its movement there; Infinity when there are none.
 */
function leaderBeyondShortLane(s: SimState, v: number, T: number, distEnd: number, minGap: number, b: number, tau: number, eD: number, dt: number): number {
  const net = s.net;
  const tr = s.trips;
  const trip = s.veh.vTrip[v]!;
  const k = s.veh.vRouteIdx[v]! + 1; // the route index of T
  if (k >= tr.routeLen[trip]! - 1) return Infinity;
  const mv = tr.routeMoves[tr.routeOff[trip]! + k]!;
  let vn = Infinity;
  for (let q = net.laneOutStart[T]!; q < net.laneOutStart[T + 1]!; q++) {
    const link = net.laneOut[q]!;
    if (net.linkMov[link - net.nLanes] !== mv) continue;
    const w = s.veh.tail[link]!;
    if (w < 0) continue;
    const gap = distEnd + s.veh.vPos[w]! - s.veh.vLen[w]!;
    vn = Math.min(vn, safeSpeed(gap - minGap, s.veh.vSpeed[w]!, b, tau), boundSpeed(gap, s.veh.vSpeed[w]!, s.tEmDecel[s.veh.vType[w]!]!, eD, dt));
  }
  return vn;
}

/** Constraints ahead of the front vehicle of drivable d (nothing ahead of it on d). */
function lookahead(s: SimState, v: number, d: number): void {
  const net = s.net;
  const nLanes = net.nLanes;
  const dist = net.drvLengthM[d]! - s.veh.vPos[v]!;
  if (d >= nLanes) {
    s.distScratch[0] = dist;
    intoLane(s, v, net.linkToLane[d - nLanes]!, d);
    const W = net.linkWaitM[d - nLanes]!;
    if (W > 0 && s.veh.vPos[v]! < W) waitInside(s, v, d, W);
    return;
  }
  const trip = s.veh.vTrip[v]!;
  if (s.veh.vRouteIdx[v]! >= s.trips.routeLen[trip]! - 1) return; // leaves the network at the lane end
  let link = s.veh.vNextLink[v]!;
  if (link < 0) s.veh.vNextLink[v] = link = chooseLink(s, v, d);
  const ty = s.veh.vType[v]!;
  const b = s.tDecel[ty]!;
  const tau = s.tTau[ty]!;
  const dt = s.stepMs / 1000;
  // slow down for the turn; to a crawl for a neighbouring lane's link (sideLink), so that it can still
  // stop for that lane's own front vehicle at the line (sideBlocked)
  const side = net.linkFromLane[link - nLanes] !== d;
  let vn = Math.min(s.veh.vNew[v]!, approachSpeed(dist, side ? Math.min(SIDE_LINK_SPEED_MPS, net.drvSpeedMps[link]!) : net.drvSpeedMps[link]!, b, dt));
  const tl = s.veh.tail[link]!;
  if (tl >= 0) {
    const gap = dist + s.veh.vPos[tl]! - s.veh.vLen[tl]!;
    vn = Math.min(
      vn,
      safeSpeed(gap - s.veh.vMinGap[v]!, s.veh.vSpeed[tl]!, b, tau),
      boundSpeed(gap, s.veh.vSpeed[tl]!, s.tEmDecel[s.veh.vType[tl]!]!, s.tEmDecel[ty]!, dt),
    );
    s.veh.vNew[v] = vn;
    return;
  }
  s.veh.vNew[v] = vn;
  s.distScratch[0] = dist + net.drvLengthM[link]!;
  intoLane(s, v, net.linkToLane[link - nLanes]!, link);
}

/** The stop line of lane d, at distEnd ahead of vehicle v: signal, yellow dilemma, and no blocking the box. */
function stopLine(s: SimState, v: number, d: number): void {
  const distEnd = s.net.drvLengthM[d]! - s.veh.vPos[v]!;
  const tr = s.trips;
  const trip = s.veh.vTrip[v]!;
  const k = s.veh.vRouteIdx[v]!;
  if (k >= tr.routeLen[trip]! - 1) return;
  const net = s.net;
  const mv = tr.routeMoves[tr.routeOff[trip]! + k]!;
  const st = s.signals.movState[mv];
  const ty = s.veh.vType[v]!;
  const b = s.tDecel[ty]!;
  const speed = s.veh.vSpeed[v]!;
  const canStop = speed * speed <= 2 * b * Math.max(distEnd, 0) + 1e-9;
  const green = st === GREEN || st === PERMITTED;
  let stopAt = distEnd - STOP_LINE_OFFSET_M;
  if (green && speed < 0.1 && s.nowMs - s.signals.movGreenSinceMs[mv]! < START_REACTION_S * 1000) {
    // still reacting to the green
  } else if (st === PERMITTED && canStop && mustYield(s, mv, false)) {
    // A permitted movement waits for a gap in the conflicting traffic: at the line, or, where the link
    // has a waiting point inside the intersection (SUMO's internal junction), there, one vehicle at a
    // time, when the exit lane has room; it clears the intersection when its movement's green ends.
    let link = s.veh.vNextLink[v]!;
    if (link < 0 && waitsInside(s, d, mv)) s.veh.vNextLink[v] = link = chooseLink(s, v, d);
    const W = link >= 0 ? net.linkWaitM[link - net.nLanes]! : 0;
    if (W >= s.veh.vLen[v]! && s.veh.head[link]! < 0 && exitRoom(s, v, net.linkToLane[link - net.nLanes]!)) stopAt = distEnd + W - 0.5;
  } else if (green) {
    let link = s.veh.vNextLink[v]!;
    if (link < 0) s.veh.vNextLink[v] = link = chooseLink(s, v, d);
    // Don't block the box: enter only if the exit lane has room, or its last vehicle is moving away.
    // A vehicle taking another lane's link (sideLink) first lets that lane's own front vehicle go.
    if (!canStop || (exitRoom(s, v, net.linkToLane[link - net.nLanes]!) && !sideBlocked(s, link, d))) return;
  } else if (st === YELLOW) {
    // A vehicle taking a neighbouring lane's link (sideLink) crawls to the line: it goes on yellow only
    // when it cannot stop, and then still lets that lane's own front vehicle go first where it can stop.
    const link = s.veh.vNextLink[v]!;
    const side = link >= 0 && net.linkFromLane[link - net.nLanes] !== d;
    const zip = side && canStop && sideBlocked(s, link, d);
    if (s.veh.vCommitted[v] !== 0) {
      if (!zip) return;
    } else {
      const stopDecel = b < YELLOW_STOP_DECEL_MPS2 ? b : YELLOW_STOP_DECEL_MPS2;
      const close = !side && speed >= 1 && distEnd <= YELLOW_GO_TTSL_S * speed;
      if (close || speed * speed > 2 * stopDecel * Math.max(distEnd, 0)) {
        s.veh.vCommitted[v] = COMMITTED_ON_YELLOW;
        if (!zip) return;
      }
    }
  } else if (s.veh.vCommitted[v] !== 0 && !canStop) {
    return;
  } else if (speed * speed > 2 * s.tEmDecel[ty]! * Math.max(distEnd, 0) + 1e-9) {
    // Cannot stop even with emergency braking (cannot happen with ITE yellows): it runs the red.
    if (s.veh.vCommitted[v] !== RAN_RED) {
      s.veh.vCommitted[v] = RAN_RED;
      s.redRunning++;
    }
    return;
  }
  const dt = s.stepMs / 1000;
  s.veh.vNew[v] = Math.min(s.veh.vNew[v]!, safeSpeed(stopAt, 0, b, s.tTau[ty]!), boundSpeed(Math.max(stopAt, 0) + 0.01, 0, 1, s.tEmDecel[ty]!, dt));
}

/**
 * For a vehicle on lane d about to take `link` from a neighbouring lane (sideLink): whether that
 * lane's own front vehicle is coming and within 2 s (or 10 m) of its stop line, or the link's last vehicle has
 * not yet cleared its first metres. It waits for them (a zip at the stop line), so that two vehicles
 * never enter one link together.
 */
function sideBlocked(s: SimState, link: number, d: number): boolean {
  const net = s.net;
  const from = net.linkFromLane[link - net.nLanes]!;
  if (from === d) return false;
  const h = s.veh.head[from]!;
  // only a front vehicle that is coming (moving, or bound for this very link): one standing for another movement is not waited for
  if (h >= 0 && (s.veh.vSpeed[h]! >= 1 || s.veh.vNextLink[h] === link) && net.drvLengthM[from]! - s.veh.vPos[h]! < Math.max(10, 2 * s.veh.vSpeed[h]!)) return true;
  const tl = s.veh.tail[link]!;
  return tl >= 0 && s.veh.vPos[tl]! - s.veh.vLen[tl]! < 1;
}

/**
 * Whether exit lane T has room for vehicle v, or its last vehicle is moving away. An exit lane too
 * short to ever hold the vehicle (an imported net's few-metre edge between two junctions of one
 * signal) has room when it is empty: demanding more there would wait forever.
 */
function exitRoom(s: SimState, v: number, T: number): boolean {
  const tl = s.veh.tail[T]!;
  const need = s.veh.vLen[v]! + s.veh.vMinGap[v]!;
  const L = s.net.drvLengthM[T]!;
  const room = (tl >= 0 ? s.veh.vPos[tl]! - s.veh.vLen[tl]! : L) - s.laneResM[T]!;
  if (room >= need || (tl >= 0 && s.veh.vSpeed[tl]! >= HALTING_SPEED_MPS)) return true;
  return tl < 0 && s.laneResN[T] === 0 && L < need;
}

/** True when some link of movement mv out of lane d has a waiting point inside the intersection. */
function waitsInside(s: SimState, d: number, mv: number): boolean {
  const net = s.net;
  for (let q = net.laneOutStart[d]!; q < net.laneOutStart[d + 1]!; q++) {
    const k = net.laneOut[q]! - net.nLanes;
    if (net.linkMov[k] === mv && net.linkWaitM[k]! > 0) return true;
  }
  return false;
}

/**
 * A vehicle at its link's waiting point inside the intersection (linkWaitM) stays there while its
 * movement is permitted and it must yield; protected, or once its green has ended, it goes on.
 */
function waitInside(s: SimState, v: number, link: number, W: number): void {
  const mv = s.net.linkMov[link - s.net.nLanes]!;
  if (s.signals.movState[mv] !== PERMITTED || !mustYield(s, mv, true)) return;
  const ty = s.veh.vType[v]!;
  const gap = Math.max(W - s.veh.vPos[v]!, 0);
  s.veh.vNew[v] = Math.min(s.veh.vNew[v]!, safeSpeed(gap, 0, s.tDecel[ty]!, s.tTau[ty]!), boundSpeed(gap + 0.01, 0, 1, s.tEmDecel[ty]!, s.stepMs / 1000));
}

/**
 * Whether a vehicle on permitted movement mv must wait: a vehicle of a
 * conflicting movement is inside the intersection, or one with right of way
 * (protected green, or yellow and moving) will reach its stop line within the
 * critical gap (or stands at it, about to go on green). `inside`: the vehicle
 * waits inside the intersection, where other permitted movements' vehicles
 * waiting there do not hold it (two of them would wait for each other).
 */
function mustYield(s: SimState, mv: number, inside: boolean): boolean {
  const net = s.net;
  const tr = s.trips;
  const state = s.signals.movState;
  const nLanes = net.nLanes;
  for (let q = net.movConfStart[mv]!; q < net.movConfStart[mv + 1]!; q++) {
    const c = net.movConf[q]!;
    const sc = state[c];
    if (!inside || sc !== PERMITTED) for (let k = net.movLinkStart[c]!; k < net.movLinkStart[c + 1]!; k++) if (s.veh.head[nLanes + k]! >= 0) return true;
    if (sc !== GREEN && sc !== YELLOW) continue;
    for (let q2 = net.movLaneStart[c]!; q2 < net.movLaneStart[c + 1]!; q2++) {
      const lane = net.movLanes[q2]!;
      const L = net.drvLengthM[lane]!;
      // the first vehicle on that lane that takes movement c (look at the first few only)
      let n = 0;
      for (let w = s.veh.head[lane]!; w >= 0 && n < 3; w = s.veh.vBehind[w]!, n++) {
        const wt = s.veh.vTrip[w]!;
        const ri = s.veh.vRouteIdx[w]!;
        if (ri >= tr.routeLen[wt]! - 1 || tr.routeMoves[tr.routeOff[wt]! + ri] !== c) continue;
        const dist = L - s.veh.vPos[w]!;
        const speed = s.veh.vSpeed[w]!;
        if (sc === GREEN ? dist <= Math.max(YIELD_NEAR_M, speed * CRITICAL_GAP_S) : speed >= 1 && dist <= speed * CRITICAL_GAP_S) return true;
        break;
      }
    }
  }
  return false;
}

export function follow(s: SimState): void {
  const net = s.net;
  const nLanes = net.nLanes;
  const dt = s.stepMs / 1000;
  const head = s.veh.head;
  const vPos = s.veh.vPos;
  const vSpeed = s.veh.vSpeed;
  const vLen = s.veh.vLen;
  const vType = s.veh.vType;
  const vBehind = s.veh.vBehind;
  const vNew = s.veh.vNew;
  const tMaxSpeed = s.tMaxSpeed;
  const tAccel = s.tAccel;
  const tDecel = s.tDecel;
  const tEmDecel = s.tEmDecel;
  const tTau = s.tTau;
  const tSigma = s.tSigma;
  const vMinGap = s.veh.vMinGap;
  const occupied = s.veh.occupied;
  for (let w = 0; w < occupied.length; w++) {
    for (let bits = occupied[w]!; bits !== 0; bits &= bits - 1) {
    const d = (w << 5) + (31 - Math.clz32(bits & -bits));
    let v = head[d]!;
    const L = net.drvLengthM[d]!;
    const limit = net.drvSpeedMps[d]!;
    const isLane = d < nLanes;
    let leader = -1;
    while (v >= 0) {
      const ty = vType[v]!;
      const speed = vSpeed[v]!;
      const pos = vPos[v]!;
      const a = tAccel[ty]!;
      const b = tDecel[ty]!;
      const tau = tTau[ty]!;
      let vn = tMaxSpeed[ty]! < limit ? tMaxSpeed[ty]! : limit;
      const up = speed + a * dt;
      if (up < vn) vn = up;
      const minGap = vMinGap[v]!;
      const eD = tEmDecel[ty]!;
      if (leader >= 0) {
        const gap = vPos[leader]! - vLen[leader]! - pos;
        const vl = vSpeed[leader]!;
        // Krauss safe speed (inlined safeSpeed); it cannot bind when the follower could stop
        // within the gap from vn even behind a standing leader: vn·τ + vn²/2b ≤ gap − minGap.
        if (vn * tau + (vn * vn) / (2 * b) > gap - minGap) {
          const bt = b * tau;
          const arg = bt * bt + vl * vl + 2 * b * (gap - minGap);
          const vs = arg > 0 ? -bt + Math.sqrt(arg) : 0;
          if (vs < vn) vn = vs;
        }
        // Emergency bound: it can still stop if the leader brakes at its limit. Skipped when it
        // could stop within the gap even behind a leader that stopped dead (an upper bound of its
        // Euler stopping distance is 1.5·v·dt + v²/2d).
        if (1.5 * vn * dt + (vn * vn) / (2 * eD) > gap - 0.01) {
          // boundSpeed, inlined: the leader's Euler stopping distance, then the follower's
          const dvl = tEmDecel[vType[leader]!]! * dt;
          const nl = Math.floor(vl / dvl);
          const budget = gap - 0.01 + dt * (nl * vl - (dvl * nl * (nl + 1)) / 2);
          let vb = 0;
          if (budget > 0) {
            const dvf = eD * dt;
            const nf = Math.floor((-1 + Math.sqrt(1 + (8 * budget) / (dvf * dt))) / 2);
            vb = (budget / dt + (dvf * nf * (nf + 1)) / 2) / (nf + 1);
            if (vb > (nf + 1) * dvf) vb = (nf + 1) * dvf;
          }
          if (vb < vn) vn = vb;
        }
      }
      // Nothing beyond the end of d can constrain a vehicle further away than its stopping horizon.
      const hv = speed + a * dt;
      const horizon = hv * (dt + tau) + (hv * hv) / (2 * b) + minGap + 2;
      const distEnd = L - pos;
      if (distEnd < horizon) {
        vNew[v] = vn;
        if (leader < 0) lookahead(s, v, d);
        // The stop line matters only to the front vehicle, or to one whose leader may cross it in this step.
        if (isLane && (leader < 0 || vPos[leader]! + vNew[leader]! * dt >= L)) stopLine(s, v, d);
        vn = vNew[v]!;
      }
      const sigma = tSigma[ty]!;
      if (sigma > 0) vn -= sigma * a * dt * s.rng.next(); // Krauss dawdling
      const floor = speed - eD * dt;
      if (vn < floor) vn = floor;
      if (vn < 0) vn = 0;
      vNew[v] = vn;
      leader = v;
      v = vBehind[v]!;
    }
    }
  }
}
