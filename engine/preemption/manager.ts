/**
 * Emergency-vehicle pre-emption: a green wave along the route, safe
 * transitions, recovery. See docs/PREEMPTION.md.
 *
 * The manager learns of a vehicle only from messages (types.ts): a dispatch
 * request, which it answers with a route (shortest by travel times estimated
 * from the detectors, so a congested road is avoided), then position reports.
 * From each report it updates the vehicle's ETA at every signal ahead (free-
 * flow driving along the rest of the route). A signal is *called* when the ETA
 * falls to its lead time: the time to end the current green safely (down to
 * the pre-emption minimum, then yellow and all-red in full), plus the time the
 * queue the cameras see in front of the vehicle needs to discharge, plus a
 * margin. Per intersection the call of the highest priority (then the first
 * called) owns the signal:
 *   entry (105): the signal changes to the phase serving the vehicle's
 *     movement; the green in force may end early, never below minGreenS;
 *   dwell (107): that phase holds while the vehicle approaches;
 *   exit (111): once the vehicle is past the stop line (call off, 104) and no
 *     other call is left, the phase with the longest queue (the movements
 *     starved during the pre-emption) gets the next green, and after its
 *     minimum green the normal controller takes over again.
 * Two vehicles on crossing routes at one intersection are served one after
 * the other; the signal layer inserts yellow and all-red between them.
 */
import type { ControllerContext } from '../controllers/types.js';
import { phaseCameras, pressureCandidates, type PhaseCameras } from '../detectors/phaseCameras.js';
import type { Router } from '../network/routing.js';
import { DET_LANE_AREA } from '../network/compile.js';
import {
  EventLog,
  EV_PREEMPT_CALL_OFF,
  EV_PREEMPT_CALL_ON,
  EV_PREEMPT_DWELL,
  EV_PREEMPT_ENTRY,
  EV_PREEMPT_EXIT,
  STAGE_GREEN,
} from '../signals/index.js';
import type { DispatchRequest, PositionReport, PrioritySink, RouteAnswer } from './types.js';

export const PREEMPTION_DEFAULTS = {
  /** Pre-emption is on; off: vehicles are still routed, signals are not pre-empted. */
  enabled: true,
  /** A green in force may be cut short to this (s), never below; yellow and all-red are never shortened. */
  minGreenS: 5,
  /** Added to every lead time (s). */
  marginS: 3,
  /** Discharge headway (s per queued vehicle) and start-up lost time (s) for the queue in front of the vehicle. */
  headwayS: 2,
  startupS: 2,
  /** A call that has held its phase this long without the vehicle passing is dropped (s). */
  maxDwellS: 120,
  /** After an exit, the recovery phase is given back to the controller at most this late (s). */
  maxRecoveryS: 60,
  /** A road is taken as blocked when every lane's camera has shown a standing queue over ≥ 90 % of its zone, and its loops have counted nobody leaving, for this long (s). */
  blockedAfterS: 120,
};

export type PreemptionOptions = Partial<typeof PREEMPTION_DEFAULTS>;

const IDLE = 0;
const ENTRY = 1;
const DWELL = 2;
const RECOVERY = 3;

/** A bad emergency request (unknown id, unreachable destination): nothing was changed. */
export class PreemptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PreemptionError';
  }
}

/** One signal on an emergency vehicle's route. */
interface RouteSignal {
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

/** A pre-emption event: the Indiana code (102 call on, 104 call off, 105 entry, 107 dwell, 111 exit), the intersection and the vehicle id. */
export interface PreemptionEvent {
  tMs: number;
  code: number;
  inter: number;
  vehicle: string;
}

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

interface Vehicle {
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

export class PreemptionManager implements PrioritySink {
  readonly o: typeof PREEMPTION_DEFAULTS;
  private readonly ctx: ControllerContext;
  private readonly router: Router;
  private readonly log: EventLog | undefined;
  private readonly cams: PhaseCameras;
  private readonly candidates: number[][];
  private readonly vehicles: Vehicle[] = [];
  private readonly active: Vehicle[] = [];
  /** Per intersection: stage, owner vehicle (index in vehicles), its phase, stage start, recovery phase. */
  readonly stage: Uint8Array;
  private readonly owner: Int32Array;
  private readonly ownerPhase: Int32Array;
  private readonly ownerMovement: Int32Array;
  private readonly stageMs: Float64Array;
  private readonly recoverPhase: Int32Array;
  /** Per road: since when it has looked blocked (ms; NaN: not blocked). */
  private readonly blockedSinceMs: Float64Array;
  private readonly roadLastCount: Float64Array;
  private readonly roadTimeS: Float64Array;
  /** Per road (CSR): its loop detectors (stop-line and advance). */
  private readonly roadLoopStart: Int32Array;
  private readonly roadLoops: Int32Array;
  /** Counters. */
  entries = 0;
  calls = 0;

  constructor(ctx: ControllerContext, router: Router, log?: EventLog, options: PreemptionOptions = {}) {
    this.ctx = ctx;
    this.router = router;
    this.log = log;
    this.o = { ...PREEMPTION_DEFAULTS, ...options };
    const net = ctx.net;
    this.cams = phaseCameras(net);
    this.candidates = pressureCandidates(net);
    this.stage = new Uint8Array(net.nInter);
    this.owner = new Int32Array(net.nInter).fill(-1);
    this.ownerPhase = new Int32Array(net.nInter).fill(-1);
    this.ownerMovement = new Int32Array(net.nInter).fill(-1);
    this.stageMs = new Float64Array(net.nInter);
    this.recoverPhase = new Int32Array(net.nInter).fill(-1);
    this.blockedSinceMs = new Float64Array(net.nRoads).fill(NaN);
    this.seen = new Int32Array(net.nInter);
    this.roadLastCount = new Float64Array(net.nRoads).fill(-1);
    this.roadTimeS = new Float64Array(net.nRoads);
    const loops: number[][] = Array.from({ length: net.nRoads }, () => []);
    for (let d = 0; d < net.nDet; d++) if (net.detKind[d] !== DET_LANE_AREA) loops[net.laneRoad[net.detLane[d]!]!]!.push(d);
    this.roadLoopStart = new Int32Array(net.nRoads + 1);
    for (let r = 0; r < net.nRoads; r++) this.roadLoopStart[r + 1] = this.roadLoopStart[r]! + loops[r]!.length;
    this.roadLoops = Int32Array.from(loops.flat());
  }

  /** True while pre-emption (entry, dwell or recovery) controls intersection ix. */
  controls(ix: number): boolean {
    return this.stage[ix] !== IDLE;
  }

  // --------------------------------------------------------------- routing

  private roadFreeS(r: number): number {
    const net = this.ctx.net;
    const l = net.roadFirstLane[r]!;
    return net.drvLengthM[l]! / net.drvSpeedMps[l]!;
  }

  private movementFree(m: number): { s: number; m: number } {
    const net = this.ctx.net;
    let s = 0;
    let len = 0;
    const a = net.movLinkStart[m]!;
    const b = net.movLinkStart[m + 1]!;
    for (let l = a; l < b; l++) {
      s += net.drvLengthM[net.nLanes + l]! / net.drvSpeedMps[net.nLanes + l]!;
      len += net.drvLengthM[net.nLanes + l]!;
    }
    return b > a ? { s: s / (b - a), m: len / (b - a) } : { s: 0, m: 0 };
  }

  /**
   * Travel time (s) of every road from the detectors: free flow, plus the
   * discharge of the longest standing queue its cameras see; Infinity for a
   * road that looks blocked.
   */
  private updateRoadTimes(nowMs: number): Float64Array {
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
  private watchBlocked(nowMs: number): void {
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
  private answer(roads: number[]): RouteAnswer {
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
  private setRoute(v: Vehicle, a: RouteAnswer): void {
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
      const phase = net.interType[ix] === 1 ? this.phaseFor(m) : -1;
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

  // --------------------------------------------------------------- messages

  dispatch(req: DispatchRequest): RouteAnswer {
    const roads = this.router.routeTimed(req.fromRoad, req.toRoad, this.updateRoadTimes(req.timeMs));
    if (!roads) throw new PreemptionError('to', `"${this.ctx.net.roadIds[req.toRoad]}" cannot be reached from "${this.ctx.net.roadIds[req.fromRoad]}"`);
    const v: Vehicle = {
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
    const a = this.answer(roads);
    this.setRoute(v, a);
    this.vehicles[req.ev] = v;
    this.active.push(v);
    return a;
  }

  /**
   * A request from outside (a client, a test), by ids: validated first, so a
   * bad one throws a PreemptionError and changes nothing. The returned route
   * is the one the vehicle should drive; its reports go to report().
   */
  request(msg: { id: string; from: string; to: string; priority?: number }, nowMs: number): { ev: number; route: string[] } {
    const r = this.resolve(msg, nowMs);
    const ev = this.vehicles.length;
    const a = this.dispatch({ ev, id: r.id, priority: r.priority, fromRoad: r.fromRoad, toRoad: r.toRoad, timeMs: nowMs });
    return { ev, route: a.roads.map((x) => this.ctx.net.roadIds[x]!) };
  }

  /**
   * Checks a request by ids and finds its origin and destination roads (a
   * destination intersection: the road into it that is quickest to reach).
   * Throws a PreemptionError naming the field; changes nothing.
   */
  resolve(msg: { id: string; from: string; to: string; priority?: number }, nowMs: number): { id: string; priority: number; fromRoad: number; toRoad: number } {
    const model = this.ctx.net.model;
    if (typeof msg.id !== 'string' || msg.id.length === 0) throw new PreemptionError('id', 'must be a non-empty string');
    if (this.vehicles.some((v) => v && v.id === msg.id && !v.done)) throw new PreemptionError('id', `emergency vehicle "${msg.id}" is already active`);
    const priority = msg.priority ?? 1;
    if (!Number.isInteger(priority) || priority < 1 || priority > 9) throw new PreemptionError('priority', `must be an integer 1 … 9, got ${String(priority)}`);
    const from = model.roadIndex.get(msg.from) ?? (model.intersectionIndex.has(msg.from) ? model.intersections[model.intersectionIndex.get(msg.from)!]!.outRoads[0] : undefined);
    if (from === undefined) throw new PreemptionError('from', `unknown origin "${msg.from}" (not a road or intersection id with roads leaving it)`);
    let toRoads: number[];
    if (model.roadIndex.has(msg.to)) toRoads = [model.roadIndex.get(msg.to)!];
    else if (model.intersectionIndex.has(msg.to)) toRoads = [...model.intersections[model.intersectionIndex.get(msg.to)!]!.inRoads];
    else throw new PreemptionError('to', `unknown destination "${msg.to}" (not a road or intersection id)`);
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
    if (!best) throw new PreemptionError('to', `"${msg.to}" cannot be reached from "${msg.from}"`);
    return { id: msg.id, priority, fromRoad: best[0]!, toRoad: best[best.length - 1]! };
  }

  report(rep: PositionReport): RouteAnswer | null {
    const v = this.vehicles[rep.ev];
    if (!v || v.done) return null;
    const net = this.ctx.net;
    // Map-match the report onto the route, from the last known position on.
    let k = v.k;
    while (k < v.roads.length && v.roads[k] !== rep.road) k++;
    if (k === v.roads.length) return null; // not on its route: ignored
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
    // Signals passed: the vehicle is past the stop line of road k when on its link, or on a later road.
    while (v.next < v.signals.length) {
      const s = v.signals[v.next]!;
      if (s.k < k || (s.k === k && rep.onLink)) {
        this.pass(v, s, rep.timeMs);
        v.next++;
      } else break;
    }
    return this.maybeReroute(v, rep.timeMs);
  }

  arrived(ev: number, timeMs: number): void {
    const v = this.vehicles[ev];
    if (!v || v.done) return;
    for (let j = v.next; j < v.signals.length; j++) this.pass(v, v.signals[j]!, timeMs);
    v.next = v.signals.length;
    v.done = true;
    v.arrivedMs = timeMs;
    v.trajectory.push(timeMs, v.lengthM);
    this.active.splice(this.active.indexOf(v), 1);
  }

  /**
   * Re-routes when a road ahead looks blocked. The vehicle keeps its current
   * road and the next one (its lane for the turn after is chosen already); the
   * new route starts from the end of the next road.
   */
  private maybeReroute(v: Vehicle, nowMs: number): RouteAnswer | null {
    const keep = v.k + (v.onLink ? 2 : 1);
    if (keep >= v.roads.length - 1) return null;
    let blocked = false;
    for (let q = keep + 1; q < v.roads.length && !blocked; q++) blocked = this.isBlocked(v.roads[q]!, nowMs);
    if (!blocked) return null;
    const tail = this.router.routeTimed(v.roads[keep]!, v.roads[v.roads.length - 1]!, this.updateRoadTimes(nowMs));
    if (!tail) return null; // no way round: keep the route, the vehicle waits
    const a = this.answer([...v.roads.slice(0, keep), ...tail]);
    for (let j = v.next; j < v.signals.length; j++) if (v.signals[j]!.k > keep) this.pass(v, v.signals[j]!, nowMs, true);
    v.reroutes++;
    this.setRoute(v, a);
    return a;
  }

  // --------------------------------------------------------------- signals

  /** The vehicle has passed (or no longer needs) signal s: its call ends. */
  private pass(v: Vehicle, s: RouteSignal, nowMs: number, dropped = false): void {
    if (!dropped) s.passed = true;
    if (!s.called) return;
    s.called = false;
    this.emit(nowMs, s.inter, EV_PREEMPT_CALL_OFF, v);
  }

  /** Seconds for intersection ix to show `phase` green from now: the rest of the cut-down green, yellow and all-red. */
  private transitionS(ix: number, phase: number, nowMs: number, movement = -1): number {
    const { net, signals } = this.ctx;
    const p0 = net.interPhaseStart[ix]!;
    const cur = signals.phaseOf(ix);
    const pc = p0 + cur;
    const clear = (net.phaseYellowMs[pc]! + net.phaseAllRedMs[pc]!) / 1000;
    if (signals.stageOf(ix) === STAGE_GREEN) {
      if (cur === phase || (movement >= 0 && this.serves(ix, cur, movement))) return 0;
      const minG = Math.min(this.o.minGreenS * 1000, net.phaseMinGreenMs[pc]!);
      return Math.max(0, minG - signals.greenElapsedMs(ix, nowMs)) / 1000 + clear;
    }
    // A clearance in progress is counted in full (its start is not part of SignalControl): the lead
    // comes out at most a few seconds early, never late.
    const left = clear;
    if (signals.targetOf(ix) === phase || signals.canRedirect(ix, phase)) return left;
    const pt = p0 + signals.targetOf(ix);
    return left + (Math.min(this.o.minGreenS * 1000, net.phaseMinGreenMs[pt]!) + net.phaseYellowMs[pt]! + net.phaseAllRedMs[pt]!) / 1000;
  }

  /** True when local phase `local` of ix serves movement m protected. */
  private serves(ix: number, local: number, m: number): boolean {
    const net = this.ctx.net;
    const p = net.interPhaseStart[ix]! + local;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) if (net.phaseMovs[k] === m) return true;
    return false;
  }

  /** Seconds the standing queue in front of the vehicle needs to clear the stop line. */
  private queueS(s: RouteSignal): number {
    const det = this.ctx.detectors;
    let q = 0;
    // every vehicle in the camera zone ahead of the vehicle will be in its way: standing or about to join
    for (const c of s.cams) if (this.ctx.health.trusted(c)) q = Math.max(q, det.vehicles[c]!);
    return q > 0 ? this.o.startupS + q * this.o.headwayS : 0;
  }

  private record(s: RouteSignal, nowMs: number): void {
    const st = this.ctx.signals.stateOf(s.movement);
    const n = s.states.length;
    if (n === 0 || s.states[n - 1] !== st) s.states.push(nowMs, st);
  }

  /** Called at the start of every step: calls, owners, entry/dwell/exit. */
  update(nowMs: number): void {
    if (this.active.length === 0 && !this.anyControlled) return;
    this.watchBlocked(nowMs);
    const { net, signals } = this.ctx;
    // Calls: a signal is called once the vehicle's ETA is within its lead time.
    for (const v of this.active) {
      const sinceS = (nowMs - v.reportMs) / 1000;
      for (let j = 0; j < v.signals.length; j++) {
        const s = v.signals[j]!;
        this.record(s, nowMs);
        if (j < v.next || s.called || !this.o.enabled) continue;
        const eta = s.ffAtS - v.ffNowS - sinceS;
        const lead = this.transitionS(s.inter, s.phase, nowMs, s.movement) + this.queueS(s) + this.o.marginS;
        if (eta <= lead) {
          s.called = true;
          s.callMs = nowMs;
          this.calls++;
          this.emit(nowMs, s.inter, EV_PREEMPT_CALL_ON, v);
        }
      }
    }
    if (!this.o.enabled) return;
    // Owners: the highest priority, then the first called.
    this.anyControlled = false;
    const stamp = ++this.stampNow;
    for (const v of this.active)
      for (let j = v.next; j < v.signals.length; j++) {
        const s = v.signals[j]!;
        if (!s.called) continue;
        const ix = s.inter;
        if (this.seen[ix] !== stamp) {
          this.seen[ix] = stamp;
          this.resolveOwner(ix, nowMs);
        }
      }
    for (let ix = 0; ix < net.nInter; ix++) {
      const st = this.stage[ix]!;
      if (st === IDLE) continue;
      if (this.seen[ix] !== stamp && st !== RECOVERY) this.exit(ix, nowMs);
      if (this.stage[ix] === ENTRY || this.stage[ix] === DWELL) {
        const ph = this.ownerPhase[ix]!;
        if (signals.stageOf(ix) === STAGE_GREEN && signals.phaseOf(ix) === ph) {
          if (this.stage[ix] === ENTRY) {
            this.stage[ix] = DWELL;
            this.stageMs[ix] = nowMs;
            this.emit(nowMs, ix, EV_PREEMPT_DWELL, this.vehicles[this.owner[ix]!]!);
          } else if (nowMs - this.stageMs[ix]! > this.o.maxDwellS * 1000) {
            this.dropOwner(ix, nowMs);
          }
        } else if (this.stage[ix] === DWELL) {
          // held phase lost (cannot happen while the manager holds it): enter again
          this.stage[ix] = ENTRY;
        }
        if (this.stage[ix] === ENTRY) signals.preempt(ix, ph, this.o.minGreenS * 1000);
      } else if (this.stage[ix] === RECOVERY) {
        const rp = this.recoverPhase[ix]!;
        const p = net.interPhaseStart[ix]! + rp;
        const served = signals.stageOf(ix) === STAGE_GREEN && signals.phaseOf(ix) === rp && signals.greenElapsedMs(ix, nowMs) >= net.phaseMinGreenMs[p]!;
        if (rp < 0 || served || nowMs - this.stageMs[ix]! > this.o.maxRecoveryS * 1000) this.stage[ix] = IDLE;
      }
      if (this.stage[ix] !== IDLE) this.anyControlled = true;
    }
  }

  private anyControlled = false;
  /** Intersections with a call this step (stamp = the step's number): no allocation per step. */
  private readonly seen: Int32Array;
  private stampNow = 0;

  private resolveOwner(ix: number, nowMs: number): void {
    let best: Vehicle | undefined;
    let bestS: RouteSignal | undefined;
    for (const v of this.active)
      for (let j = v.next; j < v.signals.length; j++) {
        const s = v.signals[j]!;
        if (s.inter !== ix || !s.called) continue;
        if (!best || v.priority < best.priority || (v.priority === best.priority && (s.callMs < bestS!.callMs || (s.callMs === bestS!.callMs && v.ev < best.ev)))) {
          best = v;
          bestS = s;
        }
      }
    if (!best) return;
    const cur = this.owner[ix]!;
    if (this.stage[ix] !== IDLE && this.stage[ix] !== RECOVERY && cur === best.ev && this.ownerMovement[ix] === bestS!.movement) return;
    const signals = this.ctx.signals;
    const now = signals.phaseOf(ix);
    this.owner[ix] = best.ev;
    this.ownerMovement[ix] = bestS!.movement;
    // the green in force already gives the vehicle right of way: hold it rather than change
    this.ownerPhase[ix] = signals.stageOf(ix) === STAGE_GREEN && this.serves(ix, now, bestS!.movement) ? now : bestS!.phase;
    this.stage[ix] = ENTRY;
    this.stageMs[ix] = nowMs;
    this.entries++;
    this.emit(nowMs, ix, EV_PREEMPT_ENTRY, best);
  }

  /** The owner's call has held too long: drop it (the vehicle is stuck elsewhere). */
  private dropOwner(ix: number, nowMs: number): void {
    const v = this.vehicles[this.owner[ix]!]!;
    for (let j = v.next; j < v.signals.length; j++) if (v.signals[j]!.inter === ix) this.pass(v, v.signals[j]!, nowMs, true);
    this.exit(ix, nowMs);
  }

  /** Exit: the next green goes to the phase with the longest queue (the movements starved meanwhile). */
  private exit(ix: number, nowMs: number): void {
    const { net, signals, detectors, health } = this.ctx;
    this.emit(nowMs, ix, EV_PREEMPT_EXIT, this.owner[ix]! >= 0 ? this.vehicles[this.owner[ix]!] : undefined);
    let best = -1;
    let bestQ = 0;
    const held = this.ownerPhase[ix]!;
    for (const local of this.candidates[ix] ?? []) {
      if (local === held) continue;
      const p = net.interPhaseStart[ix]! + local;
      let q = 0;
      for (let k = this.cams.inCamStart[p]!; k < this.cams.inCamStart[p + 1]!; k++) {
        const c = this.cams.inCams[k]!;
        if (health.trusted(c)) q += detectors.halting[c]!;
      }
      if (q > bestQ) {
        bestQ = q;
        best = local;
      }
    }
    this.owner[ix] = -1;
    this.ownerPhase[ix] = -1;
    this.ownerMovement[ix] = -1;
    this.recoverPhase[ix] = best;
    this.stage[ix] = RECOVERY;
    this.stageMs[ix] = nowMs;
    if (best >= 0) signals.request(ix, best);
  }

  /** Writes a pre-emption event to the log and tells the listener. */
  private emit(nowMs: number, ix: number, code: number, v: Vehicle | undefined): void {
    this.log?.push(nowMs, ix, code, v ? v.priority : 0);
    this.listener?.({ tMs: nowMs, code, inter: ix, vehicle: v ? v.id : '' });
  }

  /** Told of every pre-emption event (the live service streams them). */
  listener: ((e: PreemptionEvent) => void) | undefined;

  /** Routes of the vehicles on the road now: id → road indices and how far along (m). */
  activeVehicles(): Array<{ id: string; priority: number; roads: number[]; k: number; distM: number }> {
    return this.active.map((v) => ({ id: v.id, priority: v.priority, roads: v.roads, k: v.k, distM: v.trajectory.length ? v.trajectory[v.trajectory.length - 1]! : 0 }));
  }

  /** The vehicle number of an active vehicle by id, or −1. */
  vehicleNumber(id: string): number {
    const v = this.active.find((x) => x.id === id);
    return v ? v.ev : -1;
  }

  // --------------------------------------------------------------- output

  /** What happened to each emergency vehicle: route, signals with their display changes, reports. */
  traces(): EmergencyTrace[] {
    const net = this.ctx.net;
    return this.vehicles.filter(Boolean).map((v) => ({
      id: v.id,
      priority: v.priority,
      roads: v.roads,
      signals: v.signals.map((s) => ({ inter: s.inter, id: net.intersectionIds[s.inter]!, distM: s.distM, states: s.states, callMs: s.callMs, passed: s.passed })),
      trajectory: v.trajectory,
      lengthM: v.lengthM,
      dispatchMs: v.dispatchMs,
      arrivedMs: v.arrivedMs,
      reroutes: v.reroutes,
    }));
  }
}
