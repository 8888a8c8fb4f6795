/**
 * The microsimulation. A vehicle is an integer slot in struct-of-arrays
 * storage (sim/vehicles.ts); each drivable (lane or lane link through an
 * intersection) keeps its vehicles as a FIFO linked list, front first. A
 * step reads like its table of contents:
 *
 *   engine (cabinet.step: diagnose readings, decide, switch signals)
 *   → release → spawn → follow (decide) → advance (commit) → transfer
 *   → detectors (loops' occupancy and edges, cameras) → emergency reports
 *
 * `follow` reads only the state at t and writes next speeds; `advance` and
 * `transfer` apply them. Nothing is allocated per vehicle per step. The
 * phases are functions over SimState (sim/state.ts), one module each:
 * sim/spawn.ts, sim/follow.ts, sim/advance.ts, sim/detectors.ts,
 * sim/emergency.ts.
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
import { Cabinet } from '../engine/cabinet/index.js';
import type { Controller, ControllerFactory } from '../engine/controllers/index.js';
import type { DetectorHealth } from '../engine/detectors/index.js';
import type { CompiledNetwork, Router } from '../engine/network/index.js';
import type { PreemptionOptions } from '../engine/preemption/index.js';
import { loopChannels, type ConflictMonitor } from '../engine/signals/index.js';
import { advance, transfer } from './advance.js';
import { TRIP_ACTIVE, TRIP_DONE, TRIP_FUTURE, TRIP_WAITING, type Trips } from './demand.js';
import { DetectorState } from './detectors.js';
import { reportEmergencies } from './emergency.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { follow } from './follow.js';
import { applyHolds, changeLanes } from './laneChange.js';
import { addEmergency, release, spawn } from './spawn.js';
import { SimState } from './state.js';
import type { VehicleType } from './vehicleTypes.js';

export { STOP_SPEED_MPS, MOVING_SPEED_MPS } from './advance.js';
export { STOP_LINE_OFFSET_M, START_REACTION_S, YELLOW_STOP_DECEL_MPS2, YELLOW_GO_TTSL_S, CRITICAL_GAP_S, YIELD_NEAR_M } from './follow.js';

/** Steps between two compactions of the vehicle slots (VehicleStore.compact). */
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

export class Simulation extends SimState {
  readonly monitor: ConflictMonitor;
  /** Detector diagnostics, shared with the controller. */
  readonly health: DetectorHealth;
  /** The controller stack the engine calls (pre-emption over overrides over the chosen controller). */
  readonly controller: Controller;
  private readonly faults: FaultInjector | undefined;

  constructor(init: SimulationInit) {
    const net = init.net;
    const cabinet = new Cabinet({
      net,
      router: init.router,
      controller: init.controller,
      detectors: new DetectorState(net),
      workers: init.workers,
      preemption: init.preemption,
      preemptionOptions: init.preemptionOptions,
      eventLog: init.eventLog,
    });
    super({ net, trips: init.trips, types: init.types, durationMs: init.durationMs, cabinet, seed: init.seed ?? 1, reportPeriodS: init.reportPeriodS ?? 1 });
    this.monitor = cabinet.monitor;
    this.health = cabinet.health;
    this.controller = cabinet.controller;
    this.faults = init.faults && init.faults.length ? new FaultInjector(net, init.faults) : undefined;
    if (this.eventLog) this.detectors.enableEdges(loopChannels(net));
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
      await this.stepAsync();
      if (onProgress && this.steps % every === 0) onProgress(this.nowMs / this.durationMs);
    }
    this.finish();
  }

  /** One step, waiting for the controller where it asks to. */
  async stepAsync(): Promise<void> {
    let t0 = performance.now();
    const wait = this.cabinet.step(this.nowMs);
    if (wait) {
      await wait;
      t0 = performance.now(); // time waiting for other threads is not stepping
    }
    this.move(t0);
  }

  /** Releases the trips scheduled in the last partial step, so that the final counts balance; the engine diagnoses the last readings. */
  finish(): void {
    release(this, this.durationMs - 1);
    this.cabinet.finish(this.nowMs);
  }

  /** One step: the engine decides and shows the signals for now, then the vehicles move. */
  step(): void {
    const t0 = performance.now();
    if (this.cabinet.step(this.nowMs)) throw new Error(`controller ${this.controller.name} waits for work in other threads: run the simulation with runAsync`);
    this.move(t0);
  }

  /** The vehicles' part of a step, under the signals the engine shows; it ends with the detector readings for the next. `t0`: when the step began (wall clock). */
  private move(t0: number): void {
    const t = this.nowMs;
    const next = t + this.stepMs;
    release(this, t);
    spawn(this);
    changeLanes(this);
    follow(this);
    applyHolds(this);
    this.detectors.beginStep(this.stepMs);
    advance(this);
    transfer(this);
    this.detectors.endStep();
    if (this.eventLog) this.detectors.logEdgesTo(this.eventLog, t, this.stepMs);
    this.detectors.sampleCameras(this.veh, next);
    if (this.priority) reportEmergencies(this, next);
    this.faults?.apply(this.detectors, next, this.stepMs);
    this.nowMs = next;
    this.steps++;
    if (this.steps % COMPACT_EVERY === 0) this.veh.compact(this.tripVeh);
    this.wallSeconds += (performance.now() - t0) / 1000;
  }

  /**
   * An emergency vehicle asked for while running (the live service): takes a
   * spare emergency trip (prepare's spareEmergency; one is reused once its
   * vehicle has arrived), dispatches it from fromRoad to toRoad now, and lets
   * it enter at fromRoad. The dispatch may throw (an unreachable
   * destination); then nothing has changed. Returns false while every spare
   * trip is on the road.
   */
  addEmergency(id: string, priority: number, fromRoad: number, toRoad: number): boolean {
    return addEmergency(this, id, priority, fromRoad, toRoad);
  }

  // ------------------------------------------------------------- inspection

  /** Live traffic figures: trips scheduled, on the road, arrived, waiting to enter, and the mean travel time of those arrived (s, 0.1 s). */
  traffic(): { scheduled: number; inNetwork: number; completed: number; waitingToEnter: number; meanTravelTimeS: number } {
    let sum = this.reusedTravelMs;
    let n = this.reusedTrips;
    for (let k = 0; k < this.trips.n; k++)
      if (this.tripState[k] === TRIP_DONE) {
        sum += this.tripArriveMs[k]! - this.trips.departMs[k]!;
        n++;
      }
    return { scheduled: this.scheduled, inNetwork: this.inNetwork, completed: this.completed, waitingToEnter: this.waitingToEnter, meanTravelTimeS: n ? Math.round(sum / n / 100) / 10 : 0 };
  }

  /** Trip states: 0 not yet scheduled, 1 waiting to enter, 2 on the road, 3 arrived (sim/demand.ts TRIP_*). */
  static readonly TRIP = { FUTURE: TRIP_FUTURE, WAITING: TRIP_WAITING, ACTIVE: TRIP_ACTIVE, DONE: TRIP_DONE } as const;

  /** Per vehicle slot (VehicleStore): trip, drivable, position (m), speed (m/s), route index. Read again after a step (slots are renumbered). */
  get vTrip(): Int32Array {
    return this.veh.vTrip;
  }
  get vDrv(): Int32Array {
    return this.veh.vDrv;
  }
  get vPos(): Float64Array {
    return this.veh.vPos;
  }
  get vSpeed(): Float64Array {
    return this.veh.vSpeed;
  }
  get vRouteIdx(): Int32Array {
    return this.veh.vRouteIdx;
  }
  /** Vehicles per drivable. */
  get count(): Int32Array {
    return this.veh.count;
  }

  /** Vehicles on drivable d, front first (for tests and pictures; allocates). */
  vehiclesOn(d: number): number[] {
    return this.veh.vehiclesOn(d);
  }
}
