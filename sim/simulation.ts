/**
 * The microsimulation. A vehicle is an integer slot in struct-of-arrays
 * storage; each drivable (lane or lane link through an intersection) keeps its
 * vehicles as a FIFO linked list, front first. A step reads like its table of
 * contents:
 *
 *   spawn → switchSignals → follow (decide) → advance (commit) → transfer → sampleDetectors
 *
 * `follow` reads only the state at t and writes next speeds; `advance` and
 * `transfer` apply them. Nothing is allocated per vehicle per step.
 *
 * Rules of the road: lane choice by the next turn (a vehicle takes the lane
 * link to an exit lane from which its route continues, keeping its lane where
 * it can);
 * vehicles stop for red and for yellow when they can stop comfortably, and
 * otherwise are committed and clear the intersection; a vehicle does not enter
 * the intersection unless its exit lane has room for it (no blocking the box);
 * merging links yield to the vehicle nearer the merge point. Nothing teleports:
 * a vehicle that cannot enter waits in its origin road's insertion queue.
 */
import type { CompiledNetwork } from '../engine/network/index.js';
import type { Controller, ControllerFactory } from '../engine/controllers/index.js';
import { Cabinet } from '../engine/cabinet/index.js';
import { routeFreeFlowS, type Router } from '../engine/network/index.js';
import type { PreemptionOptions } from '../engine/preemption/index.js';
import { ConflictMonitor, EventLog, EV_DETECTOR_OFF, EV_DETECTOR_ON, GREEN, loopChannels, PERMITTED, RED, SignalLayer, YELLOW } from '../engine/signals/index.js';
import { approachSpeed, boundSpeed, safeSpeed } from './carFollowing.js';
import { TRIP_ACTIVE, TRIP_DONE, TRIP_FUTURE, TRIP_WAITING, type Trips } from './demand.js';
import { DetectorState, HALTING_SPEED_MPS, QUEUE_JOIN_GAP_M } from './detectors.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import type { DetectorHealth } from '../engine/detectors/index.js';
import { Rng } from './rng.js';
import type { VehicleType } from './vehicleTypes.js';
import { DET_LANE_AREA } from '../engine/network/index.js';
import type { PrioritySink, RouteAnswer } from '../engine/preemption/types.js';

/** A vehicle counts a stop when its speed falls below this after having been moving (m/s). */
export const STOP_SPEED_MPS = 1.39;
/** ...and is "moving" again once above this (m/s). Hysteresis keeps queue creep from counting as many stops. */
export const MOVING_SPEED_MPS = 4.17;


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

/** Steps between two compactions of the vehicle slots (see compact()). */
const COMPACT_EVERY = 32;

export interface SimulationInit {
  net: CompiledNetwork;
  trips: Trips;
  types: readonly VehicleType[];
  durationMs: number;
  /** Routes emergency vehicles (the engine's router for the same network). */
  router: Router;
  /** A controller name or factory; the engine (engine/cabinet) wraps it with overrides and pre-emption. */
  controller: string | ControllerFactory;
  /** Worker threads for controllers that re-plan in a pool (adaptive). */
  workers?: number | undefined;
  /** Emergency pre-emption (default on); its settings. */
  preemption?: boolean | undefined;
  preemptionOptions?: PreemptionOptions | undefined;
  /** Record the event log (signal, pre-emption and loop detector events). */
  eventLog?: boolean | undefined;
  /** Seconds between an emergency vehicle's position reports (default 1). */
  reportPeriodS?: number;
  /** Seed of the simulator's own random numbers (driver dawdling, σ > 0). */
  seed?: number;
  /** Detector faults to inject (tests of fault handling). */
  faults?: readonly FaultSpec[] | undefined;
}

export class Simulation {
  /** The engine: detectors, diagnostics, controller, pre-emption, signals, monitor, event log. */
  readonly cabinet: Cabinet<DetectorState>;
  readonly net: CompiledNetwork;
  readonly trips: Trips;
  readonly durationMs: number;
  readonly stepMs: number;
  readonly signals: SignalLayer;
  readonly monitor: ConflictMonitor;
  readonly detectors: DetectorState;
  /** Detector diagnostics, shared with the controller. */
  readonly health: DetectorHealth;
  readonly controller: Controller;
  private readonly faults: FaultInjector | undefined;
  readonly eventLog: EventLog | undefined;

  nowMs = 0;
  steps = 0;
  vehicleSteps = 0;
  /** Seconds spent stepping (wall clock). */
  wallSeconds = 0;

  // counters
  scheduled = 0;
  entered = 0;
  completed = 0;
  inNetwork = 0;
  waitingToEnter = 0;
  /** Invariant counters (tests assert zero): overlapping vehicles; vehicles entering on red without a yellow commitment. */
  collisions = 0;
  redRunning = 0;

  // vehicle type parameters
  private readonly tLen: Float64Array;
  private readonly tMinGap: Float64Array;
  private readonly tMaxSpeed: Float64Array;
  private readonly tAccel: Float64Array;
  private readonly tDecel: Float64Array;
  private readonly tEmDecel: Float64Array;
  private readonly tTau: Float64Array;
  private readonly tSigma: Float64Array;
  /** The simulator's one PRNG (used only by vehicle types with σ > 0). */
  private readonly rng: Rng;

  // vehicles (struct of arrays; slot capacity grows by doubling)
  private cap = 0;
  vTrip = new Int32Array(0);
  vDrv = new Int32Array(0);
  vPos = new Float64Array(0);
  vSpeed = new Float64Array(0);
  private vNew = new Float64Array(0);
  private vAhead = new Int32Array(0);
  private vBehind = new Int32Array(0);
  vRouteIdx = new Int32Array(0);
  private vNextLink = new Int32Array(0);
  vType = new Int32Array(0);
  private vLen = new Float64Array(0);
  private vMinGap = new Float64Array(0);
  /** 1: committed to clear the intersection on yellow; 2: counted as running a red. */
  private vCommitted = new Uint8Array(0);
  private vMoving = new Uint8Array(0);
  private freeHead = -1;
  private nSlots = 0;
  /** Compaction scratch: old slot of each new slot, and one buffer per element type. */
  private oldOf = new Int32Array(0);
  private scratchF = new Float64Array(0);
  private scratchI = new Int32Array(0);
  private scratchU = new Uint8Array(0);

  // drivables
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly count: Int32Array;
  /** One bit per drivable, set while it has vehicles: the passes visit only those, in drivable order. */
  private readonly occupied: Uint32Array;
  /** Space reserved on a lane by vehicles on links heading into it (m), and their number. */
  private readonly laneResM: Float64Array;
  private readonly laneResN: Int32Array;
  private readonly laneInsertStamp: Int32Array;
  private readonly laneLoopFromM: Float64Array;
  private readonly laneLoopToM: Float64Array;
  private readonly laneLoopStart: Int32Array;
  private readonly loopStartM: Float64Array;
  private readonly loopEndM: Float64Array;
  private readonly loopDet: Int32Array;
  /** The lane-area detectors. */
  private readonly cameras: Int32Array;

  // trips
  private nextTrip = 0;
  readonly tripState: Uint8Array;
  readonly tripArriveMs: Float64Array;
  readonly tripEnterMs: Float64Array;
  readonly tripStops: Int32Array;
  readonly tripVeh: Int32Array;
  private readonly waitHead: Int32Array;
  private readonly waitTail: Int32Array;
  private readonly waitNext: Int32Array;

  /** Where emergency vehicles send their requests and position reports (a controller with pre-emption). */
  private readonly priority: PrioritySink | undefined;
  /** Per emergency vehicle: 1 once dispatched, 2 once its arrival has been reported. */
  private evReported = new Uint8Array(0);
  private reportEveryMs = 1000;

  /** The distance argument of intoLane (a double passed as an argument to a call that is not inlined is boxed). */
  private readonly distScratch = new Float64Array(1);

  constructor(init: SimulationInit) {
    const net = init.net;
    this.net = net;
    this.trips = init.trips;
    this.durationMs = init.durationMs;
    this.stepMs = net.stepMs;

    const types = init.types;
    const f = (g: (t: VehicleType) => number): Float64Array => Float64Array.from(types.map(g));
    this.tLen = f((t) => t.lengthM);
    this.tMinGap = f((t) => t.minGapM);
    this.tMaxSpeed = f((t) => t.maxSpeedMps);
    this.tAccel = f((t) => t.accelMps2);
    this.tDecel = f((t) => t.decelMps2);
    this.tEmDecel = f((t) => t.emergencyDecelMps2);
    this.tTau = f((t) => Math.max(t.tauS, net.stepMs / 1000));
    this.tSigma = f((t) => t.sigma);
    this.rng = new Rng(init.seed ?? 1, 0x5eed);

    this.head = new Int32Array(net.nDrv).fill(-1);
    this.tail = new Int32Array(net.nDrv).fill(-1);
    this.count = new Int32Array(net.nDrv);
    this.occupied = new Uint32Array((net.nDrv + 31) >>> 5);
    this.laneResM = new Float64Array(net.nLanes);
    this.laneResN = new Int32Array(net.nLanes);
    this.laneInsertStamp = new Int32Array(net.nLanes).fill(-1);
    // Where each lane's loop detectors are, so the advance only tests vehicles near them: the span
    // from the first to the last, and each loop (a queue standing between two far-apart loops costs no call).
    this.laneLoopFromM = new Float64Array(net.nLanes).fill(Infinity);
    this.laneLoopToM = new Float64Array(net.nLanes).fill(-Infinity);
    this.laneLoopStart = new Int32Array(net.nLanes + 1);
    const cameras: number[] = [];
    const loopS: number[] = [];
    const loopE: number[] = [];
    const loopD: number[] = [];
    for (let lane = 0; lane < net.nLanes; lane++) {
      for (let k = net.laneDetStart[lane]!; k < net.laneDetStart[lane + 1]!; k++) {
        const dIdx = net.laneDets[k]!;
        if (net.detKind[dIdx] === DET_LANE_AREA) continue;
        loopS.push(net.detStartM[dIdx]!);
        loopE.push(net.detEndM[dIdx]!);
        loopD.push(dIdx);
        this.laneLoopFromM[lane] = Math.min(this.laneLoopFromM[lane]!, net.detStartM[dIdx]!);
        this.laneLoopToM[lane] = Math.max(this.laneLoopToM[lane]!, net.detEndM[dIdx]!);
      }
      this.laneLoopStart[lane + 1] = loopS.length;
    }
    this.loopStartM = Float64Array.from(loopS);
    this.loopEndM = Float64Array.from(loopE);
    this.loopDet = Int32Array.from(loopD);
    for (let dIdx = 0; dIdx < net.nDet; dIdx++) if (net.detKind[dIdx] === DET_LANE_AREA) cameras.push(dIdx);
    this.cameras = Int32Array.from(cameras);

    const n = init.trips.n;
    this.tripState = new Uint8Array(n);
    this.tripArriveMs = new Float64Array(n).fill(NaN);
    this.tripEnterMs = new Float64Array(n).fill(NaN);
    this.tripStops = new Int32Array(n);
    this.tripVeh = new Int32Array(n).fill(-1);
    this.waitHead = new Int32Array(net.nRoads).fill(-1);
    this.waitTail = new Int32Array(net.nRoads).fill(-1);
    this.waitNext = new Int32Array(n).fill(-1);

    this.grow(Math.max(64, Math.min(n, 1 << 14)));

    const cab = new Cabinet({
      net,
      router: init.router,
      controller: init.controller,
      detectors: new DetectorState(net),
      workers: init.workers,
      preemption: init.preemption,
      preemptionOptions: init.preemptionOptions,
      eventLog: init.eventLog,
    });
    this.cabinet = cab;
    this.signals = cab.signals;
    this.monitor = cab.monitor;
    this.detectors = cab.detectors;
    this.health = cab.health;
    this.controller = cab.controller;
    this.eventLog = cab.eventLog;
    this.faults = init.faults && init.faults.length ? new FaultInjector(net, init.faults) : undefined;
    if (this.eventLog) {
      this.detectors.enableEdges();
      const ch = loopChannels(net);
      this.detInter = ch.inter;
      this.detChannel = ch.channel;
    }
    if (init.trips.emergency.length > 0) {
      this.priority = cab.preemption;
      this.evReported = new Uint8Array(init.trips.emergency.length);
      this.reportEveryMs = Math.max(net.stepMs, Math.round((init.reportPeriodS ?? 1) * 1000));
    }
  }

  get done(): boolean {
    return this.nowMs >= this.durationMs;
  }

  /** Runs to the end of the scenario. `onProgress(fraction)` is called now and then. */
  run(onProgress?: (fraction: number) => void): void {
    const every = Math.max(1, Math.floor(this.durationMs / this.stepMs / 200));
    while (!this.done) {
      this.step();
      if (onProgress && this.steps % every === 0) onProgress(this.nowMs / this.durationMs);
    }
    this.finish();
  }

  /** Runs to the end, waiting for the controller where it asks to (work in worker threads). */
  async runAsync(onProgress?: (fraction: number) => void): Promise<void> {
    const every = Math.max(1, Math.floor(this.durationMs / this.stepMs / 200));
    while (!this.done) {
      const wait = this.cabinet.step(this.nowMs);
      if (wait) await wait;
      this.move();
      if (onProgress && this.steps % every === 0) onProgress(this.nowMs / this.durationMs);
    }
    this.finish();
  }

  /** Releases the trips scheduled in the last partial step, so that the final counts balance. */
  finish(): void {
    this.release(this.durationMs - 1);
    this.cabinet.finish(this.nowMs);
  }

  /** One step: the engine decides and shows the signals for now, then the vehicles move. */
  step(): void {
    if (this.cabinet.step(this.nowMs)) throw new Error(`controller ${this.controller.name} waits for work in other threads: run the simulation with runAsync`);
    this.move();
  }

  /** The vehicles' part of a step, under the signals the engine shows. */
  private move(): void {
    const t0 = performance.now();
    const t = this.nowMs;
    this.release(t);
    this.spawn();
    this.follow();
    this.detectors.beginStep(this.stepMs);
    this.advance();
    this.transfer();
    this.detectors.endStep();
    if (this.eventLog) this.logDetectorEdges(t);
    this.sampleDetectors();
    if (this.priority) this.reportEmergencies(t + this.stepMs);
    this.faults?.apply(this.detectors, t + this.stepMs, this.stepMs);
    this.nowMs = t + this.stepMs;
    this.steps++;
    if (this.steps % COMPACT_EVERY === 0) this.compact();
    this.wallSeconds += (performance.now() - t0) / 1000;
  }

  // ------------------------------------------------------ detector events

  /** Per loop detector: its intersection (the stop line it serves) and its channel there (1-based), for the event log. */
  private detInter: Int32Array = new Int32Array(0);
  private detChannel: Int32Array = new Int32Array(0);

  /** Writes this step's loop on/off edges to the event log (Indiana codes 82 on, 81 off), in time order. */
  private logDetectorEdges(t: number): void {
    const det = this.detectors;
    const n = det.nEdges;
    if (n === 0) return;
    const order = this.edgeOrder.length >= n ? this.edgeOrder : (this.edgeOrder = new Int32Array(n * 2));
    for (let i = 0; i < n; i++) {
      // insertion sort by time (a step has few edges)
      const f = det.edgeFrac[i]!;
      let j = i - 1;
      while (j >= 0 && det.edgeFrac[order[j]!]! > f) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = i;
    }
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const d = det.edgeDet[k]!;
      this.eventLog!.push(t + det.edgeFrac[k]! * this.stepMs, this.detInter[d]!, det.edgeOn[k] ? EV_DETECTOR_ON : EV_DETECTOR_OFF, this.detChannel[d]!);
    }
    det.nEdges = 0;
  }

  private edgeOrder = new Int32Array(64);

  // ------------------------------------------------------------ emergency

  /** An emergency vehicle is due: its dispatch request, answered with the route it will drive. */
  private dispatchEmergency(k: number, t: number): void {
    const tr = this.trips;
    const e = tr.emergencyIdx[k]!;
    const off = tr.routeOff[k]!;
    const info = tr.emergency[e]!;
    const a = this.priority!.dispatch({ ev: e, id: info.id, priority: info.priority, fromRoad: tr.routeRoads[off]!, toRoad: tr.routeRoads[off + tr.routeLen[k]! - 1]!, timeMs: t });
    this.setRoute(k, a);
    this.evReported[e] = 1;
  }

  /** Replaces trip k's route (the part already driven must be unchanged). */
  private setRoute(k: number, a: RouteAnswer): void {
    const tr = this.trips;
    if (a.roads.length > tr.routeCap[k]!) throw new Error(`route of ${a.roads.length} roads does not fit trip ${k}`);
    const off = tr.routeOff[k]!;
    for (let q = 0; q < a.roads.length; q++) {
      tr.routeRoads[off + q] = a.roads[q]!;
      tr.routeMoves[off + q] = a.moves[q]!;
    }
    tr.routeLen[k] = a.roads.length;
    (tr.freeFlowS as Float64Array)[k] = routeFreeFlowS({ roadS: this.net.roadFreeFlowS, movS: this.net.movFreeFlowS }, a.roads, a.moves);
  }

  /** Position reports of the emergency vehicles on the road (every reportPeriodS), and their arrivals. */
  private reportEmergencies(nowMs: number): void {
    const tr = this.trips;
    const net = this.net;
    const due = nowMs % this.reportEveryMs === 0;
    for (let e = 0; e < tr.emergency.length; e++) {
      if (this.evReported[e] !== 1) continue;
      const k = tr.emergency[e]!.trip;
      const st = this.tripState[k];
      if (st === TRIP_DONE) {
        this.priority!.arrived(e, this.tripArriveMs[k]!);
        this.evReported[e] = 2;
        continue;
      }
      if (st !== TRIP_ACTIVE || !due) continue;
      const v = this.tripVeh[k]!;
      const d = this.vDrv[v]!;
      const onLink = d >= net.nLanes;
      const road = onLink ? tr.routeRoads[tr.routeOff[k]! + this.vRouteIdx[v]!]! : net.laneRoad[d]!;
      const a = this.priority!.report({ ev: e, timeMs: nowMs, road, onLink, posM: this.vPos[v]!, speedMps: this.vSpeed[v]! });
      if (a) this.setRoute(k, a);
    }
  }

  // ------------------------------------------------------------------ spawn

  private grow(to: number): void {
    const old = this.cap;
    const cp = <T extends Int32Array | Float64Array | Uint8Array>(a: T, ctor: new (n: number) => T): T => {
      const b = new ctor(to);
      b.set(a);
      return b;
    };
    this.vTrip = cp(this.vTrip, Int32Array);
    this.vDrv = cp(this.vDrv, Int32Array);
    this.vPos = cp(this.vPos, Float64Array);
    this.vSpeed = cp(this.vSpeed, Float64Array);
    this.vNew = cp(this.vNew, Float64Array);
    this.vAhead = cp(this.vAhead, Int32Array);
    this.vBehind = cp(this.vBehind, Int32Array);
    this.vRouteIdx = cp(this.vRouteIdx, Int32Array);
    this.vNextLink = cp(this.vNextLink, Int32Array);
    this.vType = cp(this.vType, Int32Array);
    this.vLen = cp(this.vLen, Float64Array);
    this.vMinGap = cp(this.vMinGap, Float64Array);
    this.vCommitted = cp(this.vCommitted, Uint8Array);
    this.vMoving = cp(this.vMoving, Uint8Array);
    for (let v = old; v < to; v++) this.vDrv[v] = -1;
    this.oldOf = new Int32Array(to);
    this.scratchF = new Float64Array(to);
    this.scratchI = new Int32Array(to);
    this.scratchU = new Uint8Array(to);
    this.cap = to;
  }

  /**
   * Renumbers the vehicles so that each drivable's vehicles occupy consecutive
   * slots, front first, in drivable order: the step then walks memory in
   * order. Vehicles move between lanes and new ones take free slots, so the
   * order decays; this restores it every COMPACT_EVERY steps. Results do not
   * depend on slot numbers.
   */
  private compact(): void {
    const nDrv = this.net.nDrv;
    const oldOf = this.oldOf;
    let n = 0;
    for (let d = 0; d < nDrv; d++) for (let v = this.head[d]!; v >= 0; v = this.vBehind[v]!) oldOf[n++] = v;
    const f = this.scratchF;
    const iv = this.scratchI;
    const u = this.scratchU;
    const permF = (a: Float64Array): void => {
      for (let k = 0; k < n; k++) f[k] = a[oldOf[k]!]!;
      a.set(f.subarray(0, n));
    };
    const permI = (a: Int32Array): void => {
      for (let k = 0; k < n; k++) iv[k] = a[oldOf[k]!]!;
      a.set(iv.subarray(0, n));
    };
    const permU = (a: Uint8Array): void => {
      for (let k = 0; k < n; k++) u[k] = a[oldOf[k]!]!;
      a.set(u.subarray(0, n));
    };
    permI(this.vTrip);
    permI(this.vDrv);
    permF(this.vPos);
    permF(this.vSpeed);
    permI(this.vRouteIdx);
    permI(this.vNextLink);
    permI(this.vType);
    permF(this.vLen);
    permF(this.vMinGap);
    permU(this.vCommitted);
    permU(this.vMoving);
    let i = 0;
    for (let d = 0; d < nDrv; d++) {
      const c = this.count[d]!;
      if (c === 0) continue;
      this.head[d] = i;
      this.tail[d] = i + c - 1;
      for (let j = 0; j < c; j++) {
        this.vAhead[i + j] = j === 0 ? -1 : i + j - 1;
        this.vBehind[i + j] = j === c - 1 ? -1 : i + j + 1;
      }
      i += c;
    }
    for (let k = 0; k < n; k++) this.tripVeh[this.vTrip[k]!] = k;
    for (let v = n; v < this.nSlots; v++) this.vDrv[v] = -1;
    this.freeHead = -1;
    this.nSlots = n;
  }

  private alloc(): number {
    if (this.freeHead >= 0) {
      const v = this.freeHead;
      this.freeHead = this.vBehind[v]!;
      return v;
    }
    if (this.nSlots === this.cap) this.grow(this.cap * 2);
    return this.nSlots++;
  }

  private release(t: number): void {
    const tr = this.trips;
    while (this.nextTrip < tr.n && tr.departMs[this.nextTrip]! <= t && tr.departMs[this.nextTrip]! < this.durationMs) {
      const k = this.nextTrip++;
      if (this.tripState[k] !== TRIP_FUTURE) continue; // a spare emergency trip, released when it was asked for
      const r = tr.routeRoads[tr.routeOff[k]!]!;
      this.waitNext[k] = -1;
      if (this.waitTail[r]! >= 0) this.waitNext[this.waitTail[r]!] = k;
      else this.waitHead[r] = k;
      this.waitTail[r] = k;
      this.tripState[k] = TRIP_WAITING;
      if (this.priority && tr.emergencyIdx[k]! >= 0) this.dispatchEmergency(k, t);
      this.scheduled++;
      this.waitingToEnter++;
    }
  }

  private laneHasMovement(lane: number, mv: number): boolean {
    const net = this.net;
    for (let k = net.laneOutStart[lane]!; k < net.laneOutStart[lane + 1]!; k++) if (net.linkMov[net.laneOut[k]! - net.nLanes] === mv) return true;
    return false;
  }

  /**
   * An emergency vehicle asked for while running (the live service): takes a
   * spare emergency trip (prepare's spareEmergency), dispatches it from
   * fromRoad to toRoad now, and lets it enter at fromRoad. The dispatch may
   * throw (an unreachable destination); then nothing has changed. Returns
   * false when no spare trip is left.
   */
  addEmergency(id: string, priority: number, fromRoad: number, toRoad: number): boolean {
    const tr = this.trips;
    const e = tr.emergency.findIndex((x) => x.id === '' && tr.departMs[x.trip] === Infinity);
    if (e < 0 || !this.priority) return false;
    const k = tr.emergency[e]!.trip;
    const info = tr.emergency[e] as { id: string; priority: number; trip: number };
    const a = this.priority.dispatch({ ev: e, id, priority, fromRoad, toRoad, timeMs: this.nowMs });
    info.id = id;
    info.priority = priority;
    (tr.departMs as Float64Array)[k] = this.nowMs;
    this.setRoute(k, a);
    this.evReported[e] = 1;
    this.waitNext[k] = -1;
    if (this.waitTail[fromRoad]! >= 0) this.waitNext[this.waitTail[fromRoad]!] = k;
    else this.waitHead[fromRoad] = k;
    this.waitTail[fromRoad] = k;
    this.tripState[k] = TRIP_WAITING;
    this.scheduled++;
    this.waitingToEnter++;
    if (!this.extraOrigins.includes(fromRoad) && !tr.originRoads.includes(fromRoad)) this.extraOrigins.push(fromRoad);
    return true;
  }

  /** Roads where vehicles asked for while running enter (not among the trips' origins). */
  private readonly extraOrigins: number[] = [];

  private spawn(): void {
    const origins = this.trips.originRoads;
    for (let i = 0; i < origins.length; i++) this.spawnAt(origins[i]!);
    for (let i = 0; i < this.extraOrigins.length; i++) this.spawnAt(this.extraOrigins[i]!);
  }

  /** Lets the vehicles waiting at road r's entry in while there is room. */
  private spawnAt(r: number): void {
    while (this.waitHead[r]! >= 0) {
      const k = this.waitHead[r]!;
      if (!this.insert(k, r)) break;
      this.waitHead[r] = this.waitNext[k]!;
      if (this.waitHead[r]! < 0) this.waitTail[r] = -1;
    }
  }

  /** Puts trip k on a lane of road r if one has room; at most one vehicle enters a lane per step. */
  private insert(k: number, r: number): boolean {
    const net = this.net;
    const tr = this.trips;
    const ty = tr.vtype[k]!;
    const off = tr.routeOff[k]!;
    const mv0 = tr.routeMoves[off]!;
    const minGap = this.tMinGap[ty]!;
    let best = -1;
    let bestSpace = -Infinity;
    const first = net.roadFirstLane[r]!;
    for (let lane = first; lane < first + net.roadLanes[r]!; lane++) {
      if (this.laneInsertStamp[lane] === this.steps) continue;
      if (mv0 >= 0 && !this.laneHasMovement(lane, mv0)) continue;
      const tl = this.tail[lane]!;
      const space = tl >= 0 ? this.vPos[tl]! - this.vLen[tl]! : net.drvLengthM[lane]!;
      if (space < minGap) continue;
      if (space > bestSpace) {
        bestSpace = space;
        best = lane;
      }
    }
    if (best < 0) return false;
    const v = this.alloc();
    const dt = this.stepMs / 1000;
    const tl = this.tail[best]!;
    let speed = Math.min(this.tMaxSpeed[ty]!, net.drvSpeedMps[best]!);
    if (tl >= 0) {
      speed = Math.min(
        speed,
        safeSpeed(bestSpace - minGap, this.vSpeed[tl]!, this.tDecel[ty]!, this.tTau[ty]!),
        boundSpeed(bestSpace, this.vSpeed[tl]!, this.tEmDecel[this.vType[tl]!]!, this.tEmDecel[ty]!, dt),
      );
    }
    this.vTrip[v] = k;
    this.vDrv[v] = best;
    this.vPos[v] = 0;
    this.vSpeed[v] = speed;
    this.vNew[v] = speed;
    this.vRouteIdx[v] = 0;
    this.vNextLink[v] = -1;
    this.vType[v] = ty;
    this.vLen[v] = this.tLen[ty]!;
    this.vMinGap[v] = minGap;
    this.vCommitted[v] = 0;
    this.vMoving[v] = speed > MOVING_SPEED_MPS ? 1 : 0;
    this.append(best, v);
    this.laneInsertStamp[best] = this.steps;
    this.tripState[k] = TRIP_ACTIVE;
    this.tripVeh[k] = v;
    this.tripEnterMs[k] = this.nowMs;
    this.waitingToEnter--;
    this.inNetwork++;
    this.entered++;
    return true;
  }

  // ----------------------------------------------------------------- follow

  /**
   * Chooses the lane link a vehicle on `lane` takes: to an exit lane from which
   * its route continues, preferring the smallest sideways shift, then the
   * emptier lane.
   */
  private chooseLink(v: number, lane: number): number {
    const net = this.net;
    const tr = this.trips;
    const trip = this.vTrip[v]!;
    const off = tr.routeOff[trip]!;
    const k = this.vRouteIdx[v]!;
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
      let score = 2 * Math.abs(net.laneIndex[T]! - li) + 0.5 * (this.count[T]! + this.laneResN[T]!);
      if (mvNext >= 0 && !this.laneHasMovement(T, mvNext)) score += 1e9;
      if (score < bestScore) {
        bestScore = score;
        best = link;
      }
    }
    return best;
  }

  // The three helpers below lower vNew[v], the speed being decided for v, in place: returning a
  // double from a function that is not inlined would allocate a heap number per call.

  /**
   * Constrains a head vehicle entering lane T at distance D (m, from its front
   * to T's start), coming through link `via`: T's last vehicle, T's speed
   * limit, and vehicles on other links into T that are nearer the merge point.
   */
  private intoLane(v: number, T: number, via: number): void {
    const D = this.distScratch[0]!;
    const ty = this.vType[v]!;
    const b = this.tDecel[ty]!;
    const tau = this.tTau[ty]!;
    const minGap = this.vMinGap[v]!;
    const eD = this.tEmDecel[ty]!;
    const dt = this.stepMs / 1000;
    const net = this.net;
    let vn = this.vNew[v]!;
    vn = Math.min(vn, approachSpeed(D, Math.min(net.drvSpeedMps[T]!, this.tMaxSpeed[ty]!), b, dt));
    const tl = this.tail[T]!;
    if (tl >= 0) {
      const gap = D + this.vPos[tl]! - this.vLen[tl]!;
      vn = Math.min(vn, safeSpeed(gap - minGap, this.vSpeed[tl]!, b, tau), boundSpeed(gap, this.vSpeed[tl]!, this.tEmDecel[this.vType[tl]!]!, eD, dt));
    }
    const i1 = net.laneInStart[T + 1]!;
    for (let q = net.laneInStart[T]!; q < i1; q++) {
      const other = net.laneIn[q]!;
      if (other === via) continue;
      const L = net.drvLengthM[other]!;
      // The rearmost vehicle on the other link that is nearer the merge than v.
      for (let w = this.tail[other]!; w >= 0; w = this.vAhead[w]!) {
        const dw = L - this.vPos[w]!;
        if (dw < D || (dw === D && other < via)) {
          const gap = D - dw - this.vLen[w]!;
          vn = Math.min(vn, safeSpeed(gap - minGap, this.vSpeed[w]!, b, tau), boundSpeed(gap, this.vSpeed[w]!, this.tEmDecel[this.vType[w]!]!, eD, dt));
          break;
        }
      }
    }
    this.vNew[v] = vn;
  }

  /** Constraints ahead of the front vehicle of drivable d (nothing ahead of it on d). */
  private lookahead(v: number, d: number): void {
    const net = this.net;
    const nLanes = net.nLanes;
    const dist = net.drvLengthM[d]! - this.vPos[v]!;
    if (d >= nLanes) {
      this.distScratch[0] = dist;
      this.intoLane(v, net.linkToLane[d - nLanes]!, d);
      return;
    }
    const trip = this.vTrip[v]!;
    if (this.vRouteIdx[v]! >= this.trips.routeLen[trip]! - 1) return; // leaves the network at the lane end
    let link = this.vNextLink[v]!;
    if (link < 0) this.vNextLink[v] = link = this.chooseLink(v, d);
    const ty = this.vType[v]!;
    const b = this.tDecel[ty]!;
    const tau = this.tTau[ty]!;
    const dt = this.stepMs / 1000;
    // slow down for the turn
    let vn = Math.min(this.vNew[v]!, approachSpeed(dist, net.drvSpeedMps[link]!, b, dt));
    const tl = this.tail[link]!;
    if (tl >= 0) {
      const gap = dist + this.vPos[tl]! - this.vLen[tl]!;
      vn = Math.min(
        vn,
        safeSpeed(gap - this.vMinGap[v]!, this.vSpeed[tl]!, b, tau),
        boundSpeed(gap, this.vSpeed[tl]!, this.tEmDecel[this.vType[tl]!]!, this.tEmDecel[ty]!, dt),
      );
      this.vNew[v] = vn;
      return;
    }
    this.vNew[v] = vn;
    this.distScratch[0] = dist + net.drvLengthM[link]!;
    this.intoLane(v, net.linkToLane[link - nLanes]!, link);
  }

  /** The stop line of lane d, at distEnd ahead of vehicle v: signal, yellow dilemma, and no blocking the box. */
  private stopLine(v: number, d: number): void {
    const distEnd = this.net.drvLengthM[d]! - this.vPos[v]!;
    const tr = this.trips;
    const trip = this.vTrip[v]!;
    const k = this.vRouteIdx[v]!;
    if (k >= tr.routeLen[trip]! - 1) return;
    const net = this.net;
    const mv = tr.routeMoves[tr.routeOff[trip]! + k]!;
    const st = this.signals.movState[mv];
    const ty = this.vType[v]!;
    const b = this.tDecel[ty]!;
    const speed = this.vSpeed[v]!;
    const canStop = speed * speed <= 2 * b * Math.max(distEnd, 0) + 1e-9;
    const green = st === GREEN || st === PERMITTED;
    if (green && speed < 0.1 && this.nowMs - this.signals.movGreenSinceMs[mv]! < START_REACTION_S * 1000) {
      // still reacting to the green
    } else if (st === PERMITTED && canStop && this.mustYield(mv)) {
      // a permitted movement waits at the line for a gap in the conflicting traffic
    } else if (green) {
      let link = this.vNextLink[v]!;
      if (link < 0) this.vNextLink[v] = link = this.chooseLink(v, d);
      const T = net.linkToLane[link - net.nLanes]!;
      const tl = this.tail[T]!;
      // Don't block the box: enter only if the exit lane has room, or its last vehicle is moving away.
      const room = (tl >= 0 ? this.vPos[tl]! - this.vLen[tl]! : net.drvLengthM[T]!) - this.laneResM[T]!;
      if (room >= this.vLen[v]! + this.vMinGap[v]! || !canStop || (tl >= 0 && this.vSpeed[tl]! >= HALTING_SPEED_MPS)) return;
    } else if (st === YELLOW) {
      if (this.vCommitted[v] !== 0) return;
      const stopDecel = b < YELLOW_STOP_DECEL_MPS2 ? b : YELLOW_STOP_DECEL_MPS2;
      const close = speed >= 1 && distEnd <= YELLOW_GO_TTSL_S * speed;
      if (close || speed * speed > 2 * stopDecel * Math.max(distEnd, 0)) {
        this.vCommitted[v] = 1;
        return;
      }
    } else if (this.vCommitted[v] !== 0 && !canStop) {
      return;
    } else if (speed * speed > 2 * this.tEmDecel[ty]! * Math.max(distEnd, 0) + 1e-9) {
      // Cannot stop even with emergency braking (cannot happen with ITE yellows): it runs the red.
      if (this.vCommitted[v] !== 2) {
        this.vCommitted[v] = 2;
        this.redRunning++;
      }
      return;
    }
    const dt = this.stepMs / 1000;
    const gap = distEnd - STOP_LINE_OFFSET_M;
    this.vNew[v] = Math.min(this.vNew[v]!, safeSpeed(gap, 0, b, this.tTau[ty]!), boundSpeed(Math.max(gap, 0) + 0.01, 0, 1, this.tEmDecel[ty]!, dt));
  }

  /**
   * Whether a vehicle on permitted movement mv must wait: a vehicle of a
   * conflicting movement is inside the intersection, or one with right of way
   * (protected green, or yellow and moving) will reach its stop line within the
   * critical gap (or stands at it, about to go on green).
   */
  private mustYield(mv: number): boolean {
    const net = this.net;
    const tr = this.trips;
    const state = this.signals.movState;
    const nLanes = net.nLanes;
    for (let q = net.movConfStart[mv]!; q < net.movConfStart[mv + 1]!; q++) {
      const c = net.movConf[q]!;
      for (let k = net.movLinkStart[c]!; k < net.movLinkStart[c + 1]!; k++) if (this.head[nLanes + k]! >= 0) return true;
      const sc = state[c];
      if (sc !== GREEN && sc !== YELLOW) continue;
      for (let q2 = net.movLaneStart[c]!; q2 < net.movLaneStart[c + 1]!; q2++) {
        const lane = net.movLanes[q2]!;
        const L = net.drvLengthM[lane]!;
        // the first vehicle on that lane that takes movement c (look at the first few only)
        let n = 0;
        for (let w = this.head[lane]!; w >= 0 && n < 3; w = this.vBehind[w]!, n++) {
          const wt = this.vTrip[w]!;
          const ri = this.vRouteIdx[w]!;
          if (ri >= tr.routeLen[wt]! - 1 || tr.routeMoves[tr.routeOff[wt]! + ri] !== c) continue;
          const dist = L - this.vPos[w]!;
          const speed = this.vSpeed[w]!;
          if (sc === GREEN ? dist <= Math.max(YIELD_NEAR_M, speed * CRITICAL_GAP_S) : speed >= 1 && dist <= speed * CRITICAL_GAP_S) return true;
          break;
        }
      }
    }
    return false;
  }

  private follow(): void {
    const net = this.net;
    const nLanes = net.nLanes;
    const dt = this.stepMs / 1000;
    const head = this.head;
    const vPos = this.vPos;
    const vSpeed = this.vSpeed;
    const vLen = this.vLen;
    const vType = this.vType;
    const vBehind = this.vBehind;
    const vNew = this.vNew;
    const tMaxSpeed = this.tMaxSpeed;
    const tAccel = this.tAccel;
    const tDecel = this.tDecel;
    const tEmDecel = this.tEmDecel;
    const tTau = this.tTau;
    const tSigma = this.tSigma;
    const vMinGap = this.vMinGap;
    const occupied = this.occupied;
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
          if (leader < 0) this.lookahead(v, d);
          // The stop line matters only to the front vehicle, or to one whose leader may cross it in this step.
          if (isLane && (leader < 0 || vPos[leader]! + vNew[leader]! * dt >= L)) this.stopLine(v, d);
          vn = vNew[v]!;
        }
        const sigma = tSigma[ty]!;
        if (sigma > 0) vn -= sigma * a * dt * this.rng.next(); // Krauss dawdling
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

  // ---------------------------------------------------------------- advance

  private advance(): void {
    const net = this.net;
    const nLanes = net.nLanes;
    const dt = this.stepMs / 1000;
    const det = this.detectors;
    const head = this.head;
    const vPos = this.vPos;
    const vSpeed = this.vSpeed;
    const vNew = this.vNew;
    const vLen = this.vLen;
    const vBehind = this.vBehind;
    const vMoving = this.vMoving;
    const loopFromM = this.laneLoopFromM;
    const loopToM = this.laneLoopToM;
    const laneLoopStart = this.laneLoopStart;
    const loopStartM = this.loopStartM;
    const loopEndM = this.loopEndM;
    const loopDet = this.loopDet;
    const occupied = this.occupied;
    const detArg = det.arg;
    let steps = 0;
    let collisions = 0;
    for (let w = 0; w < occupied.length; w++) {
      for (let bits = occupied[w]!; bits !== 0; bits &= bits - 1) {
        const d = (w << 5) + (31 - Math.clz32(bits & -bits));
        let v = head[d]!;
        let leaderRear = Infinity;
        if (d < nLanes) {
          // a lane: loop detectors along it
          const loopFrom = loopFromM[d]!;
          const loopTo = loopToM[d]!;
          const l0 = laneLoopStart[d]!;
          const l1 = laneLoopStart[d + 1]!;
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
                this.tripStops[this.vTrip[v]!]!++;
              }
            } else if (vn > MOVING_SPEED_MPS && vMoving[v] === 0) vMoving[v] = 1;
            if (pos >= loopFrom && old <= loopTo + len) {
              detArg[0] = old;
              detArg[1] = pos;
              detArg[2] = len;
              for (let k = l0; k < l1; k++) if (pos >= loopStartM[k]! && old <= loopEndM[k]! + len) det.loopAt(loopDet[k]!);
            }
            steps++;
            v = vBehind[v]!;
          }
        } else {
          // a link: a vehicle still covers the end of the lane it came from while its rear is there
          const from = net.linkFromLane[d - nLanes]!;
          const fromLen = net.drvLengthM[from]!;
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
                this.tripStops[this.vTrip[v]!]!++;
              }
            } else if (vn > MOVING_SPEED_MPS && vMoving[v] === 0) vMoving[v] = 1;
            if (old < len) {
              detArg[0] = fromLen + old;
              detArg[1] = fromLen + pos;
              detArg[2] = len;
              det.loop(from);
            }
            steps++;
            v = vBehind[v]!;
          }
        }
      }
    }
    this.vehicleSteps += steps;
    this.collisions += collisions;
  }

  // --------------------------------------------------------------- transfer

  private append(d: number, v: number): void {
    const tl = this.tail[d]!;
    this.vDrv[v] = d;
    if (this.count[d]!++ === 0) this.occupied[d >>> 5]! |= 1 << (d & 31);
    if (tl < 0) {
      this.head[d] = v;
      this.tail[d] = v;
      this.vAhead[v] = -1;
      this.vBehind[v] = -1;
      return;
    }
    const pos = this.vPos[v]!;
    if (this.vPos[tl]! >= pos) {
      this.vBehind[tl] = v;
      this.vAhead[v] = tl;
      this.vBehind[v] = -1;
      this.tail[d] = v;
      return;
    }
    // Two vehicles merged into d in one step: keep the list ordered by position.
    let w = tl;
    while (this.vAhead[w]! >= 0 && this.vPos[this.vAhead[w]!]! < pos) w = this.vAhead[w]!;
    const a = this.vAhead[w]!;
    this.vAhead[v] = a;
    this.vBehind[v] = w;
    this.vAhead[w] = v;
    if (a >= 0) this.vBehind[a] = v;
    else this.head[d] = v;
  }

  private popHead(d: number): number {
    const h = this.head[d]!;
    const nb = this.vBehind[h]!;
    this.head[d] = nb;
    if (nb >= 0) this.vAhead[nb] = -1;
    else this.tail[d] = -1;
    if (--this.count[d]! === 0) this.occupied[d >>> 5]! &= ~(1 << (d & 31));
    return h;
  }

  private transfer(): void {
    const net = this.net;
    const occupied = this.occupied;
    for (let w = 0; w < occupied.length; w++) {
      // Bits set while this word is scanned belong to drivables just entered, whose vehicles stay put.
      for (let bits = occupied[w]!; bits !== 0; bits &= bits - 1) {
        const d = (w << 5) + (31 - Math.clz32(bits & -bits));
        let h = this.head[d]!;
        while (h >= 0 && this.vPos[h]! >= net.drvLengthM[d]!) {
          this.leave(h, d);
          h = this.head[d]!;
        }
      }
    }
  }

  /** Vehicle h, the front of drivable d, has passed d's end. */
  private leave(h: number, d: number): void {
    const net = this.net;
    const nLanes = net.nLanes;
    this.popHead(d);
    const excess = this.vPos[h]! - net.drvLengthM[d]!;
    const trip = this.vTrip[h]!;
    if (d < nLanes) {
      if (this.vRouteIdx[h]! >= this.trips.routeLen[trip]! - 1) {
        this.arrive(h);
        return;
      }
      let link = this.vNextLink[h]!;
      if (link < 0) link = this.chooseLink(h, d);
      // Invariant: nobody enters on red unless committed on yellow (tests assert zero).
      if (this.signals.movState[net.linkMov[link - nLanes]!] === RED && this.vCommitted[h] === 0) this.redRunning++;
      const T = net.linkToLane[link - nLanes]!;
      this.laneResM[T]! += this.vLen[h]! + this.vMinGap[h]!;
      this.laneResN[T]!++;
      this.vPos[h] = excess;
      this.vCommitted[h] = 0;
      this.append(link, h);
      if (excess >= net.drvLengthM[link]!) this.leave(h, link);
      return;
    }
    const T = net.linkToLane[d - nLanes]!;
    this.laneResM[T]! -= this.vLen[h]! + this.vMinGap[h]!;
    this.laneResN[T]!--;
    this.vRouteIdx[h]!++;
    this.vNextLink[h] = -1;
    this.vPos[h] = excess;
    this.append(T, h);
    if (net.laneDetStart[T + 1]! > net.laneDetStart[T]!) {
      const arg = this.detectors.arg;
      arg[0] = excess - this.vSpeed[h]! * (this.stepMs / 1000);
      arg[1] = excess;
      arg[2] = this.vLen[h]!;
      this.detectors.loop(T);
    }
    if (excess >= net.drvLengthM[T]!) this.leave(h, T);
  }

  private arrive(h: number): void {
    const trip = this.vTrip[h]!;
    this.tripState[trip] = TRIP_DONE;
    this.tripArriveMs[trip] = this.nowMs + this.stepMs;
    this.tripVeh[trip] = -1;
    this.vDrv[h] = -1;
    this.vBehind[h] = this.freeHead;
    this.freeHead = h;
    this.inNetwork--;
    this.completed++;
  }

  // -------------------------------------------------------- sampleDetectors

  /** Lane-area (camera) detectors: vehicles in the zone, halting ones, and the queue from the zone's downstream end. */
  private sampleDetectors(): void {
    const net = this.net;
    const det = this.detectors;
    det.timeMs = this.nowMs + this.stepMs;
    const cams = this.cameras;
    const vPos = this.vPos;
    const vSpeed = this.vSpeed;
    const vBehind = this.vBehind;
    for (let k = 0; k < cams.length; k++) {
      const c = cams[k]!;
      const lane = net.detLane[c]!;
      let v = this.head[lane]!;
      if (v < 0 && det.vehicles[c] === 0) continue;
      const s = net.detStartM[c]!;
      const e = net.detEndM[c]!;
      let n = 0;
      let halt = 0;
      let queueEnd = e;
      let inQueue = true;
      for (; v >= 0; v = vBehind[v]!) {
        const p = vPos[v]!;
        if (p > e) continue;
        if (p < s) break;
        n++;
        const halting = vSpeed[v]! < HALTING_SPEED_MPS;
        if (halting) halt++;
        if (inQueue) {
          if (halting && queueEnd - p <= QUEUE_JOIN_GAP_M) queueEnd = Math.max(s, p - this.vLen[v]!);
          else inQueue = false;
        }
      }
      det.vehicles[c] = n;
      det.halting[c] = halt;
      det.queueM[c] = e - queueEnd;
    }
  }

  // ------------------------------------------------------------- inspection

  /** Trip states: 0 not yet scheduled, 1 waiting to enter, 2 on the road, 3 arrived. */
  static readonly TRIP = { FUTURE: TRIP_FUTURE, WAITING: TRIP_WAITING, ACTIVE: TRIP_ACTIVE, DONE: TRIP_DONE } as const;

  /** Live traffic figures: trips scheduled, on the road, arrived, waiting to enter, and the mean travel time of those arrived (s, 0.1 s). */
  traffic(): { scheduled: number; inNetwork: number; completed: number; waitingToEnter: number; meanTravelTimeS: number } {
    let sum = 0;
    let n = 0;
    for (let k = 0; k < this.trips.n; k++)
      if (this.tripState[k] === TRIP_DONE) {
        sum += this.tripArriveMs[k]! - this.trips.departMs[k]!;
        n++;
      }
    return { scheduled: this.scheduled, inNetwork: this.inNetwork, completed: this.completed, waitingToEnter: this.waitingToEnter, meanTravelTimeS: n ? Math.round(sum / n / 100) / 10 : 0 };
  }

  /** Vehicles on drivable d, front first (for tests and pictures; allocates). */
  vehiclesOn(d: number): number[] {
    const out: number[] = [];
    for (let v = this.head[d]!; v >= 0; v = this.vBehind[v]!) out.push(v);
    return out;
  }
}
