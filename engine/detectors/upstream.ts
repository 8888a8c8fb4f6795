/**
 * What each phase can expect from its upstream neighbours (after Surtrac's
 * projected outflows, Xie, Smith and Barlow 2012): the vehicles that the
 * upstream signals' cameras see on the lanes feeding a phase's approach
 * roads, counted while their movement is green there, since those are the
 * vehicles that will reach this signal next, before its own cameras see
 * them. Per phase (global index), CSR over "feeders": an upstream lane's
 * camera, the share of that lane's vehicles bound for the approach road (the
 * design volumes of its movements), the upstream signal, the local phases
 * there that serve the movement (a bit mask), and the free-flow time from
 * the upstream camera's middle to this signal's stop line. Roads whose
 * upstream end is not a signal, or whose feeding lanes have no camera, give
 * no feeders.
 *
 * `share` at run time: a feeder's vehicles split over the approach road's
 * lanes in proportion to their measured flows, so a phase that serves only
 * the road's left lane expects only the left lane's part of them.
 */
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';
import { STAGE_GREEN, type SignalControl } from '../signals/signals.js';

export interface UpstreamFeeders {
  /** Per phase, CSR: the approach roads of its protected movements, and per road (CSR again) the phase's lanes on it. */
  readonly roadStart: Int32Array;
  readonly road: Int32Array;
  readonly laneStart: Int32Array;
  readonly lanes: Int32Array;
  /** Per road, CSR: its feeders. */
  readonly feedStart: Int32Array;
  readonly feedCam: Int32Array;
  readonly feedFrac: Float64Array;
  readonly feedInter: Int32Array;
  readonly feedMask: Uint32Array;
  readonly feedTravelS: Float64Array;
}

/** Local phases of intersection `ix` that serve movement m (protected or permitted), as bits (phases beyond 32: not counted). */
function servingMask(net: CompiledNetwork, ix: number, m: number): number {
  let mask = 0;
  const p0 = net.interPhaseStart[ix]!;
  for (let p = p0; p < net.interPhaseStart[ix + 1]! && p - p0 < 32; p++)
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++) if (net.phaseMovs[k] === m && !net.phaseClearance[p]) mask |= 1 << (p - p0);
  return mask >>> 0;
}

export function upstreamFeeders(net: CompiledNetwork): UpstreamFeeders {
  const nRoads = net.roadFrom.length;
  // per road: the upstream lanes whose links enter it, at a signal, with a camera
  const feedStart = new Int32Array(nRoads + 1);
  const cam: number[] = [];
  const frac: number[] = [];
  const inter: number[] = [];
  const mask: number[] = [];
  const travel: number[] = [];
  for (let r = 0; r < nRoads; r++) {
    feedStart[r] = cam.length;
    const u = net.roadFrom[r]!;
    if (u < 0 || net.interType[u] !== INTER_SIGNAL) continue;
    const seen = new Set<number>();
    for (let lane = net.roadFirstLane[r]!; lane < net.roadFirstLane[r]! + net.roadLanes[r]!; lane++)
      for (let k = net.laneInStart[lane]!; k < net.laneInStart[lane + 1]!; k++) {
        const l = net.laneIn[k]! - net.nLanes;
        const from = net.linkFromLane[l]!;
        const c = net.laneCamera[from]!;
        if (c < 0 || seen.has(from)) continue;
        seen.add(from);
        const m = net.linkMov[l]!;
        // the share of the lane's vehicles bound for road r: its movements' design volumes
        const movs = new Set<number>();
        for (let o = net.laneOutStart[from]!; o < net.laneOutStart[from + 1]!; o++) movs.add(net.linkMov[net.laneOut[o]! - net.nLanes]!);
        let all = 0;
        let here = 0;
        let toR = 0;
        for (const mm of movs) {
          all += net.movDesignVph[mm]!;
          if (net.movToRoad[mm] !== r) continue;
          here += net.movDesignVph[mm]!;
          toR++;
        }
        cam.push(c);
        frac.push(all > 0 ? here / all : toR / movs.size);
        inter.push(u);
        mask.push(servingMask(net, u, m));
        const halfZone = (net.detEndM[c]! - net.detStartM[c]!) / 2;
        travel.push(halfZone / Math.max(1, net.drvSpeedMps[from]!) + net.movFreeFlowS[m]! + net.roadFreeFlowS[r]!);
      }
  }
  feedStart[nRoads] = cam.length;
  // per phase: its approach roads and its lanes on each
  const roadStart = new Int32Array(net.nPhases + 1);
  const road: number[] = [];
  const laneStart: number[] = [];
  const lanes: number[] = [];
  for (let p = 0; p < net.nPhases; p++) {
    roadStart[p] = road.length;
    const byRoad = new Map<number, Set<number>>();
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) {
      const m = net.phaseMovs[k]!;
      for (let j = net.movLaneStart[m]!; j < net.movLaneStart[m + 1]!; j++) {
        const lane = net.movLanes[j]!;
        const r = net.laneRoad[lane]!;
        if (!byRoad.has(r)) byRoad.set(r, new Set());
        byRoad.get(r)!.add(lane);
      }
    }
    for (const [r, ls] of byRoad) {
      if (feedStart[r + 1]! === feedStart[r]!) continue;
      road.push(r);
      laneStart.push(lanes.length);
      lanes.push(...ls);
    }
  }
  roadStart[net.nPhases] = road.length;
  laneStart.push(lanes.length);
  return {
    roadStart,
    road: Int32Array.from(road),
    laneStart: Int32Array.from(laneStart),
    lanes: Int32Array.from(lanes),
    feedStart,
    feedCam: Int32Array.from(cam),
    feedFrac: Float64Array.from(frac),
    feedInter: Int32Array.from(inter),
    feedMask: Uint32Array.from(mask),
    feedTravelS: Float64Array.from(travel),
  };
}

/**
 * The vehicles phase p can expect from its upstream neighbours: those their
 * cameras see (`vehicles`) on the lanes feeding p's approach roads while
 * their movement is green there, p's part of each road by its lanes'
 * measured flows (`laneFlowVph`). Writes their number and mean arrival at
 * the stop line (s from now) into `out`; returns the number.
 */
export function projectedArrivals(
  up: UpstreamFeeders,
  ctx: { net: CompiledNetwork; signals: SignalControl },
  p: number,
  laneFlowVph: Float64Array,
  vehicles: (camera: number) => number,
  out: { count: number; arrS: number },
): number {
  const { net, signals } = ctx;
  let n = 0;
  let arr = 0;
  for (let e = up.roadStart[p]!; e < up.roadStart[p + 1]!; e++) {
    const r = up.road[e]!;
    let mine = 0;
    for (let j = up.laneStart[e]!; j < up.laneStart[e + 1]!; j++) mine += laneFlowVph[up.lanes[j]!]!;
    let all = 0;
    for (let lane = net.roadFirstLane[r]!; lane < net.roadFirstLane[r]! + net.roadLanes[r]!; lane++) all += laneFlowVph[lane]!;
    const share = all > 0 ? mine / all : (up.laneStart[e + 1]! - up.laneStart[e]!) / net.roadLanes[r]!;
    if (share <= 0) continue;
    for (let f = up.feedStart[r]!; f < up.feedStart[r + 1]!; f++) {
      const u = up.feedInter[f]!;
      if (signals.stageOf(u) !== STAGE_GREEN || ((up.feedMask[f]! >>> signals.phaseOf(u)) & 1) === 0) continue;
      const v = vehicles(up.feedCam[f]!) * up.feedFrac[f]! * share;
      n += v;
      arr += v * up.feedTravelS[f]!;
    }
  }
  out.count = n;
  out.arrS = n > 0 ? arr / n : 0;
  return n;
}
