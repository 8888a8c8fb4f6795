/**
 * The step's commit phase: every vehicle moves at the speed follow decided
 * (advance: positions, stops, the loops it covers), then the front vehicles
 * past their drivable's end move on (transfer: to the link they chose, to
 * the lane it leads to, or out of the network).
 */
import { RED } from '../engine/signals/index.js';
import { chooseLink } from './follow.js';
import { enteredLane, leftLane } from './laneChange.js';
import { TRIP_DONE } from './demand.js';
import type { SimState } from './state.js';

/** A vehicle counts a stop when its speed falls below this after having been moving (m/s). */
export const STOP_SPEED_MPS = 1.39;
/** ...and is "moving" again once above this (m/s). Hysteresis keeps queue creep from counting as many stops. */
export const MOVING_SPEED_MPS = 4.17;

/**
 * Moves every vehicle at its decided speed, counts its stops, and lets the
 * loops it sweeps see it. Lanes and links share one body: a vehicle on a link
 * still covers the end of the lane it came from while its rear is there, so
 * each drivable has its loops (its own, or its from-lane's) in coordinates
 * offset by drvLoopOffM.
 */
export function advance(s: SimState): void {
  const dt = s.stepMs / 1000;
  const det = s.detectors;
  const veh = s.veh;
  const head = veh.head;
  const vPos = veh.vPos;
  const vNew = veh.vNew;
  const vSpeed = veh.vSpeed;
  const vLen = veh.vLen;
  const vBehind = veh.vBehind;
  const vMoving = veh.vMoving;
  const vTrip = veh.vTrip;
  const tripStops = s.tripStops;
  const drvLoopOffM = s.drvLoopOffM;
  const drvLoopFromM = s.drvLoopFromM;
  const drvLoopToM = s.drvLoopToM;
  const drvLoopStart = s.drvLoopStart;
  const drvLoopEnd = s.drvLoopEnd;
  const loopStartM = s.loopStartM;
  const loopEndM = s.loopEndM;
  const loopDet = s.loopDet;
  const occupied = veh.occupied;
  const detArg = det.arg;
  let steps = 0;
  let collisions = 0;
  for (let w = 0; w < occupied.length; w++) {
    for (let bits = occupied[w]!; bits !== 0; bits &= bits - 1) {
      const d = (w << 5) + (31 - Math.clz32(bits & -bits));
      const off = drvLoopOffM[d]!;
      const loopFrom = drvLoopFromM[d]!;
      const loopTo = drvLoopToM[d]!;
      const l0 = drvLoopStart[d]!;
      const l1 = drvLoopEnd[d]!;
      let v = head[d]!;
      let leaderRear = Infinity;
      while (v >= 0) {
        const old = vPos[v]!;
        const vn = vNew[v]!;
        const pos = old + vn * dt;
        vPos[v] = pos;
        vSpeed[v] = vn;
        if (pos > leaderRear + 1e-6) collisions++;
        const len = vLen[v]!;
        leaderRear = pos - len;
        if (vn < STOP_SPEED_MPS) {
          if (vMoving[v] === 1) {
            vMoving[v] = 0;
            tripStops[vTrip[v]!]!++;
          }
        } else if (vn > MOVING_SPEED_MPS && vMoving[v] === 0) vMoving[v] = 1;
        // the loops it covered during the step (front from old to pos, in the loops' lane coordinates)
        const a = old + off;
        const b = pos + off;
        if (b >= loopFrom && a <= loopTo + len) {
          detArg[0] = a;
          detArg[1] = b;
          detArg[2] = len;
          for (let k = l0; k < l1; k++) if (b >= loopStartM[k]! && a <= loopEndM[k]! + len) det.loopAt(loopDet[k]!);
        }
        steps++;
        v = vBehind[v]!;
      }
    }
  }
  s.vehicleSteps += steps;
  s.collisions += collisions;
}

/** Every front vehicle past its drivable's end moves on (possibly across several short drivables). */
export function transfer(s: SimState): void {
  const net = s.net;
  const occupied = s.veh.occupied;
  for (let w = 0; w < occupied.length; w++) {
    // Bits set while this word is scanned belong to drivables just entered, whose vehicles stay put.
    for (let bits = occupied[w]!; bits !== 0; bits &= bits - 1) {
      const d = (w << 5) + (31 - Math.clz32(bits & -bits));
      let h = s.veh.head[d]!;
      while (h >= 0 && s.veh.vPos[h]! >= net.drvLengthM[d]!) {
        leave(s, h, d);
        h = s.veh.head[d]!;
      }
    }
  }
}

/** Vehicle h, the front of drivable d, has passed d's end. */
function leave(s: SimState, h: number, d: number): void {
  const net = s.net;
  const nLanes = net.nLanes;
  s.veh.popHead(d);
  const excess = s.veh.vPos[h]! - net.drvLengthM[d]!;
  const trip = s.veh.vTrip[h]!;
  if (d < nLanes) {
    leftLane(s, h);
    if (s.veh.vRouteIdx[h]! >= s.trips.routeLen[trip]! - 1) {
      arrive(s, h);
      return;
    }
    let link = s.veh.vNextLink[h]!;
    if (link < 0) link = chooseLink(s, h, d);
    // Invariant: nobody enters on red unless committed on yellow (tests assert zero).
    if (s.signals.movState[net.linkMov[link - nLanes]!] === RED && s.veh.vCommitted[h] === 0) s.redRunning++;
    const T = net.linkToLane[link - nLanes]!;
    s.laneResM[T]! += s.veh.vLen[h]! + s.veh.vMinGap[h]!;
    s.laneResN[T]!++;
    s.veh.vPos[h] = excess;
    s.veh.vCommitted[h] = 0;
    s.veh.append(link, h);
    // it may cross a short link in one step, when it is the link's front vehicle (else it waits behind the front one)
    if (excess >= net.drvLengthM[link]! && s.veh.head[link] === h) leave(s, h, link);
    return;
  }
  const T = net.linkToLane[d - nLanes]!;
  s.laneResM[T]! -= s.veh.vLen[h]! + s.veh.vMinGap[h]!;
  s.laneResN[T]!--;
  s.veh.vRouteIdx[h]!++;
  s.veh.vNextLink[h] = -1;
  s.veh.vPos[h] = excess;
  s.veh.append(T, h);
  enteredLane(s, h, T);
  if (net.laneDetStart[T + 1]! > net.laneDetStart[T]!) {
    const arg = s.detectors.arg;
    arg[0] = excess - s.veh.vSpeed[h]! * (s.stepMs / 1000);
    arg[1] = excess;
    arg[2] = s.veh.vLen[h]!;
    s.detectors.loop(T);
  }
  if (excess >= net.drvLengthM[T]! && s.veh.head[T] === h) leave(s, h, T);
}

/** Vehicle h has reached the end of its route. */
function arrive(s: SimState, h: number): void {
  const trip = s.veh.vTrip[h]!;
  s.tripState[trip] = TRIP_DONE;
  s.tripArriveMs[trip] = s.nowMs + s.stepMs;
  s.tripVeh[trip] = -1;
  s.veh.free(h);
  s.inNetwork--;
  s.completed++;
}
