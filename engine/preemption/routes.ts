/**
 * Routing for the emergency vehicles: the travel time of every road from the
 * detectors (free flow, plus the discharge of the queue its cameras see), the
 * watch for blocked roads, route answers, and each vehicle's route tables (the
 * signals on it, free-flow time and distance to every road, where it is now).
 */
import type { ControllerContext } from '../controllers/types.js';
import type { Router } from '../network/routing.js';
import { DET_LANE_AREA, INTER_SIGNAL } from '../network/compile.js';
import type { PREEMPTION_DEFAULTS } from './options.js';
import type { PositionReport, RouteAnswer } from './types.js';
import type { Vehicle } from './vehicle.js';

/** Owned by the PreemptionManager: road travel times, blocked roads and the vehicles' routes. */
export class Routes {
  private readonly ctx: ControllerContext;
  private readonly router: Router;
  private readonly o: typeof PREEMPTION_DEFAULTS;
  /** Per intersection: the local phases that may serve a movement (pressureCandidates). */
  private readonly candidates: number[][];
  /** Per road: since when it has looked blocked (ms; NaN: not blocked). */
  private readonly blockedSinceMs: Float64Array;
  private readonly roadLastCount: Float64Array;
  private readonly roadTimeS: Float64Array;
  /** Per road (CSR): its loop detectors (stop-line and advance). */
  private readonly roadLoopStart: Int32Array;
  private readonly roadLoops: Int32Array;

  constructor(ctx: ControllerContext, router: Router, o: typeof PREEMPTION_DEFAULTS, candidates: number[][]) {
    this.ctx = ctx;
    this.router = router;
    this.o = o;
    this.candidates = candidates;
    const net = ctx.net;
    this.blockedSinceMs = new Float64Array(net.nRoads).fill(NaN);
    this.roadLastCount = new Float64Array(net.nRoads).fill(-1);
    this.roadTimeS = new Float64Array(net.nRoads);
    const loops: number[][] = Array.from({ length: net.nRoads }, () => []);
    for (let d = 0; d < net.nDet; d++) if (net.detKind[d] !== DET_LANE_AREA) loops[net.laneRoad[net.detLane[d]!]!]!.push(d);
    this.roadLoopStart = new Int32Array(net.nRoads + 1);
    for (let r = 0; r < net.nRoads; r++) this.roadLoopStart[r + 1] = this.roadLoopStart[r]! + loops[r]!.length;
    this.roadLoops = Int32Array.from(loops.flat());
  }

  /** Free-flow seconds of road r (the network's free-flow table). */
  private roadFreeS(r: number): number {
    return this.ctx.net.roadFreeFlowS[r]!;
  }

  /** Free-flow seconds of movement m (the network's table) and its mean length over its links (m). */
  private movementFree(m: number): { s: number; m: number } {
    const net = this.ctx.net;
    let len = 0;
    const a = net.movLinkStart[m]!;
    const b = net.movLinkStart[m + 1]!;
    for (let l = a; l < b; l++) len += net.drvLengthM[net.nLanes + l]!;
    return b > a ? { s: net.movFreeFlowS[m]!, m: len / (b - a) } : { s: 0, m: 0 };
  }

  /**
   * Travel time (s) of every road from the detectors: free flow, plus the
   * discharge of the longest standing queue its cameras see; Infinity for a
   * road that looks blocked.
   */
  updateRoadTimes(nowMs: number): Float64Array {
    const net = this.ctx.net;
    const det = this.ctx.detectors;
    for (let r = 0; r < net.nRoads; r++) {
      let q = 0;
      const first = net.roadFirstLane[r]!;
      for (let lane = first; lane < first + net.roadLanes[r]!; lane++) {
        const c = net.laneCamera[lane]!;
        if (c >= 0 && this.ctx.health.trusted(c)) q = Math.max(q, det.halting[c]!);
      }
      this.roadTimeS[r] = this.isBlocked(r, nowMs) ? Infinity : this.roadFreeS(r) + q * this.o.headwayS;
    }
    return this.roadTimeS;
  }

  /** True when road r has looked blocked (watchBlocked) for blockedAfterS. */
  private isBlocked(r: number, nowMs: number): boolean {
    const since = this.blockedSinceMs[r]!;
    return !Number.isNaN(since) && nowMs - since >= this.o.blockedAfterS * 1000;
  }

  /** Watches for blocked roads: every lane's camera full of standing traffic and no vehicle leaving by the loops. */
  watchBlocked(nowMs: number): void {
    const net = this.ctx.net;
    const det = this.ctx.detectors;
    for (let r = 0; r < net.nRoads; r++) {
      const first = net.roadFirstLane[r]!;
      let full = net.roadLanes[r]! > 0;
      let count = 0;
      let loops = 0;
      for (let lane = first; lane < first + net.roadLanes[r]! && full; lane++) {
        const c = net.laneCamera[lane]!;
        if (c < 0 || !this.ctx.health.trusted(c)) {
          full = false;
          break;
        }
        const zone = net.detEndM[c]! - net.detStartM[c]!;
        if (det.queueM[c]! < 0.9 * zone) full = false;
      }
      if (!full) {
        this.blockedSinceMs[r] = NaN;
        this.roadLastCount[r] = -1;
        continue;
      }
      for (let k = this.roadLoopStart[r]!; k < this.roadLoopStart[r + 1]!; k++) {
        count += det.count[this.roadLoops[k]!]!;
        loops++;
      }
      if (loops > 0 && count !== this.roadLastCount[r]) {
        this.roadLastCount[r] = count;
        this.blockedSinceMs[r] = nowMs;
      } else if (Number.isNaN(this.blockedSinceMs[r]!)) this.blockedSinceMs[r] = nowMs;
    }
  }

  /** The route answer (roads and movements) for a list of roads. */
  answer(roads: number[]): RouteAnswer {
    const mb = this.ctx.net.model.movementByRoads;
    return { roads, moves: roads.map((r, i) => (i + 1 < roads.length ? mb.get(`${r},${roads[i + 1]}`)! : -1)) };
  }

  /** The local phase that serves movement m at its intersection: protected if any, else permitted; −1 if none. */
  private phaseFor(m: number): number {
    const net = this.ctx.net;
    const ix = net.movInter[m]!;
    let permitted = -1;
    for (const local of this.candidates[ix] ?? []) {
      const p = net.interPhaseStart[ix]! + local;
      for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p + 1]!; k++)
        if (net.phaseMovs[k] === m) {
          if (k < net.phaseMovStart[p]! + net.phaseProtected[p]!) return local;
          if (permitted < 0) permitted = local;
        }
    }
    return permitted;
  }

  /** Builds a vehicle's signal list and distance tables for its route. */
  setRoute(v: Vehicle, a: RouteAnswer): void {
    const net = this.ctx.net;
    v.roads = a.roads;
    v.moves = a.moves;
    v.ffStartS = [];
    v.distStartM = [];
    const old = v.signals;
    v.signals = [];
    let ff = 0;
    let dist = 0;
    for (let k = 0; k < a.roads.length; k++) {
      const r = a.roads[k]!;
      v.ffStartS.push(ff);
      v.distStartM.push(dist);
      ff += this.roadFreeS(r);
      dist += net.drvLengthM[net.roadFirstLane[r]!]!;
      const m = a.moves[k]!;
      if (m < 0) continue;
      const ix = net.movInter[m]!;
      const phase = net.interType[ix] === INTER_SIGNAL ? this.phaseFor(m) : -1;
      if (phase >= 0) {
        const cams: number[] = [];
        const first = net.roadFirstLane[r]!;
        for (let lane = first; lane < first + net.roadLanes[r]!; lane++) {
          let has = false;
          for (let q = net.laneOutStart[lane]!; q < net.laneOutStart[lane + 1]!; q++) if (net.linkMov[net.laneOut[q]! - net.nLanes] === m) has = true;
          if (has && net.laneCamera[lane]! >= 0) cams.push(net.laneCamera[lane]!);
        }
        const prev = old.find((s) => s.inter === ix && s.movement === m);
        v.signals.push(prev ? { ...prev, k, ffAtS: ff, distM: dist } : { inter: ix, k, movement: m, phase, ffAtS: ff, distM: dist, cams, called: false, callMs: NaN, passed: false, states: [] });
      }
      const mf = this.movementFree(m);
      ff += mf.s;
      dist += mf.m;
    }
    v.lengthM = dist;
    v.next = 0;
    while (v.next < v.signals.length && v.signals[v.next]!.k < v.k) v.next++;
  }

  /** A route from road `from` to road `to` by the travel times now (null: unreachable). */
  route(from: number, to: number, nowMs: number): number[] | null {
    return this.router.routeTimed(from, to, this.updateRoadTimes(nowMs));
  }

  /** The quickest route from road `from` to any of `toRoads` by the travel times now (the first of equals; null: none reachable). */
  quickest(from: number, toRoads: number[], nowMs: number): number[] | null {
    const times = this.updateRoadTimes(nowMs);
    let best: number[] | null = null;
    let bestS = Infinity;
    for (const t of toRoads) {
      const r = this.router.routeTimed(from, t, times);
      if (!r) continue;
      let s = 0;
      for (const x of r) s += times[x]!;
      if (s < bestS) {
        bestS = s;
        best = r;
      }
    }
    return best;
  }

  /**
   * Map-matches a position report onto v's route, from the last known
   * position on, and updates its road, free-flow time along the route and
   * trajectory; false (v unchanged) when the report's road is not on the rest
   * of its route.
   */
  locate(v: Vehicle, rep: PositionReport): boolean {
    const net = this.ctx.net;
    let k = v.k;
    while (k < v.roads.length && v.roads[k] !== rep.road) k++;
    if (k === v.roads.length) return false;
    v.k = k;
    v.onLink = rep.onLink;
    v.reportMs = rep.timeMs;
    const r = v.roads[k]!;
    const l = net.roadFirstLane[r]!;
    const roadS = this.roadFreeS(r);
    if (rep.onLink) {
      const m = v.moves[k]!;
      const mf = m >= 0 ? this.movementFree(m) : { s: 0, m: 0 };
      v.ffNowS = v.ffStartS[k]! + roadS + (mf.m > 0 ? (rep.posM / mf.m) * mf.s : 0);
      v.trajectory.push(rep.timeMs, v.distStartM[k]! + net.drvLengthM[l]! + rep.posM);
    } else {
      v.ffNowS = v.ffStartS[k]! + rep.posM / net.drvSpeedMps[l]!;
      v.trajectory.push(rep.timeMs, v.distStartM[k]! + rep.posM);
    }
    return true;
  }

  /**
   * The new route when a road ahead of v looks blocked: the roads before
   * index `keep` kept, then the quickest way round from road `keep` on; null
   * when nothing ahead is blocked or there is no way round.
   */
  detour(v: Vehicle, keep: number, nowMs: number): RouteAnswer | null {
    if (keep >= v.roads.length - 1) return null;
    let blocked = false;
    for (let q = keep + 1; q < v.roads.length && !blocked; q++) blocked = this.isBlocked(v.roads[q]!, nowMs);
    if (!blocked) return null;
    const tail = this.router.routeTimed(v.roads[keep]!, v.roads[v.roads.length - 1]!, this.updateRoadTimes(nowMs));
    if (!tail) return null; // no way round: keep the route, the vehicle waits
    return this.answer([...v.roads.slice(0, keep), ...tail]);
  }
}
